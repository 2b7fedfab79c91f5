/**
 * What the complaint decider remembers of a complaint's history, and how each event changes it.
 * The status is derived from the facts after every event (statusOf), so no event has to set it.
 */
import type {
  ActionCompleted,
  ActionKind,
  ActionOpened,
  CloseReason,
  ComplaintAssigned,
  ComplaintClosed,
  ComplaintEvent,
  ComplaintGraded,
  ComplaintRegistered,
  ComplaintReopened,
  ComplaintResolved,
  ComplaintResumed,
  ComplaintStatus,
  Difficulty,
  RootCauseCategory,
  SlaDeadlineKind,
} from './complaint.events';
import type { Severity, SlaDeadlines, SlaPolicy } from './sla-policy';

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

export const initialState = (): ComplaintState => ({
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
export function statusOf(state: ComplaintState): ComplaintStatus | 'unknown' {
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
export function reopened(state: ComplaintState): ComplaintState {
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

// ---------------------------------------------------------------- evolve: one function per event

function onRegistered(state: ComplaintState, event: ComplaintRegistered): ComplaintState {
  const { complaintId, customerId, receivedAt } = event.data;
  return { ...state, complaintId, customerId, receivedAt };
}

function onAssigned(state: ComplaintState, event: ComplaintAssigned): ComplaintState {
  const { department, assignee, assignedAt } = event.data;
  const closed = state.holders.map((period) => (period.to === null ? { ...period, to: assignedAt } : period));
  return { ...state, holders: [...closed, { department, assignee, from: assignedAt, to: null }] };
}

function onGraded(state: ComplaintState, event: ComplaintGraded): ComplaintState {
  const { severity, difficulty, policy, clockStartedAt, pausedMs, firstResponseDueAt, resolutionDueAt, warningAt } = event.data;
  return {
    ...state,
    grading: { severity, difficulty, policy, clockStartedAt },
    pausedMs,
    deadlines: { firstResponseDueAt, resolutionDueAt, warningAt },
  };
}

function onResumed(state: ComplaintState, event: ComplaintResumed): ComplaintState {
  const { pausedMs, firstResponseDueAt, resolutionDueAt, warningAt } = event.data;
  return {
    ...state,
    hold: null,
    clockStoppedAt: null,
    pausedMs: state.pausedMs + pausedMs,
    deadlines: { firstResponseDueAt, resolutionDueAt, warningAt },
  };
}

function onActionOpened(state: ComplaintState, event: ActionOpened): ComplaintState {
  const { actionId, kind, dueAt } = event.data;
  return { ...state, investigating: true, actions: new Map(state.actions).set(actionId, { kind, dueAt, completed: false }) };
}

function onActionCompleted(state: ComplaintState, event: ActionCompleted): ComplaintState {
  const action = state.actions.get(event.data.actionId)!;
  return { ...state, investigating: true, actions: new Map(state.actions).set(event.data.actionId, { ...action, completed: true }) };
}

function onResolved(state: ComplaintState, event: ComplaintResolved): ComplaintState {
  const { resolvedAt, withinSla } = event.data;
  return { ...state, resolution: { resolvedAt, withinSla }, clockStoppedAt: resolvedAt, satisfactionRecorded: false };
}

function onClosed(state: ComplaintState, event: ComplaintClosed): ComplaintState {
  const { reason, closedAt } = event.data;
  return { ...state, closure: { reason, closedAt }, clockStoppedAt: state.clockStoppedAt ?? closedAt };
}

function onReopened(state: ComplaintState, event: ComplaintReopened): ComplaintState {
  const { clockPausedMs, firstResponseDueAt, resolutionDueAt, warningAt } = event.data;
  const deadlines = firstResponseDueAt && resolutionDueAt && warningAt ? { firstResponseDueAt, resolutionDueAt, warningAt } : null;
  return { ...reopened(state), pausedMs: state.pausedMs + clockPausedMs, deadlines };
}

/** The facts an event adds; events that change no fact the decider uses return the state as it was. */
function apply(state: ComplaintState, event: ComplaintEvent): ComplaintState {
  switch (event.type) {
    case 'ComplaintRegistered':
      return onRegistered(state, event);
    case 'ComplaintAcknowledged':
      return { ...state, acknowledgedAt: event.data.acknowledgedAt };
    case 'ComplaintAssigned':
      return onAssigned(state, event);
    case 'ComplaintAssessed':
      return { ...state, assessment: { valid: event.data.valid } };
    case 'ComplaintGraded':
      return onGraded(state, event);
    case 'ComplaintPutOnHold':
      return { ...state, hold: { reason: event.data.reason, since: event.data.heldAt }, clockStoppedAt: event.data.heldAt };
    case 'ComplaintResumed':
      return onResumed(state, event);
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
    case 'ActionOpened':
      return onActionOpened(state, event);
    case 'ActionCompleted':
      return onActionCompleted(state, event);
    case 'ProgressUpdateRecorded':
      return state;
    case 'FirstResponseRecorded':
      return { ...state, firstResponseAt: event.data.respondedAt };
    case 'ComplaintResolved':
      return onResolved(state, event);
    case 'DecisionCommunicated':
      return { ...state, decisionCommunicatedAt: event.data.communicatedAt };
    case 'ResolutionAccepted':
      return { ...state, resolutionAccepted: true };
    case 'ResolutionRejected':
      return state;
    case 'SatisfactionRecorded':
      return { ...state, satisfactionRecorded: true };
    case 'ComplaintClosed':
      return onClosed(state, event);
    case 'ComplaintReopened':
      return onReopened(state, event);
    default: {
      const exhaustive: never = event;
      return exhaustive;
    }
  }
}

export function evolve(state: ComplaintState, event: ComplaintEvent): ComplaintState {
  const next = apply(state, event);
  return { ...next, status: statusOf(next) };
}
