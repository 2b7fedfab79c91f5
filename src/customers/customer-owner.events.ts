import type { DomainEvent } from '../shared/decider/decider';

/**
 * Who manages a customer (their account manager), kept in a stream of its own,
 * `customer-owner-<customerId>`: ownership changes hands without touching the customer's stream
 * (and its ETag), and its history is the stream.
 */
export const customerOwnerStream = (customerId: string): string => `customer-owner-${customerId}`;

export type CustomerOwnerAssigned = DomainEvent<
  'CustomerOwnerAssigned',
  {
    customerId: string;
    /** The agent id of the new owner, and of the one before (null: the customer had none). */
    owner: string;
    previousOwner: string | null;
    assignedAt: string;
  }
>;

export type CustomerOwnerEvent = CustomerOwnerAssigned;

export const CUSTOMER_OWNER_EVENT_TYPES: readonly CustomerOwnerEvent['type'][] = ['CustomerOwnerAssigned'];
