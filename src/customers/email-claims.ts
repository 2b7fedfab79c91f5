import { Inject, Injectable } from '@nestjs/common';
import type { CommandContext } from '../shared/decider/command-context';
import { type BoundTo, CommandProcessor } from '../shared/decider/command-processor';
import { BusinessRuleViolation } from '../shared/errors/domain-errors';
import { WrongExpectedRevisionError } from '../shared/event-store/event-store.port';
import { KEY_STORE, type KeyStore } from '../shared/privacy/key-store.port';
import { customerDecider, type CustomerState } from './customer.decider';
import { customerStream } from './customer.events';
import { emailClaimDecider, emailClaimStream, type HolderStatus, legacyEmailClaimStream } from './email-claim.decider';

/**
 * The key store entry holding the secret of the claim streams' keyed hash: 32 random bytes,
 * created on first use, wrapped by RELATA_MASTER_KEY like every data key when one is set. It is no
 * customer's key, so no forget deletes it.
 */
export const EMAIL_CLAIM_SECRET_ID = 'relata:email-claim-hmac';

export const isActive = (state: CustomerState): boolean => state.status === 'prospect' || state.status === 'customer';

/**
 * Email claims (see email-claim.decider.ts for why uniqueness works this way), in streams named by
 * a keyed hash of the email. Claims from before the keyed hash (legacyEmailClaimStream) still count:
 * an address held there by an active customer is refused, and releasing an email releases both.
 */
@Injectable()
export class EmailClaims {
  private secret: Promise<Buffer> | undefined;
  /** Bound by stream name: a claim stream's name is derived from the email (streamOf). */
  private readonly claims: BoundTo<typeof emailClaimDecider>;

  constructor(
    private readonly processor: CommandProcessor,
    @Inject(KEY_STORE) private readonly keys: KeyStore,
  ) {
    this.claims = processor.stream(emailClaimDecider, (streamName) => streamName);
  }

  private async streamOf(email: string): Promise<string> {
    this.secret ??= this.keys.getOrCreate(EMAIL_CLAIM_SECRET_ID);
    try {
      return emailClaimStream(await this.secret, email);
    } catch (error) {
      this.secret = undefined;
      throw error;
    }
  }

  /** Claims the email for the customer; true when this call took it (so a failure after it must release it). */
  async claim(email: string, customerId: string, context: CommandContext): Promise<boolean> {
    await this.refuseLegacyClaim(email, customerId);
    const stream = await this.streamOf(email);
    for (let attempt = 1; ; attempt++) {
      const { state, revision } = await this.claims.load(stream);
      let holderStatus: HolderStatus = 'inactive';
      if (state.holder !== null && state.holder !== customerId) holderStatus = await this.statusOf(state.holder);
      try {
        // The holder was judged on the claim as loaded: append only onto that
        // revision, so a claim taken meanwhile by a concurrent registration is judged again.
        const outcome = await this.claims.handle(
          stream,
          { type: 'ClaimEmail', data: { customerId, holderStatus } },
          { ...context, expectedRevision: revision },
        );
        return outcome.events.length > 0 && !outcome.replayed;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= 5) throw error;
      }
    }
  }

  /** Gives the email back, in both the keyed and the legacy claim stream (each a no-op unless the customer holds it). */
  async release(email: string, customerId: string, context: CommandContext): Promise<void> {
    for (const [streamName, suffix] of [
      [await this.streamOf(email), 'release'],
      [legacyEmailClaimStream(email), 'release-legacy'],
    ] as const) {
      // A compensation is not the client's request: it must not reuse its idempotency ids or If-Match.
      await this.claims.handle(
        streamName,
        { type: 'ReleaseEmail', data: { customerId } },
        {
          ...context,
          idempotencyKey: context.idempotencyKey ? `${context.idempotencyKey}:${suffix}` : undefined,
          expectedRevision: undefined,
        },
      );
    }
  }

  /** Runs the customer change; if it fails after this call claimed the email, gives the email back. */
  async withClaim<T>(email: string | null | undefined, customerId: string, context: CommandContext, change: () => Promise<T>): Promise<T> {
    const claimed = email ? await this.claim(email, customerId, context) : false;
    try {
      return await change();
    } catch (error) {
      if (claimed && email) await this.release(email, customerId, context);
      throw error;
    }
  }

  private async statusOf(customerId: string): Promise<HolderStatus> {
    const holder = (await this.processor.load(customerDecider, customerStream(customerId))).state;
    return holder.status === 'unknown' ? 'missing' : isActive(holder) ? 'active' : 'inactive';
  }

  /** An address an active customer claimed before claims were keyed is still theirs. */
  private async refuseLegacyClaim(email: string, customerId: string): Promise<void> {
    const { state } = await this.claims.load(legacyEmailClaimStream(email));
    if (state.holder === null || state.holder === customerId) return;
    if ((await this.statusOf(state.holder)) === 'active') {
      throw new BusinessRuleViolation('EMAIL_ALREADY_IN_USE', 'Another active customer has this email');
    }
  }
}
