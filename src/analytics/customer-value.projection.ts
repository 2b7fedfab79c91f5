/**
 * The `customer-value` projection: what lifetime value, RFM and the value matrix need about each
 * customer, from the customer events only.
 *
 * - `customers`: one small document per customer: current value (VAC) totals, the purchase DAYS as a
 *   compact [day, amount] array (day = days since 1970-01-01, UTC; same-day purchases summed, since
 *   the CLV models and RFM count a day as one transaction), and the suggestions with their decision
 *   times, so potential value (VPC) can be computed as of any instant.
 * - `product-interest`: one document per (customer, product) bought: the micro-segments by product.
 * - `products`: one document per product: how many customers bought it (micro-segment sizes).
 *
 * - `currencies`: one document per currency purchases were recorded in (the choice of `?currency=`).
 *
 * Money is kept per currency, never summed across them: a customer document holds its figures in
 * `byCurrency` and its purchase days in `days`, both keyed by ISO 4217 code, and suggestions carry
 * their currency. `inCurrency` (value-currency.ts) reads a document as the single-currency view the analyses work on.
 *
 * The customer's name is the only personal value kept (for lists); CustomerForgotten erases it.
 *
 * Documents are written at most once per event (the runner's position guard); a purchase touches its
 * customer and, per distinct product in its lines, one product-interest and one product document.
 */
import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import { type CustomerEvent, customerSinceOf, type PurchaseLine } from '../customers/customer.events';
import { ERASED } from '../shared/privacy/personal-data';
import { dayNumber } from './clv/summary';
import { averageOrderValueOf, projectValueRefund } from './customer-value-refunds';
import { addMoney, DEFAULT_CURRENCY, roundMoney } from '../shared/money/money';
import type { CurrencySeenDoc } from '../shared/money/currency-choice';

export const CUSTOMER_VALUE_PROJECTION = 'customer-value';
export const VALUE_CUSTOMERS_COLLECTION = 'customers';
export const PRODUCT_INTEREST_COLLECTION = 'product-interest';
export const PRODUCTS_COLLECTION = 'products';
export const VALUE_CURRENCIES_COLLECTION = 'currencies';

/** [day number (UTC), total amount of the day]. */
export type PurchaseDay = [day: number, amount: number];

export interface ValueSuggestion {
  suggestionId: string;
  product: string;
  expectedValue: number;
  /** ISO 4217 code of expectedValue. */
  currency: string;
  suggestedAt: string;
  expiresAt: string;
  status: 'open' | 'accepted' | 'declined';
  decidedAt: string | null;
  /**
   * The agent's probability that it is taken; null when none was given. Optional: documents built
   * before it existed lack it, which means the same (no earlier event carries one, so no rebuild).
   */
  probability?: number | null;
}

/**
 * What the CLV models need of the purchase days, kept beside them so that lists can leave the days
 * out (they are most of a heavy buyer's document): read with the days up to the last one, it gives
 * the same x, t_x, T and monetary value as summarising the days themselves.
 */
export interface PurchaseDaysSummary {
  /** Distinct purchase days. */
  days: number;
  firstDay: number | null;
  firstAmount: number;
  lastDay: number | null;
  /** Spend of the days after the first, summed in day order (as the CLV summary sums it). */
  repeatSpend: number;
}

export function summarizeDays(days: readonly PurchaseDay[]): PurchaseDaysSummary {
  let repeatSpend = 0;
  for (let i = 1; i < days.length; i++) repeatSpend += days[i][1];
  return {
    days: days.length,
    firstDay: days.length > 0 ? days[0][0] : null,
    firstAmount: days.length > 0 ? days[0][1] : 0,
    lastDay: days.length > 0 ? days[days.length - 1][0] : null,
    repeatSpend,
  };
}

/** What a customer has brought in one currency. */
export interface CurrencyFigures {
  revenue: number;
  margin: number;
  purchaseCount: number;
  /** revenue / purchaseCount (0 before the first purchase); stored so lists can sort on it. */
  averageOrderValue: number;
  firstPurchaseAt: string | null;
  lastPurchaseAt: string | null;
  /** Summary of the currency's `days`, kept with them. */
  daySummary: PurchaseDaysSummary;
  /*
   * Refunds in this currency (customer-value-refunds.ts has the rules). Written once a refund comes;
   * optional so that documents built by hand (tests, tools) without refunds need not spell them out.
   */
  /** Money refunded (already off revenue and margin). */
  refunded?: number;
  /** Purchases refunded in full (still in purchaseCount; not in averageOrderValue's divisor). */
  fullyRefundedPurchases?: number;
  /** Refunds not tied to a recorded purchase, [refund day, amount] ascending: off revenue and RFM monetary, not off any transaction day. */
  unmatchedRefunds?: PurchaseDay[];
}

