import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import { ERASED } from '../shared/privacy/personal-data';
import type { Document } from '../shared/read-store/read-store.port';
import type { ComplaintEvent, ComplaintStatus } from '../complaints/complaint.events';
import {
  COMPLAINT_STATUS_EVENT_TYPES,
  type ComplaintStatusFacts,
  INITIAL_STATUS_FACTS,
  nextStatusFacts,
  statusFromFacts,
} from '../complaints/complaint-status';
import type { CustomerSegmentChanged } from '../analytics/segmentation.events';
import { CUSTOMER_OWNER_EVENT_TYPES, type CustomerOwnerAssigned } from './customer-owner.events';
import { addMoney, DEFAULT_CURRENCY } from '../shared/money/money';
import type { CurrencySeenDoc } from '../shared/money/currency-choice';
import { CUSTOMER_EVENT_TYPES, type CustomerEvent, type CustomerKind, type PurchaseLine } from './customer.events';
import { projectRefund, purchaseRefundFields, type RefundView } from './customer-refunds.projection';

export interface SuggestionView {
  suggestionId: string;
  product: string;
  expectedValue: number;
  /** ISO 4217 code of expectedValue. */
  currency: string;
  expiresAt: string;
  suggestedAt: string;
  status: 'open' | 'accepted' | 'declined';
  decidedAt: string | null;
  declineReason: string | null;
}

/** One of the customer's complaints, as their profile lists it. */
export interface CustomerComplaintEntry {
  complaintId: string;
  number: string;
  status: ComplaintStatus;
  category: string;
  registeredAt: string;
  closedAt: string | null;
}

/**
 * Who filed each complaint, its status facts (complaint events after registration do not name the
 * customer) and its entry in the customer's complaint list. The list is read from these documents
 * (by customerId, in `order`), so a complaint event rewrites one small document, not a list that
 * grows with the customer's history.
 */
export interface ComplaintOwnerDoc extends Document {
  complaintId: string;
  customerId: string;
  facts: ComplaintStatusFacts;
  entry: CustomerComplaintEntry;
  /** The registration event's position, zero-padded: sorts as the log does (registration order). */
  order: string;
}

/** One period of ownership, as the profile lists it. */
export interface CustomerOwnerEntry {
  owner: string;
  from: string;
}

/** A customer's complaint list from their complaints' owner documents, in registration order. */
export function complaintList(owners: readonly ComplaintOwnerDoc[]): CustomerComplaintEntry[] {
  return [...owners].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0)).map((owner) => owner.entry);
}

/** Wide enough for any EventStoreDB commit position (a 64-bit integer). */
const ORDER_DIGITS = 20;

/** The customer profile as agents see it (`GET /customers/:id`). */
export interface CustomerProfileDoc extends Document {
  customerId: string;
  status: 'prospect' | 'customer' | 'deactivated';
  kind: CustomerKind;
  name: string;
  /** Lower-cased name, email and company, and the phone's digits, for the `q` search. */
  search: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  acquisitionChannel: string;
  registeredAt: string;
  convertedAt: string | null;
  deactivatedAt: string | null;
  deactivationReason: string | null;
  /** Current value (VAC): what the customer has brought so far, net of refunds (customer-refunds.projection.ts); money per currency, never summed across them. */
  currentValue: {
    /** Purchases in every currency (a count, not money). */
    purchaseCount: number;
    /**
     * What the customer has brought per currency (amounts summed in its minor units), net of refunds:
     * `refunded` is the money given back, `fullyRefundedPurchases` the purchases refunded in full
     * (still in purchaseCount).
     */
    byCurrency: Record<
      string,
      { revenue: number; margin: number; purchaseCount: number; refunded?: number; fullyRefundedPurchases?: number }
    >;
    firstPurchaseAt: string | null;
    lastPurchaseAt: string | null;
  };
  suggestions: SuggestionView[];
  suggestionsAccepted: number;
  suggestionsDeclined: number;
  referralsMade: string[];
  referredBy: string | null;
  interactionCount: number;
  lastInteractionAt: string | null;
  /** The segment per scheme after the last segmentation run (analytics' customer-segments stream: no effect on `revision`). */
  segments: Record<string, string | null>;
  /**
   * The account manager and who held the customer before, oldest first (the customer-owner stream:
   * no effect on `revision`). Absent on profiles projected before owners existed: no owner yet.
   */
  owner?: string | null;
  ownerHistory?: CustomerOwnerEntry[];
  /** Stream revision of the last event applied: the ETag of the resource. */
  revision: number;
  updatedAt: string;
}

