import type { CommandContext } from '../shared/decider/command-context';
import type { BoundTo, CommandProcessor } from '../shared/decider/command-processor';
import { WrongExpectedRevisionError } from '../shared/event-store/event-store.port';
import { departmentDecider, departmentStream } from './department.decider';
import {
  departmentNameClaimDecider,
  departmentNameStream,
  type NameHolderStatus,
  normaliseDepartmentName,
} from './department-name-claim.decider';

/** Claims and releases department names (see department-name-claim.decider.ts for why it works this way). */
export class DepartmentNameClaims {
  /** Bound by name: the claim stream's name is derived from it. */
  private readonly claims: BoundTo<typeof departmentNameClaimDecider>;

  constructor(private readonly processor: CommandProcessor) {
    this.claims = processor.stream(departmentNameClaimDecider, departmentNameStream);
  }

  /** Claims the name for the department; true when this call took it (so a failure after it must release it). */
  async claim(name: string, departmentId: string, context: CommandContext): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const { state, revision } = await this.claims.load(name);
      let holderStatus: NameHolderStatus = 'renamed';
      if (state.holder !== null && state.holder !== departmentId) {
        const holder = (await this.processor.load(departmentDecider, departmentStream(state.holder))).state;
        if (!holder.exists) holderStatus = 'missing';
        else if (holder.name !== null && normaliseDepartmentName(holder.name) === normaliseDepartmentName(name)) holderStatus = 'holds';
      }
      try {
        // Append only onto the claim as judged: a claim taken meanwhile is judged again.
        const outcome = await this.claims.handle(
          name,
          { type: 'ClaimDepartmentName', data: { departmentId, name, holderStatus } },
          { ...context, expectedRevision: revision },
        );
        return outcome.events.length > 0 && !outcome.replayed;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= 5) throw error;
      }
    }
  }

  async release(name: string, departmentId: string, context: CommandContext): Promise<void> {
    // A compensation is not the client's request: it must not reuse its idempotency ids or If-Match.
    await this.claims.handle(
      name,
      { type: 'ReleaseDepartmentName', data: { departmentId } },
      {
        ...context,
        idempotencyKey: context.idempotencyKey ? `${context.idempotencyKey}:release-name` : undefined,
        expectedRevision: undefined,
      },
    );
  }

  /** Runs the department change holding the name; if it fails after this call claimed the name, gives it back. */
  async withClaim<T>(name: string | null, departmentId: string, context: CommandContext, change: () => Promise<T>): Promise<T> {
    const claimed = name === null ? false : await this.claim(name, departmentId, context);
    try {
      return await change();
    } catch (error) {
      if (claimed && name !== null) await this.release(name, departmentId, context);
      throw error;
    }
  }
}
