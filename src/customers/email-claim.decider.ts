import { createHash, createHmac } from 'node:crypto';
import type { Decider, DomainEvent } from '../shared/decider/decider';
import { BusinessRuleViolation } from '../shared/errors/domain-errors';

/**
 * Email uniqueness among active customers.
 *
 * Why a claim stream: the event store has no unique index and no multi-stream transaction, and a
 * check against the read model would race (it lags behind the log). So each normalised email has
 * its own tiny stream; claiming it is an append with the expected revision, which the store
 * serialises: of two concurrent registrations with one email, exactly one wins.
 *
 * The claim is taken before the customer stream is written. If the process dies in between,
 * the claim names a customer that does not exist; the handler tells the decider what became of
 * the holder, so such a stale claim (or one left by a deactivated customer) is taken over instead
 * of blocking the email for ever. A claim whose customer does not exist YET is a registration in
 * flight: it is only taken over once it is older than STALE_CLAIM_MS.
 *
 * The stream name holds a keyed hash (HMAC-SHA-256) of the email, not the email: stream names are
 * not encrypted, and a plain hash would let anyone who reads them (auditors see every stream) test
 * an address, also after its customer is forgotten. The key is a secret only the application holds
 * (email-claims.ts keeps it in the key store).
 */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** The claim stream of an email: `customer-email-<HMAC-SHA-256(secret, normalised email)>`. */
export const emailClaimStream = (secret: Buffer, email: string): string =>
  `customer-email-${createHmac('sha256', secret).update(normaliseEmail(email)).digest('hex')}`;

/**
 * The name claims had before the keyed hash: a plain SHA-256 of the email. Claims taken then live
 * in these streams; they are still honoured (and released), never taken anew.
 */
export const legacyEmailClaimStream = (email: string): string =>
  `customer-email-${createHash('sha256').update(normaliseEmail(email)).digest('hex')}`;

export type EmailClaimed = DomainEvent<'EmailClaimed', { customerId: string; claimedAt: string }>;
export type EmailReleased = DomainEvent<'EmailReleased', { customerId: string; releasedAt: string }>;
export type EmailClaimEvent = EmailClaimed | EmailReleased;

/** A registration writes its customer stream milliseconds after the claim; a minute is ample. */
export const STALE_CLAIM_MS = 60_000;

/** What the handler found of the current holder's customer stream. */
export type HolderStatus = 'active' | 'inactive' | 'missing';

export type EmailClaimCommand =
  | { type: 'ClaimEmail'; data: { customerId: string; holderStatus: HolderStatus }; now: string }
  | { type: 'ReleaseEmail'; data: { customerId: string }; now: string };

export interface EmailClaimState {
  holder: string | null;
  claimedAt: string | null;
}

type ClaimEmail = Extract<EmailClaimCommand, { type: 'ClaimEmail' }>;
type ReleaseEmail = Extract<EmailClaimCommand, { type: 'ReleaseEmail' }>;

function claim(command: ClaimEmail, state: EmailClaimState): EmailClaimEvent[] {
  const { customerId } = command.data;
  if (state.holder === customerId) return [];
  if (state.holder !== null) {
    const { holderStatus } = command.data;
    const inFlight = holderStatus === 'missing' && Date.parse(command.now) - Date.parse(state.claimedAt ?? command.now) < STALE_CLAIM_MS;
    if (holderStatus === 'active' || inFlight) {
      throw new BusinessRuleViolation('EMAIL_ALREADY_IN_USE', 'Another active customer has this email');
    }
  }
  return [{ type: 'EmailClaimed', data: { customerId, claimedAt: command.now } }];
}

function release(command: ReleaseEmail, state: EmailClaimState): EmailClaimEvent[] {
  const { customerId } = command.data;
  if (state.holder !== customerId) return [];
  return [{ type: 'EmailReleased', data: { customerId, releasedAt: command.now } }];
}

export const emailClaimDecider: Decider<EmailClaimState, EmailClaimCommand, EmailClaimEvent> = {
  initialState: () => ({ holder: null, claimedAt: null }),
  decide(command, state) {
    switch (command.type) {
      case 'ClaimEmail':
        return claim(command, state);
      case 'ReleaseEmail':
        return release(command, state);
      default: {
        const exhaustive: never = command;
        return exhaustive;
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'EmailClaimed':
        return { holder: event.data.customerId, claimedAt: event.data.claimedAt };
      case 'EmailReleased':
        return { holder: null, claimedAt: null };
      default: {
        const exhaustive: never = event;
        return exhaustive;
      }
    }
  },
};
