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
 */
import type { Decider } from '../shared/decider/decider';
import type { SourceRef } from '../shared/source-ref';
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import type {
  ActionKind,
  CloseReason,
  ComplaintChannel,
  ComplaintEvent,
  ComplaintReopened,
  ComplaintSourceAttributes,
  ComplaintStatus,
  Difficulty,
  FirstResponseVia,
  ReopenTrigger,
  RootCauseCategory,
  SlaDeadlineKind,
} from './complaint.events';
import { ROOT_CAUSE_CATEGORIES } from './complaint.events';
import {
  computeDeadlines,
  policyForCustomer,
  DAY_MS,
  isWithinDeadline,
  pausedBetween,
  type Severity,
  type SlaDeadlines,
  type SlaPolicy,
  slaPolicyProblems,
} from './sla-policy';

// ---------------------------------------------------------------- commands
// Every command carries `now` (ISO 8601) from the injected clock: the decider never reads a clock.

export type RegisterComplaint = {
  type: 'RegisterComplaint';
  data: {
    complaintId: string;
    /** Computed by the handler (e.g. CMP-2026-000123). */
    number: string;
    customerId: string;
    channel: ComplaintChannel;
    category: string;
    subCategory?: string | null;
    product?: string | null;
    description: string;
    remedySought?: string | null;
    occurredAt: string;
    followUpOf?: string | null;
    /** Business time of receipt, for a complaint received before it is registered (an import); default now. */
    receivedAt?: string;
    /** Business time of the acknowledgement, when it was acknowledged before registration (an import). */
    acknowledgedAt?: string;
    source?: SourceRef | null;
    /** An imported complaint's values as its source gives them. */
    sourceAttributes?: ComplaintSourceAttributes | null;
    /**
     * Business time of the closure, for a complaint its source reports closed (an import): closed
     * as 'closed-at-source' in the same decision. Requires an acknowledgement time (a complaint is
     * not closed before the organisation had it) and comes no earlier than it.
     */
    closedAt?: string;
    /** Looked up by the handler: whether the customer exists. */
    customerExists: boolean;
    /** From configuration: whether this channel is acknowledged on receipt. */
    autoAcknowledge: boolean;
  };
  now: string;
};
export type AcknowledgeComplaint = { type: 'AcknowledgeComplaint'; now: string };
export type AssignComplaint = {
  type: 'AssignComplaint';
  data: { department: string; assignee: string | null; by: string };
  now: string;
};
export type AssessValidity = {
  type: 'AssessValidity';
  data: { valid: boolean; rationale: string; feedbackToCustomer?: string | null };
  now: string;
};
export type GradeComplaint = {
  type: 'GradeComplaint';
  /** `policy` is the one in force; a regrade ignores it and keeps the pinned one. */
  /** customerSegments: the customer's segment per scheme at grading time, for the policy's value tiers (absent: none). */
  data: { severity: Severity; difficulty: Difficulty; policy: SlaPolicy; customerSegments?: Readonly<Record<string, string | null>> };
  now: string;
};
export type HoldComplaint = { type: 'HoldComplaint'; data: { reason: string }; now: string };
export type ResumeComplaint = { type: 'ResumeComplaint'; now: string };
export type RecordSlaWarning = {
  type: 'RecordSlaWarning';
  /** The resolution due time the scheduler computed the warning for. */
  data: { dueAt: string };
  now: string;
};
export type RecordSlaBreach = {
  type: 'RecordSlaBreach';
  /** supervisorId: looked up by the handler, the supervisor of the department holding the complaint. */
  data: { deadline: SlaDeadlineKind; dueAt: string; supervisorId: string | null };
  now: string;
};
export type EscalateComplaint = {
  type: 'EscalateComplaint';
  data: { reason: string; by: string; notify: string | null };
  now: string;
};
export type AddInvestigationNote = { type: 'AddInvestigationNote'; data: { note: string; author: string }; now: string };
export type RecordRootCause = {
  type: 'RecordRootCause';
  data: { category: RootCauseCategory; text: string };
  now: string;
};
export type OpenAction = {
  type: 'OpenAction';
  data: { actionId: string; kind: ActionKind; description: string; department: string; dueAt: string };
  now: string;
};
export type CompleteAction = { type: 'CompleteAction'; data: { actionId: string; outcome: string }; now: string };
export type RecordProgressUpdate = {
  type: 'RecordProgressUpdate';
  data: { channel: ComplaintChannel; summary: string };
  now: string;
};
export type ResolveComplaint = { type: 'ResolveComplaint'; data: { solution: string }; now: string };
export type CommunicateDecision = {
  type: 'CommunicateDecision';
  data: { channel: ComplaintChannel; summary: string; communicatedAt: string };
  now: string;
};
export type AcceptResolution = { type: 'AcceptResolution'; now: string };
export type RejectResolution = { type: 'RejectResolution'; data: { reason: string }; now: string };
export type RecordSatisfaction = {
  type: 'RecordSatisfaction';
  data: { csat: number; nps?: number | null; reason?: string | null; comment?: string | null };
  now: string;
};
export type CloseComplaint = {
  type: 'CloseComplaint';
  data: {
    reason: CloseReason;
    duplicateOf?: string | null;
    /** Looked up by the handler when closing as duplicate: whether the other complaint exists. */
    duplicateOfExists?: boolean;
  };
  now: string;
};
export type ReopenComplaint = {
  type: 'ReopenComplaint';
  /** reopenWindowDays: from configuration (default 14). */
  data: { reason: string; reopenWindowDays: number };
  now: string;
};

