import { createHash } from 'node:crypto';
import type { Decider, DomainEvent } from '../shared/decider/decider';
import { BusinessRuleViolation } from '../shared/errors/domain-errors';

/**
 * Department names are unique, ignoring case and spaces ("Billing", "billing" and "Bil ling " are
 * one name). Same reasoning as the email claims of customers (email-claim.decider.ts): the event
 * store has no unique index, and a check against the read model would race, so each normalised
 * name has its own small stream and claiming it is an append the store serialises.
 *
 * The claim is taken before the department stream is written and released after a rename. A
 * claim left behind (the process died in between, or a release failed) is judged by what the
 * holder's stream says: a holder that no longer carries the name, or a department that never came
 * to exist (after STALE_CLAIM_MS), does not block it.
 */
export const normaliseDepartmentName = (name: string): string => name.normalize('NFKC').replace(/\s+/g, '').toLowerCase();

export const departmentNameStream = (name: string): string =>
  `department-name-${createHash('sha256').update(normaliseDepartmentName(name)).digest('hex')}`;

export type DepartmentNameClaimed = DomainEvent<'DepartmentNameClaimed', { departmentId: string; claimedAt: string }>;
export type DepartmentNameReleased = DomainEvent<'DepartmentNameReleased', { departmentId: string; releasedAt: string }>;
export type DepartmentNameClaimEvent = DepartmentNameClaimed | DepartmentNameReleased;
export const DEPARTMENT_NAME_CLAIM_EVENT_TYPES: readonly DepartmentNameClaimEvent['type'][] = [
  'DepartmentNameClaimed',
  'DepartmentNameReleased',
];

/** A department is created milliseconds after its name is claimed; a minute is ample. */
export const STALE_NAME_CLAIM_MS = 60_000;

/** What the handler found of the current holder: it still carries the name, it was renamed, or it does not exist. */
export type NameHolderStatus = 'holds' | 'renamed' | 'missing';

export type DepartmentNameClaimCommand =
  | { type: 'ClaimDepartmentName'; data: { departmentId: string; name: string; holderStatus: NameHolderStatus }; now: string }
  | { type: 'ReleaseDepartmentName'; data: { departmentId: string }; now: string };

export interface DepartmentNameClaimState {
  holder: string | null;
  claimedAt: string | null;
}

type ClaimDepartmentName = Extract<DepartmentNameClaimCommand, { type: 'ClaimDepartmentName' }>;
type ReleaseDepartmentName = Extract<DepartmentNameClaimCommand, { type: 'ReleaseDepartmentName' }>;

function claim(command: ClaimDepartmentName, state: DepartmentNameClaimState): DepartmentNameClaimEvent[] {
  const { departmentId } = command.data;
  if (state.holder === departmentId) return [];
  if (state.holder !== null) {
    const { holderStatus, name } = command.data;
    const inFlight =
      holderStatus === 'missing' && Date.parse(command.now) - Date.parse(state.claimedAt ?? command.now) < STALE_NAME_CLAIM_MS;
    if (holderStatus === 'holds' || inFlight) {
      throw new BusinessRuleViolation('DEPARTMENT_NAME_TAKEN', 'Another department has this name (names ignore case and spaces)', {
        name,
        departmentId: state.holder,
      });
    }
  }
  return [{ type: 'DepartmentNameClaimed', data: { departmentId, claimedAt: command.now } }];
}

function release(command: ReleaseDepartmentName, state: DepartmentNameClaimState): DepartmentNameClaimEvent[] {
  const { departmentId } = command.data;
  if (state.holder !== departmentId) return [];
  return [{ type: 'DepartmentNameReleased', data: { departmentId, releasedAt: command.now } }];
}

export const departmentNameClaimDecider: Decider<DepartmentNameClaimState, DepartmentNameClaimCommand, DepartmentNameClaimEvent> = {
  initialState: () => ({ holder: null, claimedAt: null }),
  decide(command, state) {
    switch (command.type) {
      case 'ClaimDepartmentName':
        return claim(command, state);
      case 'ReleaseDepartmentName':
        return release(command, state);
      default: {
        const exhaustive: never = command;
        return exhaustive;
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'DepartmentNameClaimed':
        return { holder: event.data.departmentId, claimedAt: event.data.claimedAt };
      case 'DepartmentNameReleased':
        return { holder: null, claimedAt: null };
      default: {
        const exhaustive: never = event;
        return exhaustive;
      }
    }
  },
};
