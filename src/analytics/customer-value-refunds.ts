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
 * - Everything is per currency (the refund's, which is its purchase's), summed in minor units.
 */
import type { PurchaseRefunded } from '../customers/customer.events';
import { addMoney, averageMoney, sumMoney } from '../shared/money/money';
import type { ProjectionContext } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import { dayNumber } from './clv/summary';

/** [day number (UTC), amount] as in customer-value.projection.ts. */
type Day = [day: number, amount: number];

/** A currency's figures in a customer-value document (customer-value.projection.ts CurrencyFigures). */
interface RefundableFigures {
  revenue: number;
  margin: number;
  purchaseCount: number;
  averageOrderValue: number;
  refunded?: number;
  fullyRefundedPurchases?: number;
  unmatchedRefunds?: Day[];
}

interface RefundableValueDoc extends Document {
  byCurrency: Record<string, RefundableFigures>;
  days?: Record<string, Day[]>;
}

interface ProductAmounts extends Document {
  quantity: number;
  amounts: Record<string, number>;
}

/** The days with a refund taken off the purchase day; a day that nets to zero or less is no transaction. */
export function netPurchaseDay(days: readonly Day[], day: number, amount: number, currency: string): Day[] {
  const next: Day[] = [];
  for (const [d, a] of days) {
    if (d !== day) next.push([d, a]);
    else if (addMoney(a, -amount, currency) > 0) next.push([d, addMoney(a, -amount, currency)]);
  }
  return next;
}

/** Refunds by day with one more merged in, ascending. */
export function addRefundDay(refunds: readonly Day[], day: number, amount: number, currency: string): Day[] {
  const next = refunds.map(([d, a]) => [d, a] as Day);
  const index = next.findIndex(([d]) => d >= day);
  if (index >= 0 && next[index][0] === day) next[index][1] = addMoney(next[index][1], amount, currency);
  else if (index >= 0) next.splice(index, 0, [day, addMoney(0, amount, currency)]);
  else next.push([day, addMoney(0, amount, currency)]);
  return next;
}

/** Money refunded without a recorded purchase, on or before the day (already part of `revenue`). */
export function unmatchedRefundsUpTo(doc: { unmatchedRefunds?: readonly Day[]; currency: string }, lastDay: number): number {
  return sumMoney(
    (doc.unmatchedRefunds ?? []).filter(([day]) => day <= lastDay).map(([, amount]) => amount),
    doc.currency,
  );
}

/** Net revenue per purchase kept (purchases refunded in full are not counted); 0 when none is left. */
export function averageOrderValueOf(
  figures: { revenue: number; purchaseCount: number; fullyRefundedPurchases?: number },
  currency: string,
): number {
  return averageMoney(figures.revenue, figures.purchaseCount - (figures.fullyRefundedPurchases ?? 0), currency);
}

export async function projectValueRefund(
  data: PurchaseRefunded['data'],
  ctx: ProjectionContext,
  names: { customers: string; interests: string; products: string },
  productInterestId: (customerId: string, product: string) => string,
  summarize: (days: Day[]) => unknown,
  noFigures: RefundableFigures,
  stamp: { updatedAt: string },
): Promise<void> {
  const customers = ctx.collection<RefundableValueDoc>(names.customers);
  const current = await customers.get(data.customerId);
  if (!current) return;
  const currency = data.currency;
  // A refund tied to no recorded purchase may be the customer's first amount in its currency.
  const before = current.byCurrency[currency] ?? noFigures;
  const beforeDays = current.days?.[currency] ?? [];
  const revenue = addMoney(before.revenue, -data.amount, currency);
  const fullyRefundedPurchases = (before.fullyRefundedPurchases ?? 0) + (data.remaining === 0 ? 1 : 0);
  const days = data.purchasedAt === null ? beforeDays : netPurchaseDay(beforeDays, dayNumber(data.purchasedAt), data.amount, currency);
  const unmatchedRefunds =
    data.purchasedAt === null
      ? addRefundDay(before.unmatchedRefunds ?? [], dayNumber(data.occurredAt), data.amount, currency)
      : (before.unmatchedRefunds ?? []);
  const figures = {
    ...before,
    revenue,
    margin: addMoney(before.margin, -data.margin, currency),
    refunded: addMoney(before.refunded ?? 0, data.amount, currency),
    fullyRefundedPurchases,
    averageOrderValue: averageOrderValueOf({ revenue, purchaseCount: before.purchaseCount, fullyRefundedPurchases }, currency),
    daySummary: summarize(days),
    unmatchedRefunds,
  };
  await customers.update(data.customerId, { $set: { [`byCurrency.${currency}`]: figures, [`days.${currency}`]: days, ...stamp } });

  const interests = ctx.collection<ProductAmounts>(names.interests);
  const products = ctx.collection<ProductAmounts>(names.products);
  // Goods of a sale older than the records were never counted here.
  const returned = data.purchaseId === null ? [] : data.lines;
  const less = (amounts: Record<string, number>, amount: number) => ({
    ...amounts,
    [currency]: addMoney(amounts[currency] ?? 0, -amount, currency),
  });
  for (const line of returned) {
    const id = productInterestId(data.customerId, line.product);
    const interest = await interests.get(id);
    if (!interest) continue;
    await interests.update(id, { $inc: { quantity: -line.quantity }, $set: { amounts: less(interest.amounts, line.amount) } });
    const product = await products.get(line.product);
    if (product)
      await products.update(line.product, { $inc: { quantity: -line.quantity }, $set: { amounts: less(product.amounts, line.amount) } });
  }
}