export type CurrencyValue = CustomerProfileDoc['currentValue']['byCurrency'][string];

export interface InteractionDoc extends Document {
  customerId: string;
  interactionId: string;
  channel: string;
  direction: string;
  summary: string;
  agent: string;
  occurredAt: string;
  recordedAt: string;
}

/** One purchase as the purchase history lists it (`GET /customers/:id/purchases`), amounts in its own currency. */
export interface PurchaseDoc extends Document {
  customerId: string;
  purchaseId: string;
  occurredAt: string;
  recordedAt: string;
  currency: string;
  amount: number;
  margin: number;
  lines: PurchaseLine[];
  /** Refunds of the purchase, in the order recorded. */
  refunds: RefundView[];
  refunded: number;
  /** amount - refunded. */
  netAmount: number;
}

export const CUSTOMER_PROFILE_PROJECTION = 'customer-profile';
export const CUSTOMERS_COLLECTION = 'customers';
export const INTERACTIONS_COLLECTION = 'interactions';
export const COMPLAINT_OWNERS_COLLECTION = 'complaint-owners';
export const PURCHASES_COLLECTION = 'purchases';
/** One document per currency purchases were recorded in (CurrencySeenDoc): the choice of `?currency=`. */
export const PROFILE_CURRENCIES_COLLECTION = 'currencies';
const SEGMENT_CHANGED: CustomerSegmentChanged['type'] = 'CustomerSegmentChanged';
const OWNER_ASSIGNED: CustomerOwnerAssigned['type'] = 'CustomerOwnerAssigned';

const later = (a: string | null, b: string): string => (a === null || b > a ? b : a);
const earlier = (a: string | null, b: string): string => (a === null || b < a ? b : a);
/** Phone numbers are searched by their digits, however they were written ("+351 910-000" finds 351910000...). */
export const phoneDigits = (phone: string | null | undefined): string => (phone ?? '').replace(/\D/g, '');
const searchText = (name: string, email: string | null, company: string | null, phone: string | null): string =>
  [name, email, company, phoneDigits(phone)].filter(Boolean).join(' ').toLowerCase();

const COMPLAINT_TYPES: ReadonlySet<string> = new Set(COMPLAINT_STATUS_EVENT_TYPES);

/** Keeps the profile's complaint list: added on registration, status and closure followed from then on. */
async function handleComplaint(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const owners = ctx.collection<ComplaintOwnerDoc>(COMPLAINT_OWNERS_COLLECTION);
  const e = { type: event.type, data: event.data } as ComplaintEvent;
  const complaintId = e.data.complaintId;

  if (e.type === 'ComplaintRegistered') {
    const facts = nextStatusFacts(INITIAL_STATUS_FACTS, e);
    const entry: CustomerComplaintEntry = {
      complaintId,
      number: e.data.number,
      status: statusFromFacts(facts),
      category: e.data.category,
      registeredAt: e.data.receivedAt,
      closedAt: null,
    };
    const order = event.position.toString().padStart(ORDER_DIGITS, '0');
    await owners.replace(complaintId, { complaintId, customerId: e.data.customerId, facts, entry, order });
    return;
  }

  const owner = await owners.get(complaintId);
  if (!owner) return;
  const facts = nextStatusFacts(owner.facts, e);
  if (JSON.stringify(facts) === JSON.stringify(owner.facts)) return;
  const closedAt = e.type === 'ComplaintClosed' ? e.data.closedAt : e.type === 'ComplaintReopened' ? null : undefined;
  await owners.update(complaintId, {
    $set: { facts, 'entry.status': statusFromFacts(facts), ...(closedAt === undefined ? {} : { 'entry.closedAt': closedAt }) },
  });
}

