import type { Collection, Document } from '../shared/read-store/read-store.port';
import type { PurchaseLine, PurchaseRefunded } from './customer.events';

/**
 * How the customer-profile projection (customer-profile.projection.ts) follows refunds: the
 * refunded purchase lists the refund and its net amount; the customer's current value is net of
 * every refund (tied to a purchase or not) and counts the purchases fully refunded.
 *
 * Kept apart from the profile projection so that its purchase and value handlers stay as they are;
 * it sums with the same cents rounding.
 */

/** One refund as the purchase history lists it under its purchase. */
export interface RefundView {
  refundId: string;
  /** Business time: when the money went back. */
  occurredAt: string;
  recordedAt: string;
  amount: number;
  margin: number;
  /** Goods returned; empty for a refund of money only. */
  lines: PurchaseLine[];
}

/** The refund fields of a purchase document, as a purchase starts. */
export function purchaseRefundFields(amount: number): { refunds: RefundView[]; refunded: number; netAmount: number } {
  return { refunds: [], refunded: 0, netAmount: amount };
}

/** The refund fields of a customer's current value, as a customer starts. */
export const NO_REFUNDS_VALUE = { refunded: 0, fullyRefundedPurchases: 0 };

interface RefundablePurchaseDoc extends Document {
  refunds?: RefundView[];
  refunded?: number;
  netAmount?: number;
  amount: number;
}

interface ValuedCustomerDoc extends Document {
  currentValue: { revenue: number; margin: number; refunded?: number; fullyRefundedPurchases?: number };
}

const cents = (value: number): number => Math.round(value * 100) / 100;

export async function projectRefund(
  data: PurchaseRefunded['data'],
  recordedAt: string,
  customers: Collection<ValuedCustomerDoc>,
  purchases: Collection<RefundablePurchaseDoc>,
  stamp: { revision: number; updatedAt: string },
): Promise<void> {
  const customer = await customers.get(data.customerId);
  if (!customer) return;
  if (data.purchaseId !== null) {
    const id = `${data.customerId}:${data.purchaseId}`;
    const purchase = await purchases.get(id);
    if (purchase) {
      const view: RefundView = { refundId: data.refundId, occurredAt: data.occurredAt, recordedAt, amount: data.amount, margin: data.margin, lines: data.lines };
      const refunded = cents((purchase.refunded ?? 0) + data.amount);
      await purchases.update(id, { $push: { refunds: view }, $set: { refunded, netAmount: cents(purchase.amount - refunded) } });
    }
  }
  const value = customer.currentValue;
  await customers.update(data.customerId, {
    $set: {
      currentValue: {
        ...value,
        revenue: cents(value.revenue - data.amount),
        margin: cents(value.margin - data.margin),
        refunded: cents((value.refunded ?? 0) + data.amount),
        fullyRefundedPurchases: (value.fullyRefundedPurchases ?? 0) + (data.remaining === 0 ? 1 : 0),
      },
      ...stamp,
    },
  });
}

/** Net revenue per purchase kept (purchases fully refunded are not counted); 0 before any. */
export function netAverageOrderValue(value: { revenue: number; purchaseCount: number; fullyRefundedPurchases?: number }): number {
  const kept = value.purchaseCount - (value.fullyRefundedPurchases ?? 0);
  return kept > 0 ? cents(value.revenue / kept) : 0;
}