/** Fields every currency shares. */
interface CustomerFields extends Document {
  customerId: string;
  name: string;
  status: 'prospect' | 'customer' | 'deactivated';
  kind: 'prospect' | 'customer';
  /** Record time of the registration. */
  registeredAt: string;
  /** Business time: when they became a customer (customerSince; the registration's record time for older events). */
  customerSince: string;
  acquisitionChannel: string;
  /** The customer who referred them, if any. */
  referredBy: string | null;
  /** Referrals they made (CustomerReferred), with business time: the referred customer's id and when. */
  referrals: { customerId: string; at: string }[];
  /** Every currency's suggestions (a view in one currency keeps that currency's). */
  suggestions: ValueSuggestion[];
  suggestionsAccepted: number;
  suggestionsDeclined: number;
  updatedAt: string;
}

/** The stored document: figures and purchase days per currency. */
export interface StoredValueDoc extends CustomerFields {
  byCurrency: Record<string, CurrencyFigures>;
  /** Purchase days per currency, ascending; left out by lists. */
  days?: Record<string, PurchaseDay[]>;
}

/** A customer-value document's fields in one currency, but the purchase days. */
export interface CustomerValueFields extends CustomerFields, CurrencyFigures {
  /** The currency of every amount in this view. */
  currency: string;
}

/** A customer's value in one currency (`inCurrency`), as the analyses work on it. */
export interface CustomerValueDoc extends CustomerValueFields {
  /** Purchase days, ascending. */
  days: PurchaseDay[];
}

/** A customer-value view as a list reads it: without the purchase days (their summary stays). */
export interface ValueListDoc extends CustomerValueFields {
  days?: PurchaseDay[];
}

/** The figures of a currency the customer never bought in. */
export const NO_FIGURES: CurrencyFigures = {
  revenue: 0,
  margin: 0,
  purchaseCount: 0,
  averageOrderValue: 0,
  firstPurchaseAt: null,
  lastPurchaseAt: null,
  daySummary: summarizeDays([]),
};

export interface ProductInterestDoc extends Document {
  customerId: string;
  product: string;
  /** Purchases that had this product in a line. */
  purchases: number;
  quantity: number;
  /** Spend on the product per currency. */
  amounts: Record<string, number>;
  firstPurchaseAt: string;
  lastPurchaseAt: string;
}

export interface ProductDoc extends Document {
  product: string;
  /** Distinct customers who bought it. */
  customers: number;
  purchases: number;
  quantity: number;
  /** Spend on the product per currency. */
  amounts: Record<string, number>;
}
const later = (a: string | null, b: string): string => (a === null || b > a ? b : a);
const earlier = (a: string | null, b: string): string => (a === null || b < a ? b : a);

/** Customer ids are uuids (no slash): the product is everything after the first slash. */
export const productInterestId = (customerId: string, product: string): string => `${customerId}/${product}`;

/** The days with one more purchase merged in, still ascending. */
export function addPurchaseDay(days: readonly PurchaseDay[], day: number, amount: number, currency: string): PurchaseDay[] {
  const next = days.map(([d, a]) => [d, a] as PurchaseDay);
  const index = next.findIndex(([d]) => d >= day);
  if (index >= 0 && next[index][0] === day) next[index][1] = addMoney(next[index][1], amount, currency);
  else if (index >= 0) next.splice(index, 0, [day, roundMoney(amount, currency)]);
  else next.push([day, roundMoney(amount, currency)]);
  return next;
}

/** Lines of one purchase summed per product (a product may appear on several lines). */
function linesByProduct(lines: readonly PurchaseLine[], currency: string): Map<string, { quantity: number; amount: number }> {
  const byProduct = new Map<string, { quantity: number; amount: number }>();
  for (const line of lines) {
    const entry = byProduct.get(line.product) ?? { quantity: 0, amount: 0 };
    entry.quantity += line.quantity;
    entry.amount = addMoney(entry.amount, line.amount, currency);
    byProduct.set(line.product, entry);
  }
  return byProduct;
}

const addTo = (amounts: Record<string, number> | undefined, currency: string, amount: number): Record<string, number> => ({
  ...amounts,
  [currency]: addMoney(amounts?.[currency] ?? 0, amount, currency),
});

