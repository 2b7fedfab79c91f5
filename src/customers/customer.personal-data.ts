import type { EventDataInventory } from '../shared/privacy/personal-data';

const customer = { path: 'customerId' } as const;

/**
 * The personal data in customer events, encrypted with the customer's key (the subject is the
 * event's customerId): contact details, and free text that is about the person (what was said in
 * an interaction, why they left, why they declined an offer). Product names, amounts, channels,
 * the agent's name and the probability an agent sets on a suggestion are business facts and stay readable.
 *
 * Email claims (email-claim.decider.ts) hold no personal data: the address is only in the stream
 * name, as a keyed hash.
 */
export const CUSTOMER_PERSONAL_DATA: readonly EventDataInventory[] = [
  {
    eventType: 'CustomerRegistered',
    subject: customer,
    personal: ['name', 'email', 'phone', 'company'],
    // A source reference is another system's id for the record, like Relata's own customerId (src/shared/source-ref.ts).
    notPersonal: ['customerId', 'kind', 'acquisitionChannel', 'referredBy', 'registeredAt', 'customerSince', 'source.system', 'source.id'],
  },
  {
    eventType: 'ContactDetailsUpdated',
    subject: customer,
    personal: ['changes.name', 'changes.email', 'changes.phone', 'changes.company'],
    notPersonal: ['customerId', 'updatedAt'],
  },
  { eventType: 'ProspectConverted', personal: [], notPersonal: ['customerId', 'convertedAt'] },
  {
    eventType: 'InteractionRecorded',
    subject: customer,
    personal: ['summary'],
    notPersonal: ['customerId', 'interactionId', 'channel', 'direction', 'agent', 'occurredAt'],
  },
  { eventType: 'PurchaseRecorded', personal: [], notPersonal: ['customerId', 'purchaseId', 'lines[].product', 'currency', 'occurredAt'] },
  {
    eventType: 'TransactionSuggested',
    personal: [],
    notPersonal: ['customerId', 'suggestionId', 'product', 'expiresAt', 'suggestedAt', 'currency'],
  },
  { eventType: 'SuggestionAccepted', personal: [], notPersonal: ['customerId', 'suggestionId', 'acceptedAt'] },
  {
    eventType: 'SuggestionDeclined',
    subject: customer,
    personal: ['reason'],
    notPersonal: ['customerId', 'suggestionId', 'declinedAt'],
    // The profile lists it as suggestions[].declineReason.
    shownAs: ['declineReason'],
  },
  { eventType: 'CustomerReferred', personal: [], notPersonal: ['customerId', 'referredCustomerId', 'referredAt'] },
  { eventType: 'ReferrerCredited', personal: [], notPersonal: ['customerId', 'referredBy', 'creditedAt'] },
  {
    eventType: 'CustomerDeactivated',
    subject: customer,
    personal: ['reason'],
    notPersonal: ['customerId', 'deactivatedAt'],
    // The profile shows it as deactivationReason.
    shownAs: ['deactivationReason'],
  },
  { eventType: 'CustomerReactivated', personal: [], notPersonal: ['customerId', 'reactivatedAt'] },
  { eventType: 'CustomerForgotten', personal: [], notPersonal: ['customerId', 'forgottenAt'] },
  // No free text: a refund is amounts, products and dates (business facts).
  {
    eventType: 'PurchaseRefunded',
    personal: [],
    notPersonal: ['customerId', 'refundId', 'purchaseId', 'purchasedAt', 'lines[].product', 'currency', 'occurredAt'],
  },
  { eventType: 'EmailClaimed', personal: [], notPersonal: ['customerId', 'claimedAt'] },
  { eventType: 'EmailReleased', personal: [], notPersonal: ['customerId', 'releasedAt'] },
  { eventType: 'CustomerOwnerAssigned', personal: [], notPersonal: ['customerId', 'owner', 'previousOwner', 'assignedAt'] },
];