export type ComplaintCommand =
  | RegisterComplaint
  | AcknowledgeComplaint
  | AssignComplaint
  | AssessValidity
  | GradeComplaint
  | HoldComplaint
  | ResumeComplaint
  | RecordSlaWarning
  | RecordSlaBreach
  | EscalateComplaint
  | AddInvestigationNote
  | RecordRootCause
  | OpenAction
  | CompleteAction
  | RecordProgressUpdate
  | ResolveComplaint
  | CommunicateDecision
  | AcceptResolution
  | RejectResolution
  | RecordSatisfaction
  | CloseComplaint
  | ReopenComplaint;

// ---------------------------------------------------------------- state

/** One period during which a department (and maybe a person) held the complaint; `to` is null for the current holder. */
export interface HolderPeriod {
  department: string;
  assignee: string | null;
  from: string;
  to: string | null;
}

export interface Grading {
  severity: Severity;
  difficulty: Difficulty;
  policy: SlaPolicy;
  clockStartedAt: string;
}

interface ActionState {
  kind: ActionKind;
  dueAt: string;
  completed: boolean;
}

export interface ComplaintState {
  status: ComplaintStatus | 'unknown';
  complaintId: string | null;
  customerId: string | null;
  receivedAt: string | null;
  acknowledgedAt: string | null;
  /** Every holder in order; the last one with `to: null` holds the complaint now. */
  holders: readonly HolderPeriod[];
  /** The standing assessment; an invalid one only survives a reopen, to be assessed again. */
  assessment: { valid: boolean } | null;
  grading: Grading | null;
  /** Total time the SLA clock was stopped, already counted in `deadlines`. */
  pausedMs: number;
  /** The current due times (moved by holds and reopens); null before grading. */
  deadlines: SlaDeadlines | null;
  /** When the clock stopped (hold, resolution or closure); null while it runs. */
  clockStoppedAt: string | null;
  hold: { reason: string; since: string } | null;
  investigating: boolean;
  rootCause: { category: RootCauseCategory; text: string } | null;
  actions: ReadonlyMap<string, ActionState>;
  firstResponseAt: string | null;
  /** The resolution due time the warning was raised for. */
  warningRaisedFor: string | null;
  breached: ReadonlySet<SlaDeadlineKind>;
  escalationLevel: number;
  resolution: { resolvedAt: string; withinSla: boolean } | null;
  decisionCommunicatedAt: string | null;
  resolutionAccepted: boolean;
  /** Reset by each resolution: one survey answer per resolution. */
  satisfactionRecorded: boolean;
  closure: { reason: CloseReason; closedAt: string } | null;
}

const initialState = (): ComplaintState => ({
  status: 'unknown',
  complaintId: null,
  customerId: null,
  receivedAt: null,
  acknowledgedAt: null,
  holders: [],
  assessment: null,
  grading: null,
  pausedMs: 0,
  deadlines: null,
  clockStoppedAt: null,
  hold: null,
  investigating: false,
  rootCause: null,
  actions: new Map(),
  firstResponseAt: null,
  warningRaisedFor: null,
  breached: new Set(),
  escalationLevel: 0,
  resolution: null,
  decisionCommunicatedAt: null,
  resolutionAccepted: false,
  satisfactionRecorded: false,
  closure: null,
});

/** The status follows from the facts, so no event has to remember to set it. */
function statusOf(state: ComplaintState): ComplaintStatus | 'unknown' {
  if (state.complaintId === null) return 'unknown';
  if (state.closure) return 'closed';
  if (state.hold) return 'on-hold';
  if (state.resolution) return 'resolved';
  if (state.grading) return state.investigating ? 'investigating' : 'graded';
  if (state.assessment?.valid) return 'assessed';
  if (state.acknowledgedAt) return 'acknowledged';
  return 'registered';
}

/** What a reopen clears: the complaint goes back to work. */
function reopened(state: ComplaintState): ComplaintState {
  return {
    ...state,
    closure: null,
    hold: null,
    resolution: null,
    decisionCommunicatedAt: null,
    resolutionAccepted: false,
    clockStoppedAt: null,
    investigating: state.grading !== null,
  };
}

// ---------------------------------------------------------------- decide