async function recordPurchase(
  e: Extract<CustomerEvent, { type: 'PurchaseRecorded' }>,
  ctx: ProjectionContext,
  stamp: { updatedAt: string },
): Promise<void> {
  const customers = ctx.collection<StoredValueDoc>(VALUE_CUSTOMERS_COLLECTION);
  const current = await customers.get(e.data.customerId);
  if (!current) return;
  const { customerId, occurredAt, amount, margin, lines } = e.data;
  const currency = e.data.currency || DEFAULT_CURRENCY;
  const before = current.byCurrency[currency] ?? NO_FIGURES;
  const revenue = addMoney(before.revenue, amount, currency);
  const purchaseCount = before.purchaseCount + 1;
  const days = addPurchaseDay(current.days?.[currency] ?? [], dayNumber(occurredAt), amount, currency);
  const figures: CurrencyFigures = {
    ...before,
    revenue,
    margin: addMoney(before.margin, margin, currency),
    purchaseCount,
    averageOrderValue: averageOrderValueOf({ revenue, purchaseCount, fullyRefundedPurchases: before.fullyRefundedPurchases }, currency),
    firstPurchaseAt: earlier(before.firstPurchaseAt, occurredAt),
    lastPurchaseAt: later(before.lastPurchaseAt, occurredAt),
    daySummary: summarizeDays(days),
  };
  await customers.update(customerId, { $set: { [`byCurrency.${currency}`]: figures, [`days.${currency}`]: days, ...stamp } });
  await ctx.collection<CurrencySeenDoc>(VALUE_CURRENCIES_COLLECTION).update(currency, { $inc: { purchases: 1 } }, { upsert: true });

  const interests = ctx.collection<ProductInterestDoc>(PRODUCT_INTEREST_COLLECTION);
  const products = ctx.collection<ProductDoc>(PRODUCTS_COLLECTION);
  for (const [product, line] of linesByProduct(lines, currency)) {
    const id = productInterestId(customerId, product);
    const interest = await interests.get(id);
    if (interest) {
      await interests.update(id, {
        $inc: { purchases: 1, quantity: line.quantity },
        $set: {
          amounts: addTo(interest.amounts, currency, line.amount),
          firstPurchaseAt: earlier(interest.firstPurchaseAt, occurredAt),
          lastPurchaseAt: later(interest.lastPurchaseAt, occurredAt),
        },
      });
    } else {
      await interests.replace(id, {
        customerId,
        product,
        purchases: 1,
        quantity: line.quantity,
        amounts: { [currency]: line.amount },
        firstPurchaseAt: occurredAt,
        lastPurchaseAt: occurredAt,
      });
    }
    const known = await products.get(product);
    await products.update(
      product,
      {
        $setOnInsert: { product },
        $inc: { customers: interest ? 0 : 1, purchases: 1, quantity: line.quantity },
        $set: { amounts: addTo(known?.amounts, currency, line.amount) },
      },
      { upsert: true },
    );
  }
}

