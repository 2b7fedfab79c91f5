import type { EventDataInventory } from '../shared/privacy/personal-data';

/**
 * Department events hold no customer's personal data: names of departments, staff ids as
 * supervisors, and webhook targets. (Webhook signing secrets are never in events: webhook-secrets.ts.)
 */
export const DEPARTMENT_PERSONAL_DATA: readonly EventDataInventory[] = [
  { eventType: 'DepartmentCreated', personal: [], notPersonal: ['departmentId', 'name', 'supervisorId', 'createdAt'] },
  { eventType: 'DepartmentUpdated', personal: [], notPersonal: ['departmentId', 'changes.name', 'changes.supervisorId', 'updatedAt'] },
  {
    eventType: 'WebhookSubscribed',
    personal: [],
    notPersonal: [
      'departmentId',
      'webhookId',
      'url',
      'eventTypes[]',
      'scope',
      'secretSource',
      'subscribedAt',
      'filter.owner',
      'filter.segment',
      'filter.department',
    ],
  },
  { eventType: 'WebhookUnsubscribed', personal: [], notPersonal: ['departmentId', 'webhookId', 'unsubscribedAt'] },
  // Name claims (department-name-claim.decider.ts): the name is only in the stream name, normalised.
  { eventType: 'DepartmentNameClaimed', personal: [], notPersonal: ['departmentId', 'claimedAt'] },
  { eventType: 'DepartmentNameReleased', personal: [], notPersonal: ['departmentId', 'releasedAt'] },
];
