/** What the customer decider remembers of a customer's history, and how each event changes it. */
import type {
  ContactDetails,
  CustomerEvent,
  CustomerKind,
  CustomerRegistered,
  PurchaseRefunded,
  SuggestionAccepted,
  SuggestionDeclined,
  TransactionSuggested,
} from './customer.events';
import { type PurchaseState, purchaseStateOf, refundedPurchase } from './purchase-refunds';

export type CustomerStatus = 'unknown' | 'prospect' | 'customer' | 'deactivated';

export interface SuggestionState {
  status: 'open' | 'accepted' | 'declined';
  expiresAt: string;
  expectedValue: number;
}

export interface CustomerState {
  status: CustomerStatus;
  customerId: string | null;
  /** Kind before deactivation, restored on reactivation. */
  kind: CustomerKind | null;
  contact: ContactDetails | null;
  /** Recorded purchases by id, with what was refunded of them (purchase-refunds.ts). */
  purchases: ReadonlyMap<string, PurchaseState>;
  /** Ids of the refunds recorded. */
  refunds: ReadonlySet<string>;
  interactions: ReadonlySet<string>;
  suggestions: ReadonlyMap<string, SuggestionState>;
  referrals: ReadonlySet<string>;
  /** Who referred this customer (at registration or credited later); at most one. */
  referredBy: string | null;
  /** Forgotten customers keep their status for the record, but every command is refused. */
  forgotten: boolean;
}

export const initialState = (): CustomerState => ({
  status: 'unknown',
  customerId: null,
  kind: null,
  contact: null,
  purchases: new Map(),
  refunds: new Set(),
  interactions: new Set(),
  suggestions: new Map(),
  referrals: new Set(),
  referredBy: null,
  forgotten: false,
});

// ---------------------------------------------------------------- evolve: one function per event

function onRegistered(state: CustomerState, event: CustomerRegistered): CustomerState {
  const { customerId, kind, name, email, phone, company, referredBy } = event.data;
  return { ...state, status: kind, customerId, kind, contact: { name, email, phone, company }, referredBy: referredBy ?? null };
}

function onRefunded(state: CustomerState, event: PurchaseRefunded): CustomerState {
  const refunds = new Set(state.refunds).add(event.data.refundId);
  const purchase = event.data.purchaseId === null ? undefined : state.purchases.get(event.data.purchaseId);
  if (!purchase) return { ...state, refunds };
  return { ...state, refunds, purchases: new Map(state.purchases).set(event.data.purchaseId!, refundedPurchase(purchase, event.data)) };
}

function onSuggested(state: CustomerState, event: TransactionSuggested): CustomerState {
  const { suggestionId, expiresAt, expectedValue } = event.data;
  return { ...state, suggestions: new Map(state.suggestions).set(suggestionId, { status: 'open', expiresAt, expectedValue }) };
}

function onSuggestionDecided(state: CustomerState, event: SuggestionAccepted | SuggestionDeclined): CustomerState {
  const current = state.suggestions.get(event.data.suggestionId)!;
  const status = event.type === 'SuggestionAccepted' ? 'accepted' : 'declined';
  return { ...state, suggestions: new Map(state.suggestions).set(event.data.suggestionId, { ...current, status }) };
}

export function evolve(state: CustomerState, event: CustomerEvent): CustomerState {
  switch (event.type) {
    case 'CustomerRegistered':
      return onRegistered(state, event);
    case 'ContactDetailsUpdated':
      return { ...state, contact: { ...state.contact!, ...event.data.changes } };
    case 'ProspectConverted':
      return { ...state, status: 'customer', kind: 'customer' };
    case 'InteractionRecorded':
      return { ...state, interactions: new Set(state.interactions).add(event.data.interactionId) };
    case 'PurchaseRecorded':
      return { ...state, purchases: new Map(state.purchases).set(event.data.purchaseId, purchaseStateOf(event.data)) };
    case 'PurchaseRefunded':
      return onRefunded(state, event);
    case 'TransactionSuggested':
      return onSuggested(state, event);
    case 'SuggestionAccepted':
    case 'SuggestionDeclined':
      return onSuggestionDecided(state, event);
    case 'CustomerReferred':
      return { ...state, referrals: new Set(state.referrals).add(event.data.referredCustomerId) };
    case 'ReferrerCredited':
      return { ...state, referredBy: event.data.referredBy };
    case 'CustomerDeactivated':
      return { ...state, status: 'deactivated' };
    case 'CustomerReactivated':
      return { ...state, status: state.kind ?? 'customer' };
    case 'CustomerForgotten':
      // The contact stays as the events read: in clear until the key is deleted (the handler
      // releases the email claim in between), then erased.
      return { ...state, forgotten: true };
    default: {
      const exhaustive: never = event;
      return exhaustive;
    }
  }
}
