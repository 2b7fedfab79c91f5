import type { PersonalDataSpec } from '../shared/privacy/personal-data';

/**
 * The personal data in customer events, encrypted with the customer's key (the subject is the
 * event's customerId): contact details, and free text that is about the person (what was said in
 * an interaction, why they left, why they declined an offer). Product names, amounts, channels,
 * the agent's name and the probability an agent sets on a suggestion are business facts and stay readable.
 */
export const CUSTOMER_PERSONAL_DATA: readonly PersonalDataSpec[] = [
  { eventType: 'CustomerRegistered', subject: { path: 'customerId' }, fields: ['name', 'email', 'phone', 'company'] },
  {
    eventType: 'ContactDetailsUpdated',
    subject: { path: 'customerId' },
    fields: ['changes.name', 'changes.email', 'changes.phone', 'changes.company'],
  },
  { eventType: 'InteractionRecorded', subject: { path: 'customerId' }, fields: ['summary'] },
  { eventType: 'SuggestionDeclined', subject: { path: 'customerId' }, fields: ['reason'] },
  { eventType: 'CustomerDeactivated', subject: { path: 'customerId' }, fields: ['reason'] },
];
