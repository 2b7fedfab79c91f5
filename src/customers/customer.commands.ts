/**
 * The commands of the customer decider (customer.decider.ts). Every command carries `now`
 * (ISO 8601) from the injected clock: the decider never reads a clock. Facts from other streams
 * (the referrer exists) are looked up by the handler and arrive here.
 */
import type {
  AcquisitionChannel,
  ContactDetails,
  CustomerKind,
  InteractionChannel,
  InteractionDirection,
  PurchaseLine,
  SourceRef,
} from './customer.events';
import type { RefundPurchase } from './purchase-refunds';

export type { RefundPurchase } from './purchase-refunds';

export type RegisterCustomer = {
  type: 'RegisterCustomer';
  data: ContactDetails & {
    customerId: string;
    kind: CustomerKind;
    acquisitionChannel: AcquisitionChannel;
    referredBy: string | null;
    /** Looked up by the handler: whether the referrer exists. */
    referrerExists: boolean;
    /** Business time (e.g. an imported customer's first purchase); default now. */
    customerSince?: string;
    source?: SourceRef | null;
  };
  now: string;
};
export type UpdateContactDetails = { type: 'UpdateContactDetails'; data: Partial<ContactDetails>; now: string };
export type ConvertProspect = { type: 'ConvertProspect'; now: string };
export type RecordInteraction = {
  type: 'RecordInteraction';
  data: {
    interactionId: string;
    channel: InteractionChannel;
    direction: InteractionDirection;
    summary: string;
    agent: string;
    occurredAt: string;
  };
  now: string;
};
export type RecordPurchase = {
  type: 'RecordPurchase';
  data: { purchaseId: string; lines: PurchaseLine[]; margin: number; currency: string; occurredAt: string };
  now: string;
};
export type SuggestTransaction = {
  type: 'SuggestTransaction';
  data: { suggestionId: string; product: string; expectedValue: number; currency: string; expiresAt: string; probability?: number };
  now: string;
};
export type AcceptSuggestion = { type: 'AcceptSuggestion'; data: { suggestionId: string }; now: string };
export type DeclineSuggestion = {
  type: 'DeclineSuggestion';
  data: { suggestionId: string; reason: string | null };
  now: string;
};
export type RecordReferral = {
  type: 'RecordReferral';
  /** Looked up by the handler from the referred customer's stream: whether they exist, and who referred them (null: nobody yet). */
  data: { referredCustomerId: string; referredExists: boolean; referredBy: string | null };
  now: string;
};
/** Decided on the referred customer's stream: credits their (one) referrer. */
export type CreditReferrer = { type: 'CreditReferrer'; data: { referredBy: string }; now: string };
export type DeactivateCustomer = { type: 'DeactivateCustomer'; data: { reason: string }; now: string };
export type ReactivateCustomer = { type: 'ReactivateCustomer'; now: string };
/** The right to be forgotten (the handler deletes the customer's data key after recording it). */
export type ForgetCustomer = { type: 'ForgetCustomer'; now: string };

export type CustomerCommand =
  | RegisterCustomer
  | UpdateContactDetails
  | ConvertProspect
  | RecordInteraction
  | RecordPurchase
  | SuggestTransaction
  | AcceptSuggestion
  | DeclineSuggestion
  | RecordReferral
  | CreditReferrer
  | DeactivateCustomer
  | ReactivateCustomer
  | ForgetCustomer
  | RefundPurchase;
