import type { Decider } from '../shared/decider/decider';
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import type { FollowUpEvent, FollowUpStatus } from './follow-up.events';

export { followUpStream } from './follow-up.events';

// ---------------------------------------------------------------- commands
// Every command carries `now` (ISO 8601) from the injected clock: the decider never reads a clock.
// Facts from other streams (the customer exists, the complaint's customer) arrive in the command.

export type CreateFollowUp = {
  type: 'CreateFollowUp';
  data: {
    followUpId: string;
    customerId: string;
    complaintId: string | null;
    owner: string;
    department: string | null;
    title: string;
    note: string | null;
    dueAt: string;
    remindAt: string;
    /** The customer is known and not forgotten (checked by the handler). */
    customerActive: boolean;
  };
  now: string;
};
export type ReassignFollowUp = { type: 'ReassignFollowUp'; data: { owner: string; department?: string | null }; now: string };
export type RescheduleFollowUp = { type: 'RescheduleFollowUp'; data: { dueAt: string; remindAt: string }; now: string };
export type CompleteFollowUp = { type: 'CompleteFollowUp'; now: string };
export type CancelFollowUp = { type: 'CancelFollowUp'; data: { reason: string | null }; now: string };
/** From the scheduler: `dueAt` is the due time the reminder was scheduled for (a stale one decides nothing). */
export type RecordFollowUpReminder = { type: 'RecordFollowUpReminder'; data: { dueAt: string }; now: string };
export type RecordFollowUpOverdue = { type: 'RecordFollowUpOverdue'; data: { dueAt: string }; now: string };

export type FollowUpCommand =
  | CreateFollowUp
  | ReassignFollowUp
  | RescheduleFollowUp
  | CompleteFollowUp
  | CancelFollowUp
  | RecordFollowUpReminder
  | RecordFollowUpOverdue;

// ---------------------------------------------------------------- state

export interface FollowUpState {
  exists: boolean;
  followUpId: string | null;
  customerId: string | null;
  owner: string | null;
  department: string | null;
  status: FollowUpStatus | null;
  dueAt: string | null;
  remindAt: string | null;
  /** The due time a reminder / an overdue event was recorded for: each fires at most once per due time. */
  remindedFor: string | null;
  overdueFor: string | null;
}

const initialState = (): FollowUpState => ({
  exists: false,
  followUpId: null,
  customerId: null,
  owner: null,
  department: null,
  status: null,
  dueAt: null,
  remindAt: null,
  remindedFor: null,
  overdueFor: null,
});

type Existing = FollowUpState & { exists: true; followUpId: string; customerId: string; owner: string; dueAt: string };

// ---------------------------------------------------------------- decide

function mustExist(state: FollowUpState): asserts state is Existing {
  if (!state.exists) throw new NotFoundError('FOLLOW_UP_NOT_FOUND', 'No follow-up with this id');
}

function mustBeOpen(state: Existing): void {
  if (state.status !== 'open') {
    throw new BusinessRuleViolation('FOLLOW_UP_NOT_OPEN', `The follow-up is ${state.status}`, { status: state.status });
  }
}

function checkTimes(dueAt: string, remindAt: string): void {
  if (Date.parse(remindAt) > Date.parse(dueAt)) {
    throw new BusinessRuleViolation('FOLLOW_UP_REMINDER_AFTER_DUE', 'The reminder must not be after the due time');
  }
}

function create(command: CreateFollowUp, state: FollowUpState): FollowUpEvent[] {
  if (state.exists) throw new BusinessRuleViolation('FOLLOW_UP_ALREADY_EXISTS', 'A follow-up with this id already exists');
  const { customerActive, ...data } = command.data;
  if (!customerActive) throw new NotFoundError('CUSTOMER_NOT_FOUND', 'No customer with this id');
  checkTimes(data.dueAt, data.remindAt);
  return [{ type: 'FollowUpCreated', data: { ...data, createdAt: command.now } }];
}

function reassign(command: ReassignFollowUp, state: FollowUpState): FollowUpEvent[] {
  mustExist(state);
  mustBeOpen(state);
  const department = command.data.department === undefined ? state.department : command.data.department;
  if (command.data.owner === state.owner && department === state.department) return [];
  const { followUpId, customerId, owner: previousOwner } = state;
  return [
    {
      type: 'FollowUpReassigned',
      data: { followUpId, customerId, owner: command.data.owner, department, previousOwner, reassignedAt: command.now },
    },
  ];
}

function reschedule(command: RescheduleFollowUp, state: FollowUpState): FollowUpEvent[] {
  mustExist(state);
  mustBeOpen(state);
  const { dueAt, remindAt } = command.data;
  checkTimes(dueAt, remindAt);
  if (dueAt === state.dueAt && remindAt === state.remindAt) return [];
  const { followUpId, customerId, owner, department } = state;
  return [
    {
      type: 'FollowUpRescheduled',
      data: { followUpId, customerId, owner, department, dueAt, remindAt, previousDueAt: state.dueAt, rescheduledAt: command.now },
    },
  ];
}