// Long because it is one switch with a case per customer event: the list of what each event does to
// the value document. The cases that grow (purchases, refunds) are functions of their own.
async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const customers = ctx.collection<StoredValueDoc>(VALUE_CUSTOMERS_COLLECTION);
  const e = { type: event.type, data: event.data } as CustomerEvent;
  const stamp = { updatedAt: event.metadata.recordedAt };
  switch (e.type) {
    case 'CustomerRegistered': {
      const d = e.data;
      await customers.replace(d.customerId, {
        customerId: d.customerId,
        name: d.name,
        status: d.kind,
        kind: d.kind,
        registeredAt: d.registeredAt,
        customerSince: customerSinceOf(d),
        acquisitionChannel: d.acquisitionChannel,
        referredBy: d.referredBy,
        referrals: [],
        byCurrency: {},
        days: {},
        suggestions: [],
        suggestionsAccepted: 0,
        suggestionsDeclined: 0,
        ...stamp,
      });
      return;
    }
    case 'ContactDetailsUpdated':
      if (e.data.changes.name !== undefined) await customers.update(e.data.customerId, { $set: { name: e.data.changes.name, ...stamp } });
      return;
    case 'ProspectConverted':
      await customers.update(e.data.customerId, { $set: { status: 'customer', kind: 'customer', ...stamp } });
      return;
    case 'PurchaseRecorded':
      return recordPurchase(e, ctx, stamp);
    case 'PurchaseRefunded':
      return projectValueRefund(
        e.data,
        ctx,
        { customers: VALUE_CUSTOMERS_COLLECTION, interests: PRODUCT_INTEREST_COLLECTION, products: PRODUCTS_COLLECTION },
        productInterestId,
        summarizeDays,
        NO_FIGURES,
        stamp,
      );
    case 'TransactionSuggested': {
      const d = e.data;
      const suggestion: ValueSuggestion = {
        suggestionId: d.suggestionId,
        product: d.product,
        expectedValue: d.expectedValue,
        currency: d.currency ?? DEFAULT_CURRENCY,
        suggestedAt: d.suggestedAt,
        expiresAt: d.expiresAt,
        status: 'open',
        decidedAt: null,
        probability: d.probability ?? null,
      };
      await customers.update(d.customerId, { $push: { suggestions: suggestion }, $set: stamp });
      return;
    }
    case 'SuggestionAccepted':
    case 'SuggestionDeclined': {
      const current = await customers.get(e.data.customerId);
      if (!current) return;
      const accepted = e.type === 'SuggestionAccepted';
      const decidedAt = accepted ? e.data.acceptedAt : e.data.declinedAt;
      const suggestions = current.suggestions.map((s) =>
        s.suggestionId === e.data.suggestionId ? { ...s, status: accepted ? ('accepted' as const) : ('declined' as const), decidedAt } : s,
      );
      await customers.update(e.data.customerId, {
        $set: { suggestions, ...stamp },
        $inc: accepted ? { suggestionsAccepted: 1 } : { suggestionsDeclined: 1 },
      });
      return;
    }
    case 'CustomerReferred':
      await customers.update(e.data.customerId, {
        $push: { referrals: { customerId: e.data.referredCustomerId, at: e.data.referredAt } },
        $set: stamp,
      });
      return;
    case 'CustomerDeactivated':
      await customers.update(e.data.customerId, { $set: { status: 'deactivated', ...stamp } });
      return;
    case 'CustomerReactivated': {
      const current = await customers.get(e.data.customerId);
      if (!current) return;
      await customers.update(e.data.customerId, { $set: { status: current.kind, ...stamp } });
      return;
    }
    case 'CustomerForgotten':
      // The only personal value copied here; the events read the same once the key is deleted.
      await customers.update(e.data.customerId, { $set: { name: ERASED, ...stamp } });
      return;
    default:
      return;
  }
}

/** Sort keys offered by GET /analytics/lifetime-value that the store sorts (the others are computed), under `byCurrency.<code>.`. */
export const STORED_VALUE_SORTS = ['revenue', 'margin', 'purchaseCount', 'averageOrderValue', 'lastPurchaseAt', 'firstPurchaseAt'] as const;

/** The stored field of a figure in a currency. */
export const figureField = (currency: string, field: keyof CurrencyFigures): string => `byCurrency.${currency}.${field}`;

export const customerValueProjection: ProjectionDefinition = {
  name: CUSTOMER_VALUE_PROJECTION,
  // 2: a summary of the purchase days beside them (lists leave the days out); 3: customerSince
  // (business time), acquisition channel, referrer and referrals made; 4: refunds netted (refunded,
  // fullyRefundedPurchases, unmatchedRefunds; days and averageOrderValue net); 5: figures and days per
  // currency (byCurrency, days, refunds netted in their currency), suggestions with their currency,
  // product amounts per currency, the currencies collection.
  version: 5,
  // Reads personal fields: the customer's name is shown beside their value.
  needsPlaintext: true,
  eventTypes: [
    'CustomerRegistered',
    'ContactDetailsUpdated',
    'ProspectConverted',
    'PurchaseRecorded',
    'TransactionSuggested',
    'SuggestionAccepted',
    'SuggestionDeclined',
    'CustomerReferred',
    'CustomerDeactivated',
    'CustomerReactivated',
    'CustomerForgotten',
    'PurchaseRefunded',
  ] satisfies CustomerEvent['type'][],
  collections: {
    // Sorts are per currency (byCurrency.<code>.<field>): no index can name every code in advance.
    [VALUE_CUSTOMERS_COLLECTION]: { indexes: [{ keys: { status: 1 } }] },
    [PRODUCT_INTEREST_COLLECTION]: {
      indexes: [{ keys: { product: 1, purchases: -1 } }, { keys: { customerId: 1, purchases: -1 } }],
    },
    [PRODUCTS_COLLECTION]: { indexes: [{ keys: { customers: -1 } }] },
    [VALUE_CURRENCIES_COLLECTION]: {},
  },
  handle,
};