// Long because it is one dispatch with a case per customer event: the list of what each event does
// to the profile document. Complaint events have their own handler (handleComplaint).
async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  if (COMPLAINT_TYPES.has(event.type)) return handleComplaint(event, ctx);
  if (event.type === SEGMENT_CHANGED) {
    const { customerId, scheme, to } = event.data as CustomerSegmentChanged['data'];
    await ctx.collection<CustomerProfileDoc>(CUSTOMERS_COLLECTION).update(customerId, { $set: { [`segments.${scheme}`]: to } });
    return;
  }
  if (event.type === OWNER_ASSIGNED) {
    const { customerId, owner, assignedAt } = event.data as CustomerOwnerAssigned['data'];
    const entry: CustomerOwnerEntry = { owner, from: assignedAt };
    await ctx.collection<CustomerProfileDoc>(CUSTOMERS_COLLECTION).update(customerId, { $set: { owner }, $push: { ownerHistory: entry } });
    return;
  }
  const customers = ctx.collection<CustomerProfileDoc>(CUSTOMERS_COLLECTION);
  const e = { type: event.type, data: event.data } as CustomerEvent;
  const customerId = e.data.customerId;
  const stamp = { revision: Number(event.revision), updatedAt: event.metadata.recordedAt };

  switch (e.type) {
    case 'CustomerRegistered': {
      const d = e.data;
      const doc: Omit<CustomerProfileDoc, '_id'> = {
        customerId,
        status: d.kind,
        kind: d.kind,
        name: d.name,
        search: searchText(d.name, d.email ?? null, d.company ?? null, d.phone ?? null),
        email: d.email ?? null,
        phone: d.phone ?? null,
        company: d.company ?? null,
        acquisitionChannel: d.acquisitionChannel,
        registeredAt: d.registeredAt,
        convertedAt: d.kind === 'customer' ? d.registeredAt : null,
        deactivatedAt: null,
        deactivationReason: null,
        currentValue: { purchaseCount: 0, byCurrency: {}, firstPurchaseAt: null, lastPurchaseAt: null },
        suggestions: [],
        suggestionsAccepted: 0,
        suggestionsDeclined: 0,
        referralsMade: [],
        referredBy: d.referredBy,
        interactionCount: 0,
        lastInteractionAt: null,
        segments: {},
        ...stamp,
      };
      await customers.replace(customerId, doc);
      if (d.referredBy) await customers.update(d.referredBy, { $addToSet: { referralsMade: customerId } });
      return;
    }
    case 'ContactDetailsUpdated': {
      const current = await customers.get(customerId);
      if (!current) return;
      const next = { ...pickContact(current), ...e.data.changes };
      await customers.update(customerId, {
        $set: { ...e.data.changes, search: searchText(next.name, next.email ?? null, next.company ?? null, next.phone ?? null), ...stamp },
      });
      return;
    }
    case 'ProspectConverted':
      await customers.update(customerId, { $set: { status: 'customer', kind: 'customer', convertedAt: e.data.convertedAt, ...stamp } });
      return;
    case 'InteractionRecorded': {
      const d = e.data;
      const current = await customers.get(customerId);
      await ctx.collection<InteractionDoc>(INTERACTIONS_COLLECTION).replace(d.interactionId, {
        customerId,
        interactionId: d.interactionId,
        channel: d.channel,
        direction: d.direction,
        summary: d.summary,
        agent: d.agent,
        occurredAt: d.occurredAt,
        recordedAt: event.metadata.recordedAt,
      });
      await customers.update(customerId, {
        $inc: { interactionCount: 1 },
        $set: { lastInteractionAt: later(current?.lastInteractionAt ?? null, d.occurredAt), ...stamp },
      });
      return;
    }
    case 'PurchaseRecorded': {
      const current = await customers.get(customerId);
      if (!current) return;
      const value = current.currentValue;
      const d = e.data;
      await ctx.collection<PurchaseDoc>(PURCHASES_COLLECTION).replace(`${customerId}:${d.purchaseId}`, {
        customerId,
        purchaseId: d.purchaseId,
        occurredAt: d.occurredAt,
        recordedAt: event.metadata.recordedAt,
        currency: d.currency,
        amount: d.amount,
        margin: d.margin,
        lines: d.lines,
        ...purchaseRefundFields(d.amount),
      });
      const currency = d.currency ?? DEFAULT_CURRENCY;
      const before = value.byCurrency[currency] ?? { revenue: 0, margin: 0, purchaseCount: 0 };
      await customers.update(customerId, {
        $set: {
          currentValue: {
            purchaseCount: value.purchaseCount + 1,
            byCurrency: {
              ...value.byCurrency,
              [currency]: {
                ...before,
                revenue: addMoney(before.revenue, d.amount, currency),
                margin: addMoney(before.margin, d.margin, currency),
                purchaseCount: before.purchaseCount + 1,
              },
            },
            firstPurchaseAt: earlier(value.firstPurchaseAt, e.data.occurredAt),
            lastPurchaseAt: later(value.lastPurchaseAt, e.data.occurredAt),
          },
          ...stamp,
        },
      });
      await ctx.collection<CurrencySeenDoc>(PROFILE_CURRENCIES_COLLECTION).update(currency, { $inc: { purchases: 1 } }, { upsert: true });
      return;
    }
    case 'PurchaseRefunded':
      return projectRefund(e.data, event.metadata.recordedAt, customers, ctx.collection<PurchaseDoc>(PURCHASES_COLLECTION), stamp);
    case 'TransactionSuggested': {
      const d = e.data;
      const suggestion: SuggestionView = {
        suggestionId: d.suggestionId,
        product: d.product,
        expectedValue: d.expectedValue,
        currency: d.currency ?? DEFAULT_CURRENCY,
        expiresAt: d.expiresAt,
        suggestedAt: d.suggestedAt,
        status: 'open',
        decidedAt: null,
        declineReason: null,
      };
      await customers.update(customerId, { $push: { suggestions: suggestion }, $set: stamp });
      return;
    }
    case 'SuggestionAccepted':
    case 'SuggestionDeclined': {
      const current = await customers.get(customerId);
      if (!current) return;
      const accepted = e.type === 'SuggestionAccepted';
      const decidedAt = accepted ? e.data.acceptedAt : e.data.declinedAt;
      const suggestions = current.suggestions.map((s) =>
        s.suggestionId === e.data.suggestionId
          ? {
              ...s,
              status: accepted ? ('accepted' as const) : ('declined' as const),
              decidedAt,
              declineReason: accepted ? null : e.data.reason,
            }
          : s,
      );
      await customers.update(customerId, {
        $set: { suggestions, ...stamp },
        $inc: accepted ? { suggestionsAccepted: 1 } : { suggestionsDeclined: 1 },
      });
      return;
    }
    case 'CustomerReferred':
      await customers.update(customerId, { $addToSet: { referralsMade: e.data.referredCustomerId }, $set: stamp });
      // The referred customer's own stream is not touched; only their profile says who referred them.
      await customers.update(e.data.referredCustomerId, { $set: { referredBy: customerId } });
      return;
    case 'ReferrerCredited':
      await customers.update(customerId, { $set: { referredBy: e.data.referredBy, ...stamp } });
      await customers.update(e.data.referredBy, { $addToSet: { referralsMade: customerId } });
      return;
    case 'CustomerDeactivated':
      await customers.update(customerId, {
        $set: { status: 'deactivated', deactivatedAt: e.data.deactivatedAt, deactivationReason: e.data.reason, ...stamp },
      });
      return;
    case 'CustomerReactivated': {
      const current = await customers.get(customerId);
      await customers.update(customerId, {
        $set: { status: current?.kind ?? 'customer', deactivatedAt: null, deactivationReason: null, ...stamp },
      });
      return;
    }
    case 'CustomerForgotten':
      return forget(customerId, stamp, ctx);
  }
}

