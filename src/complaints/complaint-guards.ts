/**
 * The checks the complaint's command groups share (complaint-*.decider.ts): each throws the typed
 * domain error a refused command answers with, and narrows the state for the code after it.
 */
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import type { ComplaintEvent, FirstResponseVia } from './complaint.events';
import type { ComplaintState, Grading } from './complaint-state';
import { isWithinDeadline, type SlaDeadlines } from './sla-policy';

export type Registered = ComplaintState & { complaintId: string; receivedAt: string };
export type Graded = Registered & { grading: Grading; deadlines: SlaDeadlines };

export function mustExist(state: ComplaintState): asserts state is Registered {
  if (state.complaintId === null || state.receivedAt === null) {
    throw new NotFoundError('COMPLAINT_NOT_FOUND', 'No complaint with this id');
  }
}

export function mustBeOpen(state: ComplaintState): asserts state is Registered {
  mustExist(state);
  if (state.closure) {
    throw new BusinessRuleViolation('COMPLAINT_ALREADY_CLOSED', 'The complaint is closed; reopen it first', {
      closedAt: state.closure.closedAt,
    });
  }
}

export function mustBeGraded(state: ComplaintState): asserts state is Graded {
  mustBeOpen(state);
  if (state.grading === null || state.deadlines === null) {
    throw new BusinessRuleViolation('COMPLAINT_NOT_GRADED', 'The complaint must be graded first');
  }
}

export function mustNotBeResolved(state: ComplaintState): void {
  if (state.resolution) throw new BusinessRuleViolation('COMPLAINT_ALREADY_RESOLVED', 'The complaint is already resolved');
}

export function mustNotBeInFuture(at: string, now: string, what: string): void {
  if (Date.parse(at) > Date.parse(now)) throw new BusinessRuleViolation('OCCURRED_IN_FUTURE', `${what} cannot be in the future`);
}

export const blank = (text: string | null | undefined): boolean => text === undefined || text === null || text.trim() === '';

/** The first substantive response, if this is it. */
export function firstResponse(state: Graded, via: FirstResponseVia, respondedAt: string): ComplaintEvent[] {
  if (state.firstResponseAt !== null) return [];
  const dueAt = state.deadlines.firstResponseDueAt;
  return [
    {
      type: 'FirstResponseRecorded',
      data: { complaintId: state.complaintId, via, dueAt, withinSla: isWithinDeadline(respondedAt, dueAt), respondedAt },
    },
  ];
}
