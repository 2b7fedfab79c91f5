/** A customer's events and a command builder for the customer decider's specs (customer-*.decider.unit.spec.ts). */
import { type CustomerCommand, customerDecider } from '../../src/customers/customer.decider';
import type { CustomerEvent } from '../../src/customers/customer.events';
import { commandsAt, spec } from '../support/decider-spec';

export const id = 'c-1';
export const NOW = '2026-03-10T12:00:00.000Z';
export const EARLIER = '2026-03-01T09:00:00.000Z';

export const registered = (kind: 'prospect' | 'customer' = 'customer'): CustomerEvent => ({
  type: 'CustomerRegistered',
  data: {
    customerId: id,
    kind,
    name: 'Ana Lima',
    email: 'ana@example.com',
    phone: '+351 910 000 000',
    company: null,
    acquisitionChannel: 'web',
    referredBy: null,
    registeredAt: EARLIER,
  },
});
export const deactivated: CustomerEvent = {
  type: 'CustomerDeactivated',
  data: { customerId: id, reason: 'churned', deactivatedAt: EARLIER },
};
export const suggested = (expiresAt = '2026-04-01T00:00:00.000Z'): CustomerEvent => ({
  type: 'TransactionSuggested',
  data: { customerId: id, suggestionId: 's-1', product: 'Gold plan', expectedValue: 120, expiresAt, suggestedAt: EARLIER },
});

export const customers = spec(customerDecider);
export const cmd = commandsAt<CustomerCommand>(NOW);