type Registered = ComplaintState & { complaintId: string; receivedAt: string };
type Graded = Registered & { grading: Grading; deadlines: SlaDeadlines };

function mustExist(state: ComplaintState): asserts state is Registered {
  if (state.complaintId === null || state.receivedAt === null) {
    throw new NotFoundError('COMPLAINT_NOT_FOUND', 'No complaint with this id');
  }
}

function mustBeOpen(state: ComplaintState): asserts state is Registered {
  mustExist(state);
  if (state.closure) {
    throw new BusinessRuleViolation('COMPLAINT_ALREADY_CLOSED', 'The complaint is closed; reopen it first', {
      closedAt: state.closure.closedAt,
    });
  }
}

function mustBeGraded(state: ComplaintState): asserts state is Graded {
  mustBeOpen(state);
  if (state.grading === null || state.deadlines === null) {
    throw new BusinessRuleViolation('COMPLAINT_NOT_GRADED', 'The complaint must be graded first');
  }
}

function mustNotBeResolved(state: ComplaintState): void {
  if (state.resolution) throw new BusinessRuleViolation('COMPLAINT_ALREADY_RESOLVED', 'The complaint is already resolved');
}

function mustNotBeInFuture(at: string, now: string, what: string): void {
  if (Date.parse(at) > Date.parse(now)) throw new BusinessRuleViolation('OCCURRED_IN_FUTURE', `${what} cannot be in the future`);
}

const blank = (text: string | null | undefined): boolean => text === undefined || text === null || text.trim() === '';

/** The first substantive response, if this is it. */
function firstResponse(state: Graded, via: FirstResponseVia, respondedAt: string): ComplaintEvent[] {
  if (state.firstResponseAt !== null) return [];
  const dueAt = state.deadlines.firstResponseDueAt;
  return [
    {
      type: 'FirstResponseRecorded',
      data: { complaintId: state.complaintId, via, dueAt, withinSla: isWithinDeadline(respondedAt, dueAt), respondedAt },
    },
  ];
}

function reopenEvent(state: Registered, trigger: ReopenTrigger, reason: string, now: string): ComplaintReopened {
  const clockPausedMs = state.clockStoppedAt === null ? 0 : pausedBetween(state.clockStoppedAt, now);
  const deadlines = state.grading
    ? computeDeadlines(state.grading.policy, state.grading.severity, state.grading.clockStartedAt, state.pausedMs + clockPausedMs)
    : null;
  return {
    type: 'ComplaintReopened',
    data: {
      complaintId: state.complaintId,
      trigger,
      reason,
      status: statusOf(reopened(state)) as ComplaintStatus,
      clockPausedMs,
      firstResponseDueAt: deadlines?.firstResponseDueAt ?? null,
      resolutionDueAt: deadlines?.resolutionDueAt ?? null,
      warningAt: deadlines?.warningAt ?? null,
      reopenedAt: now,
    },
  };
}

/**
 * Whether a scheduler tick still applies. Not an error when it does not: a tick computed from
 * a lagging read model, or retried after success, must simply do nothing.
 */
function slaTickApplies(state: Registered, kind: SlaDeadlineKind, dueAt: string): state is Graded {
  if (state.closure || state.resolution || state.hold || state.grading === null || state.deadlines === null) return false;
  const current = kind === 'resolution' ? state.deadlines.resolutionDueAt : state.deadlines.firstResponseDueAt;
  if (Date.parse(current) !== Date.parse(dueAt)) return false;
  return !(kind === 'first-response' && state.firstResponseAt !== null);
}

function decideClose(command: CloseComplaint, state: Registered): ComplaintEvent[] {
  const { reason } = command.data;
  let duplicateOf: string | null = null;
  switch (reason) {
    case 'resolved': {
      if (!state.resolution)
        throw new BusinessRuleViolation('COMPLAINT_NOT_RESOLVED', 'Only a resolved complaint can be closed as resolved');
      if (state.decisionCommunicatedAt === null) {
        throw new BusinessRuleViolation('COMPLAINT_DECISION_NOT_COMMUNICATED', 'Tell the customer the decision before closing');
      }
      // A closed complaint takes no more steps, so an action left open now could never be completed.
      const open = [...state.actions].filter(([, action]) => !action.completed).map(([actionId]) => actionId);
      if (open.length > 0) {
        throw new BusinessRuleViolation('OPEN_ACTIONS_REMAIN', 'Complete every action before closing as resolved', { actionIds: open });
      }
      break;
    }
    case 'invalid':
      throw new BusinessRuleViolation(
        'CLOSE_REASON_REQUIRES_ASSESSMENT',
        'A complaint is closed as invalid by assessing it invalid, with feedback to the customer',
      );
    case 'no-response':
      if (!state.hold && state.decisionCommunicatedAt === null) {
        throw new BusinessRuleViolation(
          'COMPLAINT_NOT_AWAITING_CUSTOMER',
          'Close for no response only while waiting on the customer (on hold, or after the decision was communicated)',
        );
      }
      break;
    case 'duplicate': {
      duplicateOf = command.data.duplicateOf ?? null;
      if (blank(duplicateOf)) throw new BusinessRuleViolation('DUPLICATE_OF_REQUIRED', 'Name the complaint this one duplicates');
      if (duplicateOf === state.complaintId) throw new BusinessRuleViolation('DUPLICATE_OF_SELF', 'A complaint cannot duplicate itself');
      if (!command.data.duplicateOfExists) {
        throw new BusinessRuleViolation('DUPLICATE_COMPLAINT_NOT_FOUND', 'The complaint this one duplicates does not exist', {
          duplicateOf,
        });
      }
      break;
    }
    case 'withdrawn':
      break;
    case 'closed-at-source':
      throw new BusinessRuleViolation(
        'CLOSE_REASON_REQUIRES_SOURCE',
        'Only a registration imported from a source that reports the complaint closed closes it at source',
      );
  }
  return [
    {
      type: 'ComplaintClosed',
      data: { complaintId: state.complaintId, reason, feedbackToCustomer: null, duplicateOf, closedAt: command.now },
    },
  ];
}

