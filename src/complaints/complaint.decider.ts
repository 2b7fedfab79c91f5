/**
 * Complaint handling after ISO 10002: receive, acknowledge, assess, grade, investigate, resolve,
 * communicate the decision, hear the customer, close (and reopen).
 *
 * State machine (status as read models show it):
 *
 * | status        | entered by                                              | leaves by                                                      |
 * |---------------|---------------------------------------------------------|----------------------------------------------------------------|
 * | registered    | RegisterComplaint                                       | AcknowledgeComplaint -> acknowledged                           |
 * | acknowledged  | AcknowledgeComplaint (automatic for digital channels);  | AssessValidity: valid -> assessed, invalid -> closed           |
 * |               | reopening a complaint closed as invalid                 |                                                                |
 * | assessed      | AssessValidity (valid)                                  | GradeComplaint -> graded                                       |
 * | graded        | GradeComplaint                                          | note / root cause / action -> investigating; Hold -> on-hold   |
 * | investigating | first investigation step; reopening a graded complaint  | Hold -> on-hold; ResolveComplaint (root cause) -> resolved     |
 * | on-hold       | HoldComplaint (waiting on the customer; clock stopped)  | ResumeComplaint -> graded / investigating                      |
 * | resolved      | ResolveComplaint (clock stopped)                        | RejectResolution / ReopenComplaint -> investigating;           |
 * |               |                                                         | CloseComplaint (resolved, no-response) -> closed               |
 * | closed        | CloseComplaint; AssessValidity (invalid)                | ReopenComplaint within the window -> the status before closing |
 *
 * Any open complaint can be closed as withdrawn or duplicate. A closed complaint refuses every
 * command but ReopenComplaint, except a late satisfaction survey answer (see RecordSatisfaction).
 *
 * SLA decisions:
 * - Deadlines are always computeDeadlines(pinned policy, severity, clock start, time stopped):
 *   one formula for grading, regrading, resuming and reopening, so they can never drift apart.
 * - Regrading is allowed until resolution. It keeps the policy pinned at the first grading (a
 *   policy published since does not rewrite promises already made) and the clock start, and
 *   recomputes the deadlines with the new severity.
 * - The clock stops while on hold, while resolved (the customer holds the ball) and while closed;
 *   that time is added to the deadlines when the work resumes. So a reopened complaint keeps its
 *   policy, severity and clock start (deadlines stay pinned: reopening does not grant a fresh SLA),
 *   and only the stopped time moves them.
 * - SLA warnings concern the resolution deadline; breaches concern either deadline. Each is
 *   recorded at most once per deadline kind: once breached, a deadline stays breached even if a
 *   hold or a regrade later moves its due time (one breach, one automatic escalation).
 *   Scheduler ticks that are stale (due time moved, too early, complaint on hold, resolved or
 *   closed, already recorded) decide nothing instead of failing: schedulers retry.
 * - First response: the first progress update or decision communicated after grading; the
 *   acknowledgement only confirms receipt.
 *
 * The rules live with their command group: complaint-intake.decider.ts (register to grade),
 * complaint-sla.decider.ts (hold, resume, SLA ticks, escalation), complaint-investigation.decider.ts
 * (notes, root cause, actions, progress updates), complaint-resolution.decider.ts (resolve to
 * close and reopen). The state and evolve are in complaint-state.ts, the commands in complaint.commands.ts.
 */
import type { Decider } from '../shared/decider/decider';
import type { ComplaintCommand } from './complaint.commands';
import type { ComplaintEvent } from './complaint.events';
import { acknowledge, assessValidity, assign, grade, register } from './complaint-intake.decider';
import { addInvestigationNote, completeAction, openAction, recordProgressUpdate, recordRootCause } from './complaint-investigation.decider';
import {
  acceptResolution,
  close,
  communicateDecision,
  recordSatisfaction,
  rejectResolution,
  reopen,
  resolve,
} from './complaint-resolution.decider';
import { escalate, hold, recordSlaBreach, recordSlaWarning, resume } from './complaint-sla.decider';
import { type ComplaintState, evolve, initialState } from './complaint-state';

export type {
  AcceptResolution,
  AcknowledgeComplaint,
  AddInvestigationNote,
  AssessValidity,
  AssignComplaint,
  CloseComplaint,
  CommunicateDecision,
  CompleteAction,
  ComplaintCommand,
  EscalateComplaint,
  GradeComplaint,
  HoldComplaint,
  OpenAction,
  RecordProgressUpdate,
  RecordRootCause,
  RecordSatisfaction,
  RecordSlaBreach,
  RecordSlaWarning,
  RegisterComplaint,
  RejectResolution,
  ReopenComplaint,
  ResolveComplaint,
  ResumeComplaint,
} from './complaint.commands';
export type { ComplaintState, Grading, HolderPeriod } from './complaint-state';
export { evolve } from './complaint-state';

export function decide(command: ComplaintCommand, state: ComplaintState): ComplaintEvent[] {
  switch (command.type) {
    case 'RegisterComplaint':
      return register(command, state);
    case 'AcknowledgeComplaint':
      return acknowledge(command, state);
    case 'AssignComplaint':
      return assign(command, state);
    case 'AssessValidity':
      return assessValidity(command, state);
    case 'GradeComplaint':
      return grade(command, state);
    case 'HoldComplaint':
      return hold(command, state);
    case 'ResumeComplaint':
      return resume(command, state);
    case 'RecordSlaWarning':
      return recordSlaWarning(command, state);
    case 'RecordSlaBreach':
      return recordSlaBreach(command, state);
    case 'EscalateComplaint':
      return escalate(command, state);
    case 'AddInvestigationNote':
      return addInvestigationNote(command, state);
    case 'RecordRootCause':
      return recordRootCause(command, state);
    case 'OpenAction':
      return openAction(command, state);
    case 'CompleteAction':
      return completeAction(command, state);
    case 'RecordProgressUpdate':
      return recordProgressUpdate(command, state);
    case 'ResolveComplaint':
      return resolve(command, state);
    case 'CommunicateDecision':
      return communicateDecision(command, state);
    case 'AcceptResolution':
      return acceptResolution(command, state);
    case 'RejectResolution':
      return rejectResolution(command, state);
    case 'RecordSatisfaction':
      return recordSatisfaction(command, state);
    case 'CloseComplaint':
      return close(command, state);
    case 'ReopenComplaint':
      return reopen(command, state);
    default: {
      const exhaustive: never = command;
      return exhaustive;
    }
  }
}

export const complaintDecider: Decider<ComplaintState, ComplaintCommand, ComplaintEvent> = {
  decide,
  evolve,
  initialState,
  // The registration keeps its occurredAt (when the problem happened); an acknowledgement happens when
  // it says, and so does a closure reported by the source.
  occurredAt: (event) =>
    event.type === 'ComplaintAcknowledged'
      ? event.data.acknowledgedAt
      : event.type === 'ComplaintClosed' && event.data.reason === 'closed-at-source'
        ? event.data.closedAt
        : undefined,
};