/**
 * The right to be forgotten: every personal value the read models copied from the customer's
 * events becomes ERASED, as it reads from the events themselves once the key is deleted; a rebuild
 * therefore gives the same documents. Nulls stay null (nothing was there).
 */
async function forget(customerId: string, stamp: { revision: number; updatedAt: string }, ctx: ProjectionContext): Promise<void> {
  const customers = ctx.collection<CustomerProfileDoc>(CUSTOMERS_COLLECTION);
  const interactions = ctx.collection<InteractionDoc>(INTERACTIONS_COLLECTION);
  const erase = (value: string | null): string | null => (value === null ? null : ERASED);
  const current = await customers.get(customerId);
  if (current) {
    const email = erase(current.email);
    const company = erase(current.company);
    await customers.update(customerId, {
      $set: {
        name: ERASED,
        email,
        phone: erase(current.phone),
        company,
        search: searchText(ERASED, email, company, null),
        deactivationReason: erase(current.deactivationReason),
        suggestions: current.suggestions.map((s) => ({ ...s, declineReason: erase(s.declineReason) })),
        ...stamp,
      },
    });
  }
  const ids: string[] = [];
  for await (const doc of interactions.findAll({ customerId })) ids.push(doc._id);
  for (const id of ids) await interactions.update(id, { $set: { summary: ERASED } });
}