export function decide(command: ComplaintCommand, state: ComplaintState): ComplaintEvent[] {
  const { now } = command;
  switch (command.type) {
    case 'RegisterComplaint': {
      if (state.complaintId !== null) {
        throw new BusinessRuleViolation('COMPLAINT_ALREADY_EXISTS', 'A complaint with this id is already registered');
      }
      const { customerExists, autoAcknowledge, ...data } = command.data;
      if (!customerExists) {
        throw new BusinessRuleViolation('CUSTOMER_NOT_FOUND', 'The complaining customer does not exist', { customerId: data.customerId });
      }
      mustNotBeInFuture(data.occurredAt, now, 'The complaint occurrence');
      const receivedAt = data.receivedAt ?? now;
      mustNotBeInFuture(receivedAt, now, 'The receipt of the complaint');
      if (Date.parse(receivedAt) < Date.parse(data.occurredAt)) {
        throw new BusinessRuleViolation('RECEIVED_BEFORE_OCCURRENCE', 'A complaint cannot be received before the problem occurred', {
          occurredAt: data.occurredAt,
          receivedAt,
        });
      }
      if (data.acknowledgedAt !== undefined) {
        mustNotBeInFuture(data.acknowledgedAt, now, 'The acknowledgement');
        if (Date.parse(data.acknowledgedAt) < Date.parse(receivedAt)) {
          throw new BusinessRuleViolation('ACKNOWLEDGED_BEFORE_RECEIPT', 'A complaint cannot be acknowledged before it was received', {
            receivedAt,
            acknowledgedAt: data.acknowledgedAt,
          });
        }
      }
      if (data.closedAt !== undefined) {
        mustNotBeInFuture(data.closedAt, now, 'The closure');
        if (data.acknowledgedAt === undefined) {
          throw new BusinessRuleViolation(
            'CLOSED_BEFORE_ACKNOWLEDGEMENT',
            'A complaint registered closed needs the time it was acknowledged',
          );
        }
        if (Date.parse(data.closedAt) < Date.parse(data.acknowledgedAt)) {
          throw new BusinessRuleViolation('CLOSED_BEFORE_ACKNOWLEDGEMENT', 'A complaint cannot be closed before it was acknowledged', {
            acknowledgedAt: data.acknowledgedAt,
            closedAt: data.closedAt,
          });
        }
      }
      const followUpOf = data.followUpOf ?? null;
      if (followUpOf === data.complaintId) throw new BusinessRuleViolation('FOLLOW_UP_OF_SELF', 'A complaint cannot follow up itself');
      const events: ComplaintEvent[] = [
        {
          type: 'ComplaintRegistered',
          data: {
            complaintId: data.complaintId,
            number: data.number,
            customerId: data.customerId,
            channel: data.channel,
            category: data.category,
            subCategory: data.subCategory ?? null,
            product: data.product ?? null,
            description: data.description,
            remedySought: data.remedySought ?? null,
            occurredAt: data.occurredAt,
            receivedAt,
            followUpOf,
            source: data.source ?? null,
            ...(data.sourceAttributes ? { sourceAttributes: data.sourceAttributes } : {}),
          },
        },
      ];
      if (data.acknowledgedAt !== undefined) {
        events.push({
          type: 'ComplaintAcknowledged',
          data: { complaintId: data.complaintId, automatic: false, acknowledgedAt: data.acknowledgedAt },
        });
      } else if (autoAcknowledge) {
        events.push({
          type: 'ComplaintAcknowledged',
          data: { complaintId: data.complaintId, automatic: true, acknowledgedAt: receivedAt },
        });
      }
      if (data.closedAt !== undefined) {
        events.push({
          type: 'ComplaintClosed',
          data: {
            complaintId: data.complaintId,
            reason: 'closed-at-source',
            feedbackToCustomer: null,
            duplicateOf: null,
            closedAt: data.closedAt,
          },
        });
      }
      return events;
    }
    case 'AcknowledgeComplaint': {
      mustBeOpen(state);
      if (state.acknowledgedAt !== null) {
        throw new BusinessRuleViolation('COMPLAINT_ALREADY_ACKNOWLEDGED', 'The complaint was already acknowledged', {
          acknowledgedAt: state.acknowledgedAt,
        });
      }
      return [{ type: 'ComplaintAcknowledged', data: { complaintId: state.complaintId, automatic: false, acknowledgedAt: now } }];
    }
    case 'AssignComplaint': {
      mustBeOpen(state);
      const { department, assignee, by } = command.data;
      const current = state.holders.at(-1);
      if (current && current.department === department && current.assignee === assignee) return [];
      return [
        {
          type: 'ComplaintAssigned',
          data: {
            complaintId: state.complaintId,
            department,
            assignee,
            previousDepartment: current?.department ?? null,
            previousAssignee: current?.assignee ?? null,
            by,
            assignedAt: now,
          },
        },
      ];
    }
    case 'AssessValidity': {
      mustBeOpen(state);
      if (state.acknowledgedAt === null) {
        throw new BusinessRuleViolation('COMPLAINT_NOT_ACKNOWLEDGED', 'Acknowledge the complaint before assessing it');
      }
      // A valid assessment is final; an invalid one stands only after a reopen, to be assessed again.
      if (state.assessment?.valid) throw new BusinessRuleViolation('COMPLAINT_ALREADY_ASSESSED', 'The complaint was already assessed');
      const { valid, rationale } = command.data;
      const feedbackToCustomer = command.data.feedbackToCustomer ?? null;
      if (!valid && blank(feedbackToCustomer)) {
        throw new BusinessRuleViolation('FEEDBACK_TO_CUSTOMER_REQUIRED', 'Tell the customer why the complaint is not valid');
      }
      const events: ComplaintEvent[] = [
        { type: 'ComplaintAssessed', data: { complaintId: state.complaintId, valid, rationale, feedbackToCustomer, assessedAt: now } },
      ];
      if (!valid) {
        events.push({
          type: 'ComplaintClosed',
          data: { complaintId: state.complaintId, reason: 'invalid', feedbackToCustomer, duplicateOf: null, closedAt: now },
        });
      }
      return events;
    }
    case 'GradeComplaint': {
      mustBeOpen(state);
      if (state.assessment === null) throw new BusinessRuleViolation('COMPLAINT_NOT_ASSESSED', 'Assess the complaint before grading it');
      if (!state.assessment.valid) {
        throw new BusinessRuleViolation('COMPLAINT_INVALID', 'The complaint was assessed invalid; assess it again first');
      }
      mustNotBeResolved(state);
      const { severity, difficulty } = command.data;
      let grading: Grading;
      let pausedMs: number;
      if (state.grading) {
        if (state.grading.severity === severity && state.grading.difficulty === difficulty) return [];
        // Regrade: same pinned policy and clock start, new severity.
        grading = { ...state.grading, severity, difficulty };
        pausedMs = state.pausedMs;
      } else {
        const { policy } = command.data;
        const problems = slaPolicyProblems(policy);
        if (problems.length > 0) {
          throw new BusinessRuleViolation('SLA_POLICY_INVALID', 'The SLA policy in force is not usable', { policyId: policy.id, problems });
        }
        const fromReceipt = policy.clockStartsAt === 'receipt';
        // Pinned as it applies to this customer: a later change of segment or policy does not move it.
        grading = {
          severity,
          difficulty,
          policy: policyForCustomer(policy, command.data.customerSegments ?? {}),
          clockStartedAt: fromReceipt ? state.receivedAt : now,
        };
        // Stopped time before a clock that starts at grading is irrelevant.
        pausedMs = fromReceipt ? state.pausedMs : 0;
      }
      const deadlines = computeDeadlines(grading.policy, severity, grading.clockStartedAt, pausedMs);
      return [
        {
          type: 'ComplaintGraded',
          data: {
            complaintId: state.complaintId,
            severity,
            difficulty,
            previousSeverity: state.grading?.severity ?? null,
            previousDifficulty: state.grading?.difficulty ?? null,
            policy: grading.policy,
            clockStartedAt: grading.clockStartedAt,
            pausedMs,
            ...deadlines,
            gradedAt: now,
          },
        },
      ];
    }
    case 'HoldComplaint': {
      mustBeGraded(state);
      mustNotBeResolved(state);
      if (state.hold) {
        throw new BusinessRuleViolation('COMPLAINT_ALREADY_ON_HOLD', 'The complaint is already on hold', { since: state.hold.since });
      }
      return [{ type: 'ComplaintPutOnHold', data: { complaintId: state.complaintId, reason: command.data.reason, heldAt: now } }];
    }
    case 'ResumeComplaint': {
      mustBeOpen(state);
      if (!state.hold || state.grading === null) throw new BusinessRuleViolation('COMPLAINT_NOT_ON_HOLD', 'The complaint is not on hold');
      const pausedMs = pausedBetween(state.hold.since, now);
      const { policy, severity, clockStartedAt } = state.grading;
      const deadlines = computeDeadlines(policy, severity, clockStartedAt, state.pausedMs + pausedMs);
      return [{ type: 'ComplaintResumed', data: { complaintId: state.complaintId, pausedMs, ...deadlines, resumedAt: now } }];
    }
    case 'RecordSlaWarning': {
      mustExist(state);
      const { dueAt } = command.data;
      if (!slaTickApplies(state, 'resolution', dueAt) || state.warningRaisedFor !== null) return [];
      if (state.breached.has('resolution')) return [];
      const { warningAt, resolutionDueAt } = state.deadlines;
      if (Date.parse(now) < Date.parse(warningAt)) return [];
      return [
        {
          type: 'SlaWarningRaised',
          data: { complaintId: state.complaintId, deadline: 'resolution', dueAt: resolutionDueAt, warningAt, raisedAt: now },
        },
      ];
    }
    case 'RecordSlaBreach': {
      mustExist(state);
      const { deadline, dueAt, supervisorId } = command.data;
      if (!slaTickApplies(state, deadline, dueAt) || state.breached.has(deadline)) return [];
      const currentDue = deadline === 'resolution' ? state.deadlines.resolutionDueAt : state.deadlines.firstResponseDueAt;
      if (Date.parse(now) <= Date.parse(currentDue)) return [];
      return [
        { type: 'SlaBreached', data: { complaintId: state.complaintId, deadline, dueAt: currentDue, breachedAt: now } },
        {
          type: 'EscalationRaised',
          data: {
            complaintId: state.complaintId,
            level: state.escalationLevel + 1,
            trigger: 'sla-breach',
            deadline,
            reason: null,
            notify: supervisorId,
            by: null,
            escalatedAt: now,
          },
        },
      ];
    }
    case 'EscalateComplaint': {
      mustBeOpen(state);
      const { reason, by, notify } = command.data;
      return [
        {
          type: 'EscalationRaised',
          data: {
            complaintId: state.complaintId,
            level: state.escalationLevel + 1,
            trigger: 'manual',
            deadline: null,
            reason,
            notify,
            by,
            escalatedAt: now,
          },
        },
      ];
    }
    case 'AddInvestigationNote': {
      mustBeGraded(state);
      const { note, author } = command.data;
      return [{ type: 'InvestigationNoteAdded', data: { complaintId: state.complaintId, note, author, addedAt: now } }];
    }
    case 'RecordRootCause': {
      mustBeGraded(state);
      const { category, text } = command.data;
      if (!ROOT_CAUSE_CATEGORIES.includes(category)) {
        throw new BusinessRuleViolation('ROOT_CAUSE_CATEGORY_UNKNOWN', 'Unknown root cause category', {
          category,
          allowed: ROOT_CAUSE_CATEGORIES,
        });
      }
      const previous = state.rootCause;
      if (previous && previous.category === category && previous.text === text) return [];
      return [
        {
          type: 'RootCauseRecorded',
          data: { complaintId: state.complaintId, category, text, previousCategory: previous?.category ?? null, recordedAt: now },
        },
      ];
    }
    case 'OpenAction': {
      mustBeGraded(state);
      const { actionId, kind, description, department, dueAt } = command.data;
      if (state.actions.has(actionId)) throw new BusinessRuleViolation('ACTION_ALREADY_EXISTS', 'An action with this id already exists');
      if (Date.parse(dueAt) <= Date.parse(now)) {
        throw new BusinessRuleViolation('ACTION_DUE_IN_PAST', 'An action must be due in the future', { dueAt });
      }
      return [
        { type: 'ActionOpened', data: { complaintId: state.complaintId, actionId, kind, description, department, dueAt, openedAt: now } },
      ];
    }
    case 'CompleteAction': {
      mustBeGraded(state);
      const { actionId, outcome } = command.data;
      const action = state.actions.get(actionId);
      if (!action) throw new NotFoundError('ACTION_NOT_FOUND', 'No action with this id on this complaint');
      if (action.completed) throw new BusinessRuleViolation('ACTION_ALREADY_COMPLETED', 'The action was already completed');
      return [
        {
          type: 'ActionCompleted',
          data: {
            complaintId: state.complaintId,
            actionId,
            kind: action.kind,
            outcome,
            dueAt: action.dueAt,
            onTime: isWithinDeadline(now, action.dueAt),
            completedAt: now,
          },
        },
      ];
    }
    case 'RecordProgressUpdate': {
      mustBeGraded(state);
      const { channel, summary } = command.data;
      return [
        { type: 'ProgressUpdateRecorded', data: { complaintId: state.complaintId, channel, summary, sentAt: now } },
        ...firstResponse(state, 'progress-update', now),
      ];
    }
    case 'ResolveComplaint': {
      mustBeGraded(state);
      mustNotBeResolved(state);
      if (state.hold) throw new BusinessRuleViolation('COMPLAINT_ON_HOLD', 'Resume the complaint before resolving it');
      // ISO 10002 asks to learn from every valid complaint: no resolution without a recorded cause.
      if (state.rootCause === null) throw new BusinessRuleViolation('ROOT_CAUSE_REQUIRED', 'Record the root cause before resolving');
      const resolutionDueAt = state.deadlines.resolutionDueAt;
      return [
        {
          type: 'ComplaintResolved',
          data: {
            complaintId: state.complaintId,
            solution: command.data.solution,
            resolutionDueAt,
            withinSla: isWithinDeadline(now, resolutionDueAt),
            resolvedAt: now,
          },
        },
      ];
    }
    case 'CommunicateDecision': {
      mustBeGraded(state);
      if (!state.resolution) throw new BusinessRuleViolation('COMPLAINT_NOT_RESOLVED', 'Resolve the complaint before communicating');
      if (state.decisionCommunicatedAt !== null) {
        throw new BusinessRuleViolation('DECISION_ALREADY_COMMUNICATED', 'The decision was already communicated', {
          communicatedAt: state.decisionCommunicatedAt,
        });
      }
      const { channel, summary, communicatedAt } = command.data;
      mustNotBeInFuture(communicatedAt, now, 'The communication');
      if (Date.parse(communicatedAt) < Date.parse(state.resolution.resolvedAt)) {
        throw new BusinessRuleViolation('DECISION_BEFORE_RESOLUTION', 'The decision cannot be communicated before the resolution', {
          resolvedAt: state.resolution.resolvedAt,
        });
      }
      return [
        { type: 'DecisionCommunicated', data: { complaintId: state.complaintId, channel, summary, communicatedAt } },
        ...firstResponse(state, 'decision', communicatedAt),
      ];
    }
    case 'AcceptResolution':
    case 'RejectResolution': {
      mustBeOpen(state);
      if (state.decisionCommunicatedAt === null) {
        throw new BusinessRuleViolation('COMPLAINT_DECISION_NOT_COMMUNICATED', 'The customer has not been told the decision yet');
      }
      if (state.resolutionAccepted) throw new BusinessRuleViolation('RESOLUTION_ALREADY_ACCEPTED', 'The customer already accepted');
      if (command.type === 'AcceptResolution') {
        return [{ type: 'ResolutionAccepted', data: { complaintId: state.complaintId, acceptedAt: now } }];
      }
      return [
        { type: 'ResolutionRejected', data: { complaintId: state.complaintId, reason: command.data.reason, rejectedAt: now } },
        reopenEvent(state, 'resolution-rejected', command.data.reason, now),
      ];
    }
    case 'RecordSatisfaction': {
      mustExist(state);
      // Surveys are often answered after closure; a late answer about the resolution still counts.
      if (state.closure && state.closure.reason !== 'resolved') {
        throw new BusinessRuleViolation('COMPLAINT_ALREADY_CLOSED', 'The complaint was closed without a resolution');
      }
      if (!state.resolution) throw new BusinessRuleViolation('COMPLAINT_NOT_RESOLVED', 'Satisfaction is asked about a resolution');
      if (state.satisfactionRecorded) {
        throw new BusinessRuleViolation('SATISFACTION_ALREADY_RECORDED', 'Satisfaction with this resolution was already recorded');
      }
      const { csat } = command.data;
      const nps = command.data.nps ?? null;
      const reason = command.data.reason ?? null;
      if (!Number.isInteger(csat) || csat < 1 || csat > 5) {
        throw new BusinessRuleViolation('CSAT_OUT_OF_RANGE', 'CSAT is a whole number from 1 to 5', { csat });
      }
      if (nps !== null && (!Number.isInteger(nps) || nps < 0 || nps > 10)) {
        throw new BusinessRuleViolation('NPS_OUT_OF_RANGE', 'NPS is a whole number from 0 to 10', { nps });
      }
      if (csat <= 2 && blank(reason)) {
        throw new BusinessRuleViolation('SATISFACTION_REASON_REQUIRED', 'Say why the customer is dissatisfied');
      }
      return [
        {
          type: 'SatisfactionRecorded',
          data: { complaintId: state.complaintId, csat, nps, reason, comment: command.data.comment ?? null, recordedAt: now },
        },
      ];
    }
    case 'CloseComplaint': {
      mustBeOpen(state);
      return decideClose(command, state);
    }
    case 'ReopenComplaint': {
      mustExist(state);
      if (!state.closure && !state.resolution) {
        throw new BusinessRuleViolation('COMPLAINT_STILL_OPEN', 'Only a resolved or closed complaint can be reopened');
      }
      if (state.closure) {
        const windowMs = command.data.reopenWindowDays * DAY_MS;
        if (Date.parse(now) - Date.parse(state.closure.closedAt) > windowMs) {
          throw new BusinessRuleViolation('REOPEN_WINDOW_EXPIRED', 'Too late to reopen; register a follow-up complaint', {
            closedAt: state.closure.closedAt,
            reopenWindowDays: command.data.reopenWindowDays,
          });
        }
      }
      return [reopenEvent(state, 'reopen-request', command.data.reason, now)];
    }
  }
}

