import type { EventDataInventory } from '../shared/privacy/personal-data';

const customer = { path: 'customerId' } as const;

/**
 * A follow-up's title and note and a cancellation's reason are free text about the customer
 * ("call back about her divorce settlement"): encrypted with the customer's key. Owners, departments
 * and times are business facts.
 */
export const FOLLOW_UP_PERSONAL_DATA: readonly EventDataInventory[] = [
  {
    eventType: 'FollowUpCreated',
    subject: customer,
    personal: ['title', 'note'],
    notPersonal: ['followUpId', 'customerId', 'complaintId', 'owner', 'department', 'dueAt', 'remindAt', 'createdAt'],
  },
  {
    eventType: 'FollowUpReassigned',
    personal: [],
    notPersonal: ['followUpId', 'customerId', 'owner', 'department', 'previousOwner', 'reassignedAt'],
  },
  {
    eventType: 'FollowUpRescheduled',
    personal: [],
    notPersonal: ['followUpId', 'customerId', 'owner', 'department', 'dueAt', 'remindAt', 'previousDueAt', 'rescheduledAt'],
  },
  { eventType: 'FollowUpCompleted', personal: [], notPersonal: ['followUpId', 'customerId', 'owner', 'department', 'completedAt'] },
  {
    eventType: 'FollowUpCancelled',
    subject: customer,
    personal: ['reason'],
    notPersonal: ['followUpId', 'customerId', 'owner', 'department', 'cancelledAt'],
    shownAs: ['cancelReason'],
  },
  { eventType: 'FollowUpReminderDue', personal: [], notPersonal: ['followUpId', 'customerId', 'owner', 'department', 'dueAt', 'remindAt'] },
  { eventType: 'FollowUpOverdue', personal: [], notPersonal: ['followUpId', 'customerId', 'owner', 'department', 'dueAt', 'overdueAt'] },
];