function complete(command: CompleteFollowUp, state: FollowUpState): FollowUpEvent[] {
  mustExist(state);
  if (state.status === 'done') return [];
  mustBeOpen(state);
  return [
    {
      type: 'FollowUpCompleted',
      data: {
        followUpId: state.followUpId,
        customerId: state.customerId,
        owner: state.owner,
        department: state.department,
        completedAt: command.now,
      },
    },
  ];
}

function cancel(command: CancelFollowUp, state: FollowUpState): FollowUpEvent[] {
  mustExist(state);
  if (state.status === 'cancelled') return [];
  mustBeOpen(state);
  const { followUpId, customerId, owner, department } = state;
  return [
    {
      type: 'FollowUpCancelled',
      data: { followUpId, customerId, owner, department, reason: command.data.reason, cancelledAt: command.now },
    },
  ];
}

/** A stale tick (rescheduled, closed, already fired, too early) decides nothing: the scheduler may fire twice. */
function remind(command: RecordFollowUpReminder, state: FollowUpState): FollowUpEvent[] {
  if (!state.exists || state.status !== 'open' || state.dueAt !== command.data.dueAt || state.remindedFor === state.dueAt) return [];
  const s = state as Existing;
  if (state.remindAt === null || Date.parse(command.now) < Date.parse(state.remindAt)) return [];
  return [
    {
      type: 'FollowUpReminderDue',
      data: {
        followUpId: s.followUpId,
        customerId: s.customerId,
        owner: s.owner,
        department: s.department,
        dueAt: s.dueAt,
        remindAt: state.remindAt,
      },
    },
  ];
}

/** Overdue once the due time has passed (a follow-up is on time up to its due time inclusive). */
function overdue(command: RecordFollowUpOverdue, state: FollowUpState): FollowUpEvent[] {
  if (!state.exists || state.status !== 'open' || state.dueAt !== command.data.dueAt || state.overdueFor === state.dueAt) return [];
  const s = state as Existing;
  if (Date.parse(command.now) <= Date.parse(s.dueAt)) return [];
  return [
    {
      type: 'FollowUpOverdue',
      data: {
        followUpId: s.followUpId,
        customerId: s.customerId,
        owner: s.owner,
        department: s.department,
        dueAt: s.dueAt,
        overdueAt: command.now,
      },
    },
  ];
}

export function decide(command: FollowUpCommand, state: FollowUpState): FollowUpEvent[] {
  switch (command.type) {
    case 'CreateFollowUp':
      return create(command, state);
    case 'ReassignFollowUp':
      return reassign(command, state);
    case 'RescheduleFollowUp':
      return reschedule(command, state);
    case 'CompleteFollowUp':
      return complete(command, state);
    case 'CancelFollowUp':
      return cancel(command, state);
    case 'RecordFollowUpReminder':
      return remind(command, state);
    case 'RecordFollowUpOverdue':
      return overdue(command, state);
    default: {
      const exhaustive: never = command;
      return exhaustive;
    }
  }
}

// ---------------------------------------------------------------- evolve

export function evolve(state: FollowUpState, event: FollowUpEvent): FollowUpState {
  switch (event.type) {
    case 'FollowUpCreated': {
      const { followUpId, customerId, owner, department, dueAt, remindAt } = event.data;
      return { ...state, exists: true, followUpId, customerId, owner, department, dueAt, remindAt, status: 'open' };
    }
    case 'FollowUpReassigned':
      return { ...state, owner: event.data.owner, department: event.data.department };
    case 'FollowUpRescheduled':
      return { ...state, dueAt: event.data.dueAt, remindAt: event.data.remindAt };
    case 'FollowUpCompleted':
      return { ...state, status: 'done' };
    case 'FollowUpCancelled':
      return { ...state, status: 'cancelled' };
    case 'FollowUpReminderDue':
      return { ...state, remindedFor: event.data.dueAt };
    case 'FollowUpOverdue':
      return { ...state, overdueFor: event.data.dueAt };
    default: {
      const exhaustive: never = event;
      return exhaustive;
    }
  }
}

/** Business time: a reminder or overdue happened at the time it was due, whenever the scheduler got to it. */
function occurredAt(event: FollowUpEvent): string | undefined {
  switch (event.type) {
    case 'FollowUpReminderDue':
      return event.data.remindAt;
    case 'FollowUpOverdue':
      return event.data.dueAt;
    default:
      return undefined;
  }
}

export const followUpDecider: Decider<FollowUpState, FollowUpCommand, FollowUpEvent> = { decide, evolve, initialState, occurredAt };
