import type { WebhookEventSource } from '../shared/webhooks/webhook-events';
import type { CustomerOwnerAssigned } from './customer-owner.events';
import type { CustomerEvent } from './customer.events';

const CUSTOMER_WEBHOOK_TYPES: readonly (CustomerEvent['type'] | CustomerOwnerAssigned['type'])[] = [
  'CustomerRegistered',
  'ProspectConverted',
  'PurchaseRecorded',
  'TransactionSuggested',
  'SuggestionAccepted',
  'SuggestionDeclined',
  'CustomerDeactivated',
  'CustomerReactivated',
  'CustomerOwnerAssigned',
];

/** Customer events a department may subscribe to: each is about the customer it names (scoped by their owner and segments). */
export const CUSTOMER_WEBHOOK_EVENTS: WebhookEventSource = {
  family: 'customer',
  eventTypes: CUSTOMER_WEBHOOK_TYPES,
  route: (event) => ({ customerId: (event.data as { customerId: string }).customerId, departments: [], owner: null }),
  customerFacts: (event) => {
    if (event.type !== 'CustomerOwnerAssigned') return null;
    const { customerId, owner } = event.data as CustomerOwnerAssigned['data'];
    return { customerId, owner };
  },
};
