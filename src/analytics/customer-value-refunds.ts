/**
 * How the customer-value projection (customer-value.projection.ts) nets refunds, and the pure
 * helpers the analyses use to read them. The rules (docs/analysts.md, "Refunds and returns"):
 *
 * - VAC: revenue and margin are net of every refund; `refunded` is the money given back.
 * - A refund of a recorded purchase nets that purchase's transaction: the amount comes off the
 *   purchase DAY (the day it was bought, not the day of the refund), so RFM monetary and the CLV
 *   models' spend per transaction are what the customer kept. A day whose purchases were all
 *   refunded in full (net 0) is no transaction any more: it leaves `days` (RFM frequency, CLV x).
 * - A refund not tied to a recorded purchase (an imported cancellation of a sale older than the
 *   records) has no transaction to net: it is kept by refund day in `unmatchedRefunds` and comes off
 *   revenue, revenue as of a day and RFM monetary, never off the CLV transactions.
 * - averageOrderValue = net revenue / purchases not refunded in full (0 when none is left).
 * - Product interest: goods returned from a recorded purchase come off the quantity and amount the
 *   customer bought of the product (the customer still counts as having bought it).
 */
import type { ProjectionContext } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import type { PurchaseRefunded } from '../customers/customer.events';
import { dayNumber } from './clv/summary';

/** [day number (UTC), amount] as in customer-value.projection.ts. */
type Day = [day: number, amount: number];

interface RefundableValueDoc extends Document {
  revenue: number;
  margin: number;
  purchaseCount: number;
  refunded?: number;
  fullyRefundedPurchases?: number;
  days: Day[];
  unmatchedRefunds?: Day[];
}

interface ProductAmounts extends Document {
  quantity: number;
  amount: number;
}

const cents = (value: number): number => Math.round(value * 100) / 100;

/** The refund fields of a customer-value document, as a customer starts. */
export const NO_VALUE_REFUNDS = { refunded: 0, fullyRefundedPurchases: 0, unmatchedRefunds: [] as Day[] };

/** The days with a refund taken off the purchase day; a day that nets to zero or less is no transaction. */
export function netPurchaseDay(days: readonly Day[], day: number, amount: number): Day[] {
  const next: Day[] = [];
  for (const [d, a] of days) {
    if (d !== day) next.push([d, a]);
    else if (cents(a - amount) > 0) next.push([d, cents(a - amount)]);
  }
  return next;
}

/** Refunds by day with one more merged in, ascending. */
export function addRefundDay(refunds: readonly Day[], day: number, amount: number): Day[] {
  const next = refunds.map(([d, a]) => [d, a] as Day);
  const index = next.findIndex(([d]) => d >= day);
  if (index >= 0 && next[index][0] === day) next[index][1] = cents(next[index][1] + amount);
  else if (index >= 0) next.splice(index, 0, [day, cents(amount)]);
  else next.push([day, cents(amount)]);
  return next;
}

/** Money refunded without a recorded purchase, on or before the day (already part of `revenue`). */
export function unmatchedRefundsUpTo(doc: { unmatchedRefunds?: readonly Day[] }, lastDay: number): number {
  return cents((doc.unmatchedRefunds ?? []).reduce((sum, [day, amount]) => (day <= lastDay ? sum + amount : sum), 0));
}

/** Net revenue per purchase kept (purchases refunded in full are not counted); 0 when none is left. */
export function averageOrderValueOf(doc: { revenue: number; purchaseCount: number; fullyRefundedPurchases?: number }): number {
  const kept = doc.purchaseCount - (doc.fullyRefundedPurchases ?? 0);
  return kept > 0 ? cents(doc.revenue / kept) : 0;
}

export async function projectValueRefund(
  data: PurchaseRefunded['data'],
  ctx: ProjectionContext,
  names: { customers: string; interests: string; products: string },
  productInterestId: (customerId: string, product: string) => string,
  summarize: (days: Day[]) => unknown,
  stamp: { updatedAt: string },
): Promise<void> {
  const customers = ctx.collection<RefundableValueDoc>(names.customers);
  const current = await customers.get(data.customerId);
  if (!current) return;
  const revenue = cents(current.revenue - data.amount);
  const fullyRefundedPurchases = (current.fullyRefundedPurchases ?? 0) + (data.remaining === 0 ? 1 : 0);
  const days = data.purchasedAt === null ? current.days : netPurchaseDay(current.days, dayNumber(data.purchasedAt), data.amount);
  const unmatchedRefunds =
    data.purchasedAt === null ? addRefundDay(current.unmatchedRefunds ?? [], dayNumber(data.occurredAt), data.amount) : (current.unmatchedRefunds ?? []);
  await customers.update(data.customerId, {
    $set: {
      revenue,
      margin: cents(current.margin - data.margin),
      refunded: cents((current.refunded ?? 0) + data.amount),
      fullyRefundedPurchases,
      averageOrderValue: averageOrderValueOf({ revenue, purchaseCount: current.purchaseCount, fullyRefundedPurchases }),
      days,
      daySummary: summarize(days),
      unmatchedRefunds,
      ...stamp,
    },
  });

  const interests = ctx.collection<ProductAmounts>(names.interests);
  const products = ctx.collection<ProductAmounts>(names.products);
  // Goods of a sale older than the records were never counted here.
  const returned = data.purchaseId === null ? [] : data.lines;
  for (const line of returned) {
    const id = productInterestId(data.customerId, line.product);
    const interest = await interests.get(id);
    if (!interest) continue;
    await interests.update(id, { $inc: { quantity: -line.quantity }, $set: { amount: cents(interest.amount - line.amount) } });
    const product = await products.get(line.product);
    if (product) await products.update(line.product, { $inc: { quantity: -line.quantity }, $set: { amount: cents(product.amount - line.amount) } });
  }
}
