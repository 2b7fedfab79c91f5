import type { DomainEvent } from '../shared/decider/decider';

/** The stream of one follow-up (a task an agent owns): `follow-up-<id>`. */
export const followUpStream = (followUpId: string): string => `follow-up-${followUpId}`;

export type FollowUpStatus = 'open' | 'done' | 'cancelled';

/**
 * Every follow-up event names its owner and department (webhooks route on them) and the customer it is about (for a complaint's follow-up, the
 * complaint's customer): its title and note are encrypted with that customer's key, so forgetting
 * the customer reaches them.
 */
export type FollowUpCreated = DomainEvent<
  'FollowUpCreated',
  {
    followUpId: string;
    customerId: string;
    /** The complaint it follows up, or null for a follow-up on the customer alone. */
    complaintId: string | null;
    /** The agent who owns it (an agent id), and the department whose queue it is in (null: none). */
    owner: string;
    department: string | null;
    title: string;
    note: string | null;
    /** Business time: when it is due, and when its owner is reminded (before dueAt, or equal for no lead). */
    dueAt: string;
    remindAt: string;
    createdAt: string;
  }
>;
export type FollowUpReassigned = DomainEvent<
  'FollowUpReassigned',
  { followUpId: string; customerId: string; owner: string; department: string | null; previousOwner: string; reassignedAt: string }
>;
export type FollowUpRescheduled = DomainEvent<
  'FollowUpRescheduled',
  {
    followUpId: string;
    customerId: string;
    owner: string;
    department: string | null;
    dueAt: string;
    remindAt: string;
    previousDueAt: string;
    rescheduledAt: string;
  }
>;
export type FollowUpCompleted = DomainEvent<
  'FollowUpCompleted',
  { followUpId: string; customerId: string; owner: string; department: string | null; completedAt: string }
>;
export type FollowUpCancelled = DomainEvent<
  'FollowUpCancelled',
  { followUpId: string; customerId: string; owner: string; department: string | null; reason: string | null; cancelledAt: string }
>;
/** Appended by the follow-up scheduler, at most once per due time: the owner should act soon. */
export type FollowUpReminderDue = DomainEvent<
  'FollowUpReminderDue',
  { followUpId: string; customerId: string; owner: string; department: string | null; dueAt: string; remindAt: string }
>;
/** Appended by the follow-up scheduler, at most once per due time: the due time passed while still open. */
export type FollowUpOverdue = DomainEvent<
  'FollowUpOverdue',
  { followUpId: string; customerId: string; owner: string; department: string | null; dueAt: string; overdueAt: string }
>;

export type FollowUpEvent =
  | FollowUpCreated
  | FollowUpReassigned
  | FollowUpRescheduled
  | FollowUpCompleted
  | FollowUpCancelled
  | FollowUpReminderDue
  | FollowUpOverdue;

export const FOLLOW_UP_EVENT_TYPES: readonly FollowUpEvent['type'][] = [
  'FollowUpCreated',
  'FollowUpReassigned',
  'FollowUpRescheduled',
  'FollowUpCompleted',
  'FollowUpCancelled',
  'FollowUpReminderDue',
  'FollowUpOverdue',
];