function pickContact(doc: CustomerProfileDoc) {
  return { name: doc.name, email: doc.email, phone: doc.phone, company: doc.company };
}

export const customerProfileProjection: ProjectionDefinition = {
  name: CUSTOMER_PROFILE_PROJECTION,
  // 2: profiles list the customer's complaints. 3: phone digits in `search`, segments, the purchases collection.
  // 4: refunds (purchases list theirs and their net amount; current value is net, with refunded totals).
  // 5: the complaint list kept in the complaint owners' documents, not in the profile.
  // 6: current value per currency (currentValue.byCurrency, refunds netted per currency), suggestions with their currency, the currencies collection.
  version: 6,
  // Reads personal fields: names, contact details and interaction summaries are shown on the profile.
  needsPlaintext: true,
  eventTypes: [...CUSTOMER_EVENT_TYPES, ...COMPLAINT_STATUS_EVENT_TYPES, SEGMENT_CHANGED, ...CUSTOMER_OWNER_EVENT_TYPES],
  collections: {
    [CUSTOMERS_COLLECTION]: {
      indexes: [
        { keys: { status: 1, registeredAt: -1 } },
        { keys: { registeredAt: -1 } },
        { keys: { email: 1 } },
        { keys: { acquisitionChannel: 1, registeredAt: -1 } },
      ],
    },
    [PROFILE_CURRENCIES_COLLECTION]: {},
    [PURCHASES_COLLECTION]: { indexes: [{ keys: { customerId: 1, occurredAt: -1 } }] },
    [INTERACTIONS_COLLECTION]: { indexes: [{ keys: { customerId: 1, occurredAt: -1 } }] },
    [COMPLAINT_OWNERS_COLLECTION]: { indexes: [{ keys: { customerId: 1, order: 1 } }] },
  },
  handle,
};
