import type { Decider } from '../shared/decider/decider';
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import { assertExactAmount, assertKnownCurrency, sumMoney } from '../shared/money/money';
import type {
  AcquisitionChannel,
  ContactDetails,
  CustomerEvent,
  CustomerKind,
  InteractionChannel,
  InteractionDirection,
  PurchaseLine,
  SourceRef,
} from './customer.events';
import { decideRefund, type PurchaseState, purchaseStateOf, type RefundPurchase, refundedPurchase } from './purchase-refunds';

export type { RefundPurchase } from './purchase-refunds';

// ---------------------------------------------------------------- commands
// Every command carries `now` (ISO 8601) from the injected clock: the decider never reads a clock.

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

// ---------------------------------------------------------------- state

export type CustomerStatus = 'unknown' | 'prospect' | 'customer' | 'deactivated';

interface SuggestionState {
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

const initialState = (): CustomerState => ({
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

// ---------------------------------------------------------------- decide

function mustExist(state: CustomerState): asserts state is CustomerState & { customerId: string } {
  if (state.status === 'unknown' || state.customerId === null) {
    throw new NotFoundError('CUSTOMER_NOT_FOUND', 'No customer with this id');
  }
  if (state.forgotten) {
    throw new BusinessRuleViolation('CUSTOMER_FORGOTTEN', 'The customer asked to be forgotten: nothing more is recorded about them');
  }
}

function mustBeActive(state: CustomerState): asserts state is CustomerState & { customerId: string } {
  mustExist(state);
  if (state.status === 'deactivated') {
    throw new BusinessRuleViolation('CUSTOMER_DEACTIVATED', 'The customer is deactivated; reactivate them first');
  }
}

function openSuggestion(state: CustomerState, suggestionId: string, now: string): SuggestionState {
  const suggestion = state.suggestions.get(suggestionId);
  if (!suggestion) throw new NotFoundError('SUGGESTION_NOT_FOUND', 'No suggestion with this id for this customer');
  if (suggestion.status !== 'open') {
    throw new BusinessRuleViolation('SUGGESTION_ALREADY_DECIDED', `The suggestion was already ${suggestion.status}`, {
      decision: suggestion.status,
    });
  }
  if (Date.parse(suggestion.expiresAt) <= Date.parse(now)) {
    throw new BusinessRuleViolation('SUGGESTION_EXPIRED', 'The suggestion has expired', { expiresAt: suggestion.expiresAt });
  }
  return suggestion;
}

/** Only the fields that actually change, so an update that changes nothing records nothing. */
function contactChanges(current: ContactDetails, requested: Partial<ContactDetails>): Partial<ContactDetails> {
  const changes: Partial<ContactDetails> = {};
  for (const field of ['name', 'email', 'phone', 'company'] as const) {
    const value = requested[field];
    if (value !== undefined && value !== (current[field] ?? null)) (changes as Record<string, unknown>)[field] = value;
  }
  return changes;
}

export function decide(command: CustomerCommand, state: CustomerState): CustomerEvent[] {
  switch (command.type) {
    case 'RegisterCustomer': {
      if (state.status !== 'unknown') {
        throw new BusinessRuleViolation('CUSTOMER_ALREADY_EXISTS', 'A customer with this id is already registered');
      }
      const { referrerExists, ...data } = command.data;
      if (data.referredBy !== null && !referrerExists) {
        throw new BusinessRuleViolation('REFERRER_NOT_FOUND', 'The referring customer does not exist', {
          referredBy: data.referredBy,
        });
      }
      if (data.customerSince !== undefined && Date.parse(data.customerSince) > Date.parse(command.now)) {
        throw new BusinessRuleViolation('OCCURRED_IN_FUTURE', 'A customer cannot have become one in the future', {
          customerSince: data.customerSince,
        });
      }
      return [
        {
          type: 'CustomerRegistered',
          data: {
            customerId: data.customerId,
            kind: data.kind,
            name: data.name,
            email: data.email ?? null,
            phone: data.phone ?? null,
            company: data.company ?? null,
            acquisitionChannel: data.acquisitionChannel,
            referredBy: data.referredBy,
            registeredAt: command.now,
            customerSince: data.customerSince ?? command.now,
            source: data.source ?? null,
          },
        },
      ];
    }
    case 'UpdateContactDetails': {
      mustBeActive(state);
      const changes = contactChanges(state.contact!, command.data);
      if (Object.keys(changes).length === 0) return [];
      return [{ type: 'ContactDetailsUpdated', data: { customerId: state.customerId, changes, updatedAt: command.now } }];
    }
    case 'ConvertProspect': {
      mustBeActive(state);
      if (state.status === 'customer') {
        throw new BusinessRuleViolation('CUSTOMER_ALREADY_CONVERTED', 'This is already a customer, not a prospect');
      }
      return [{ type: 'ProspectConverted', data: { customerId: state.customerId, convertedAt: command.now } }];
    }
    case 'RecordInteraction': {
      // Deactivated customers still call and write: their interactions are recorded.
      mustExist(state);
      if (state.interactions.has(command.data.interactionId)) {
        throw new BusinessRuleViolation('INTERACTION_ALREADY_RECORDED', 'This interaction was already recorded');
      }
      if (Date.parse(command.data.occurredAt) > Date.parse(command.now)) {
        throw new BusinessRuleViolation('OCCURRED_IN_FUTURE', 'An interaction cannot be recorded before it happens');
      }
      return [{ type: 'InteractionRecorded', data: { customerId: state.customerId, ...command.data } }];
    }
    case 'RecordPurchase': {
      mustBeActive(state);
      const { purchaseId, lines, margin, currency, occurredAt } = command.data;
      if (state.purchases.has(purchaseId)) {
        throw new BusinessRuleViolation('PURCHASE_ALREADY_RECORDED', 'This purchase was already recorded');
      }
      if (Date.parse(occurredAt) > Date.parse(command.now)) {
        throw new BusinessRuleViolation('OCCURRED_IN_FUTURE', 'A purchase cannot be recorded before it happens');
      }
      assertKnownCurrency(currency);
      lines.forEach((line, i) => assertExactAmount(line.amount, currency, `lines.${i}.amount`));
      assertExactAmount(margin, currency, 'margin');
      // Summed in minor units: 41.31 + 83.62 is 124.93, not 124.92999999999999.
      const amount = sumMoney(
        lines.map((line) => line.amount),
        currency,
      );
      if (margin > amount) {
        throw new BusinessRuleViolation('MARGIN_EXCEEDS_AMOUNT', 'The margin cannot exceed the purchase amount', { amount, margin });
      }
      const events: CustomerEvent[] = [];
      // A prospect who buys has become a customer.
      if (state.status === 'prospect') {
        events.push({ type: 'ProspectConverted', data: { customerId: state.customerId, convertedAt: command.now } });
      }
      events.push({
        type: 'PurchaseRecorded',
        data: { customerId: state.customerId, purchaseId, lines, amount, margin, currency, occurredAt },
      });
      return events;
    }
    case 'SuggestTransaction': {
      mustBeActive(state);
      const { suggestionId, product, expectedValue, currency, expiresAt, probability } = command.data;
      assertKnownCurrency(currency);
      assertExactAmount(expectedValue, currency, 'expectedValue');
      if (state.suggestions.has(suggestionId)) {
        throw new BusinessRuleViolation('SUGGESTION_ALREADY_EXISTS', 'A suggestion with this id already exists');
      }
      if (Date.parse(expiresAt) <= Date.parse(command.now)) {
        throw new BusinessRuleViolation('SUGGESTION_EXPIRY_IN_PAST', 'A suggestion must expire in the future', { expiresAt });
      }
      return [
        {
          type: 'TransactionSuggested',
          data: {
            customerId: state.customerId,
            suggestionId,
            product,
            expectedValue,
            currency,
            expiresAt,
            suggestedAt: command.now,
            ...(probability === undefined ? {} : { probability }),
          },
        },
      ];
    }
    case 'AcceptSuggestion': {
      mustBeActive(state);
      const suggestion = openSuggestion(state, command.data.suggestionId, command.now);
      return [
        {
          type: 'SuggestionAccepted',
          data: {
            customerId: state.customerId,
            suggestionId: command.data.suggestionId,
            expectedValue: suggestion.expectedValue,
            acceptedAt: command.now,
          },
        },
      ];
    }
    case 'DeclineSuggestion': {
      mustBeActive(state);
      openSuggestion(state, command.data.suggestionId, command.now);
      return [
        {
          type: 'SuggestionDeclined',
          data: {
            customerId: state.customerId,
            suggestionId: command.data.suggestionId,
            reason: command.data.reason,
            declinedAt: command.now,
          },
        },
      ];
    }
    case 'RecordReferral': {
      mustBeActive(state);
      const { referredCustomerId, referredExists } = command.data;
      if (referredCustomerId === state.customerId) {
        throw new BusinessRuleViolation('SELF_REFERRAL', 'A customer cannot refer themselves');
      }
      if (!referredExists) {
        throw new BusinessRuleViolation('REFERRED_CUSTOMER_NOT_FOUND', 'The referred customer does not exist', {
          referredCustomerId,
        });
      }
      if (state.referrals.has(referredCustomerId)) {
        throw new BusinessRuleViolation('REFERRAL_ALREADY_RECORDED', 'This referral was already recorded');
      }
      // Credited to this customer on the referred stream only (registered with referredBy, or an interrupted
      // referral): recording it here completes it.
      if (command.data.referredBy !== null && command.data.referredBy !== state.customerId)
        throw referrerAlreadyCredited(command.data.referredBy);
      return [{ type: 'CustomerReferred', data: { customerId: state.customerId, referredCustomerId, referredAt: command.now } }];
    }
    case 'CreditReferrer': {
      mustExist(state);
      const { referredBy } = command.data;
      if (referredBy === state.customerId) throw new BusinessRuleViolation('SELF_REFERRAL', 'A customer cannot refer themselves');
      if (state.referredBy === referredBy) return [];
      if (state.referredBy !== null) throw referrerAlreadyCredited(state.referredBy);
      return [{ type: 'ReferrerCredited', data: { customerId: state.customerId, referredBy, creditedAt: command.now } }];
    }
    case 'DeactivateCustomer': {
      mustExist(state);
      if (state.status === 'deactivated') {
        throw new BusinessRuleViolation('CUSTOMER_ALREADY_DEACTIVATED', 'The customer is already deactivated');
      }
      return [
        {
          type: 'CustomerDeactivated',
          data: { customerId: state.customerId, reason: command.data.reason, deactivatedAt: command.now },
        },
      ];
    }
    case 'ReactivateCustomer': {
      mustExist(state);
      if (state.status !== 'deactivated') {
        throw new BusinessRuleViolation('CUSTOMER_NOT_DEACTIVATED', 'The customer is active');
      }
      return [{ type: 'CustomerReactivated', data: { customerId: state.customerId, reactivatedAt: command.now } }];
    }
    case 'RefundPurchase':
      // A deactivated customer may still bring goods back; a forgotten one is refused (mustExist).
      mustExist(state);
      return decideRefund(command, state.customerId, state.purchases, state.refunds);
    case 'ForgetCustomer': {
      if (state.status === 'unknown' || state.customerId === null) {
        throw new NotFoundError('CUSTOMER_NOT_FOUND', 'No customer with this id');
      }
      // Forgetting again records nothing; the handler still makes sure the key is gone.
      if (state.forgotten) return [];
      return [{ type: 'CustomerForgotten', data: { customerId: state.customerId, forgottenAt: command.now } }];
    }
  }
}

/** A customer has at most one referrer: a second credit is refused, naming the first. */
function referrerAlreadyCredited(referredBy: string): BusinessRuleViolation {
  return new BusinessRuleViolation('REFERRER_ALREADY_CREDITED', 'This customer was already referred by another customer', { referredBy });
}

// ---------------------------------------------------------------- evolve

export function evolve(state: CustomerState, event: CustomerEvent): CustomerState {
  switch (event.type) {
    case 'CustomerRegistered': {
      const { customerId, kind, name, email, phone, company, referredBy } = event.data;
      return { ...state, status: kind, customerId, kind, contact: { name, email, phone, company }, referredBy: referredBy ?? null };
    }
    case 'ContactDetailsUpdated':
      return { ...state, contact: { ...state.contact!, ...event.data.changes } };
    case 'ProspectConverted':
      return { ...state, status: 'customer', kind: 'customer' };
    case 'InteractionRecorded':
      return { ...state, interactions: new Set(state.interactions).add(event.data.interactionId) };
    case 'PurchaseRecorded':
      return { ...state, purchases: new Map(state.purchases).set(event.data.purchaseId, purchaseStateOf(event.data)) };
    case 'PurchaseRefunded': {
      const refunds = new Set(state.refunds).add(event.data.refundId);
      const purchase = event.data.purchaseId === null ? undefined : state.purchases.get(event.data.purchaseId);
      if (!purchase) return { ...state, refunds };
      return { ...state, refunds, purchases: new Map(state.purchases).set(event.data.purchaseId!, refundedPurchase(purchase, event.data)) };
    }
    case 'TransactionSuggested': {
      const { suggestionId, expiresAt, expectedValue } = event.data;
      return { ...state, suggestions: new Map(state.suggestions).set(suggestionId, { status: 'open', expiresAt, expectedValue }) };
    }
    case 'SuggestionAccepted':
    case 'SuggestionDeclined': {
      const current = state.suggestions.get(event.data.suggestionId)!;
      const status = event.type === 'SuggestionAccepted' ? 'accepted' : 'declined';
      return { ...state, suggestions: new Map(state.suggestions).set(event.data.suggestionId, { ...current, status }) };
    }
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
  }
}

export const customerDecider: Decider<CustomerState, CustomerCommand, CustomerEvent> = {
  decide,
  evolve,
  initialState,
  occurredAt: (event) => (event.type === 'CustomerRegistered' ? event.data.customerSince : undefined),
};
