import type { DomainEvent } from '../shared/decider/decider';
import type { SourceRef } from '../shared/source-ref';

export type { SourceRef } from '../shared/source-ref';

export type CustomerKind = 'prospect' | 'customer';
export type AcquisitionChannel = 'web' | 'referral' | 'store' | 'phone' | 'email' | 'social' | 'partner' | 'event' | 'import' | 'other';
export type InteractionChannel = 'call' | 'email' | 'visit' | 'chat' | 'meeting';
export type InteractionDirection = 'inbound' | 'outbound';

export interface ContactDetails {
  name: string;
  email?: string | null;
  phone?: string | null;
  company?: string | null;
}

export interface PurchaseLine {
  product: string;
  quantity: number;
  /** Line amount (quantity x unit price), in the purchase currency. */
  amount: number;
}

/** The stream of one customer (or prospect): `customer-<id>`. */
export const customerStream = (customerId: string): string => `customer-${customerId}`;

export type CustomerRegistered = DomainEvent<
  'CustomerRegistered',
  ContactDetails & {
    customerId: string;
    kind: CustomerKind;
    acquisitionChannel: AcquisitionChannel;
    referredBy: string | null;
    /** Record time: when Relata registered the customer. */
    registeredAt: string;
    /**
     * Business time: when they became a customer (or prospect) in the world, e.g. an imported
     * customer's first purchase. Absent in events recorded before it existed: read as registeredAt
     * (customerSinceOf).
     */
    customerSince?: string;
    /** The record in the system it was imported from; absent or null for customers registered here. */
    source?: SourceRef | null;
  }
>;

/** Business time of a registration: customerSince, or the record time for events recorded before it existed. */
export const customerSinceOf = (data: Pick<CustomerRegistered['data'], 'registeredAt' | 'customerSince'>): string =>
  data.customerSince ?? data.registeredAt;
export type ContactDetailsUpdated = DomainEvent<
  'ContactDetailsUpdated',
  { customerId: string; changes: Partial<ContactDetails>; updatedAt: string }
>;
export type ProspectConverted = DomainEvent<'ProspectConverted', { customerId: string; convertedAt: string }>;
export type InteractionRecorded = DomainEvent<
  'InteractionRecorded',
  {
    customerId: string;
    interactionId: string;
    channel: InteractionChannel;
    direction: InteractionDirection;
    summary: string;
    agent: string;
    occurredAt: string;
  }
>;
export type PurchaseRecorded = DomainEvent<
  'PurchaseRecorded',
  {
    customerId: string;
    purchaseId: string;
    lines: PurchaseLine[];
    /** Sum of the line amounts (summed in minor units; all amounts are in `currency`). */
    amount: number;
    margin: number;
    currency: string;
    occurredAt: string;
  }
>;
/**
 * Money given back for a recorded purchase, with or without goods returned: one event covers a
 * refund and a return. Amounts are positive and in the purchase's currency; the customer's value
 * is the purchases' minus the refunds'. `occurredAt` is the refund date (business time).
 */
export type PurchaseRefunded = DomainEvent<
  'PurchaseRefunded',
  {
    customerId: string;
    refundId: string;
    /**
     * The refunded purchase; null for a refund not tied to a recorded purchase (an imported
     * cancellation of a sale made before the records begin): it still lowers the customer's value.
     */
    purchaseId: string | null;
    /** Business time of the refunded purchase (null when not tied to one): its transaction is the one netted. */
    purchasedAt: string | null;
    /** Goods returned (product, quantity, amount); empty for a refund of money only. */
    lines: PurchaseLine[];
    /** Money refunded (the sum of the lines when there are lines). */
    amount: number;
    /** Margin given back: the purchase's margin in proportion to the amount (the rest of it on the last refund). */
    margin: number;
    currency: string;
    occurredAt: string;
    /** What remains refundable of the purchase after this refund (0: fully refunded); null when not tied to one. */
    remaining: number | null;
  }
>;
export type TransactionSuggested = DomainEvent<
  'TransactionSuggested',
  {
    customerId: string;
    suggestionId: string;
    product: string;
    expectedValue: number;
    /** ISO 4217 code of expectedValue; absent in events recorded before it existed: read as USD (DEFAULT_CURRENCY). */
    currency?: string;
    expiresAt: string;
    suggestedAt: string;
    /** The agent's estimate that the customer will take it, [0, 1]; absent when not given (events before it existed too). */
    probability?: number;
  }
>;
export type SuggestionAccepted = DomainEvent<
  'SuggestionAccepted',
  { customerId: string; suggestionId: string; expectedValue: number; acceptedAt: string }
>;
export type SuggestionDeclined = DomainEvent<
  'SuggestionDeclined',
  { customerId: string; suggestionId: string; reason: string | null; declinedAt: string }
>;
export type CustomerReferred = DomainEvent<'CustomerReferred', { customerId: string; referredCustomerId: string; referredAt: string }>;
/**
 * On the referred customer's own stream: who referred them. A customer has at most one referrer,
 * and this event (with `referredBy` on CustomerRegistered) is what the decider holds that to.
 * Recorded before CustomerReferred on the referrer's stream, so two referrers racing for one
 * customer are serialised by the referred customer's stream.
 */
export type ReferrerCredited = DomainEvent<'ReferrerCredited', { customerId: string; referredBy: string; creditedAt: string }>;
export type CustomerDeactivated = DomainEvent<'CustomerDeactivated', { customerId: string; reason: string; deactivatedAt: string }>;
export type CustomerReactivated = DomainEvent<'CustomerReactivated', { customerId: string; reactivatedAt: string }>;
/**
 * The customer exercised the right to be forgotten: their data key is deleted right after, so the
 * personal fields of all their events read as "[erased]" from then on. The events stay (audit);
 * nothing more is recorded about the customer.
 */
export type CustomerForgotten = DomainEvent<'CustomerForgotten', { customerId: string; forgottenAt: string }>;

export type CustomerEvent =
  | CustomerRegistered
  | ContactDetailsUpdated
  | ProspectConverted
  | InteractionRecorded
  | PurchaseRecorded
  | TransactionSuggested
  | SuggestionAccepted
  | SuggestionDeclined
  | CustomerReferred
  | ReferrerCredited
  | CustomerDeactivated
  | CustomerReactivated
  | CustomerForgotten
  | PurchaseRefunded;

export const CUSTOMER_EVENT_TYPES: readonly CustomerEvent['type'][] = [
  'CustomerRegistered',
  'ContactDetailsUpdated',
  'ProspectConverted',
  'InteractionRecorded',
  'PurchaseRecorded',
  'TransactionSuggested',
  'SuggestionAccepted',
  'SuggestionDeclined',
  'CustomerReferred',
  'ReferrerCredited',
  'CustomerDeactivated',
  'CustomerReactivated',
  'CustomerForgotten',
  'PurchaseRefunded',
];