// ---------------------------------------------------------------- evolve

function apply(state: ComplaintState, event: ComplaintEvent): ComplaintState {
  switch (event.type) {
    case 'ComplaintRegistered': {
      const { complaintId, customerId, receivedAt } = event.data;
      return { ...state, complaintId, customerId, receivedAt };
    }
    case 'ComplaintAcknowledged':
      return { ...state, acknowledgedAt: event.data.acknowledgedAt };
    case 'ComplaintAssigned': {
      const { department, assignee, assignedAt } = event.data;
      const closed = state.holders.map((period) => (period.to === null ? { ...period, to: assignedAt } : period));
      return { ...state, holders: [...closed, { department, assignee, from: assignedAt, to: null }] };
    }
    case 'ComplaintAssessed':
      return { ...state, assessment: { valid: event.data.valid } };
    case 'ComplaintGraded': {
      const { severity, difficulty, policy, clockStartedAt, pausedMs, firstResponseDueAt, resolutionDueAt, warningAt } = event.data;
      return {
        ...state,
        grading: { severity, difficulty, policy, clockStartedAt },
        pausedMs,
        deadlines: { firstResponseDueAt, resolutionDueAt, warningAt },
      };
    }
    case 'ComplaintPutOnHold':
      return { ...state, hold: { reason: event.data.reason, since: event.data.heldAt }, clockStoppedAt: event.data.heldAt };
    case 'ComplaintResumed': {
      const { pausedMs, firstResponseDueAt, resolutionDueAt, warningAt } = event.data;
      return {
        ...state,
        hold: null,
        clockStoppedAt: null,
        pausedMs: state.pausedMs + pausedMs,
        deadlines: { firstResponseDueAt, resolutionDueAt, warningAt },
      };
    }
    case 'SlaWarningRaised':
      return { ...state, warningRaisedFor: event.data.dueAt };
    case 'SlaBreached':
      return { ...state, breached: new Set(state.breached).add(event.data.deadline) };
    case 'EscalationRaised':
      return { ...state, escalationLevel: event.data.level };
    case 'InvestigationNoteAdded':
      return { ...state, investigating: true };
    case 'RootCauseRecorded':
      return { ...state, investigating: true, rootCause: { category: event.data.category, text: event.data.text } };
    case 'ActionOpened': {
      const { actionId, kind, dueAt } = event.data;
      return { ...state, investigating: true, actions: new Map(state.actions).set(actionId, { kind, dueAt, completed: false }) };
    }
    case 'ActionCompleted': {
      const action = state.actions.get(event.data.actionId)!;
      return { ...state, investigating: true, actions: new Map(state.actions).set(event.data.actionId, { ...action, completed: true }) };
    }
    case 'ProgressUpdateRecorded':
      return state;
    case 'FirstResponseRecorded':
      return { ...state, firstResponseAt: event.data.respondedAt };
    case 'ComplaintResolved': {
      const { resolvedAt, withinSla } = event.data;
      return { ...state, resolution: { resolvedAt, withinSla }, clockStoppedAt: resolvedAt, satisfactionRecorded: false };
    }
    case 'DecisionCommunicated':
      return { ...state, decisionCommunicatedAt: event.data.communicatedAt };
    case 'ResolutionAccepted':
      return { ...state, resolutionAccepted: true };
    case 'ResolutionRejected':
      return state;
    case 'SatisfactionRecorded':
      return { ...state, satisfactionRecorded: true };
    case 'ComplaintClosed': {
      const { reason, closedAt } = event.data;
      return { ...state, closure: { reason, closedAt }, clockStoppedAt: state.clockStoppedAt ?? closedAt };
    }
    case 'ComplaintReopened': {
      const { clockPausedMs, firstResponseDueAt, resolutionDueAt, warningAt } = event.data;
      const deadlines = firstResponseDueAt && resolutionDueAt && warningAt ? { firstResponseDueAt, resolutionDueAt, warningAt } : null;
      return { ...reopened(state), pausedMs: state.pausedMs + clockPausedMs, deadlines };
    }
  }
}

export function evolve(state: ComplaintState, event: ComplaintEvent): ComplaintState {
  const next = apply(state, event);
  return { ...next, status: statusOf(next) };
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
