import { addMoney, averageMoney } from '../shared/money/money';
import type { Collection, Document } from '../shared/read-store/read-store.port';
import type { PurchaseLine, PurchaseRefunded } from './customer.events';

/**
 * How the customer-profile projection (customer-profile.projection.ts) follows refunds: the
 * refunded purchase lists the refund and its net amount; the customer's current value is net of
 * every refund (tied to a purchase or not) and counts the purchases fully refunded.
 *
 * Kept apart from the profile projection so that its purchase and value handlers stay as they are.
 * Amounts are in the purchase's currency and summed in its minor units (shared/money); the current
 * value nets each refund in that currency only.
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

interface RefundablePurchaseDoc extends Document {
  refunds?: RefundView[];
  refunded?: number;
  netAmount?: number;
  amount: number;
}

/** A currency's figures in a customer's current value. */
interface CurrencyValue {
  revenue: number;
  margin: number;
  purchaseCount: number;
  refunded?: number;
  fullyRefundedPurchases?: number;
}

interface ValuedCustomerDoc extends Document {
  currentValue: { byCurrency: Record<string, CurrencyValue> };
}

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
      const view: RefundView = {
        refundId: data.refundId,
        occurredAt: data.occurredAt,
        recordedAt,
        amount: data.amount,
        margin: data.margin,
        lines: data.lines,
      };
      const refunded = addMoney(purchase.refunded ?? 0, data.amount, data.currency);
      await purchases.update(id, {
        $push: { refunds: view },
        $set: { refunded, netAmount: addMoney(purchase.amount, -refunded, data.currency) },
      });
    }
  }
  const value = customer.currentValue;
  const currency = data.currency;
  // A refund tied to no recorded purchase may be the customer's first amount in its currency.
  const before: CurrencyValue = value.byCurrency[currency] ?? { revenue: 0, margin: 0, purchaseCount: 0 };
  await customers.update(data.customerId, {
    $set: {
      currentValue: {
        ...value,
        byCurrency: {
          ...value.byCurrency,
          [currency]: {
            ...before,
            revenue: addMoney(before.revenue, -data.amount, currency),
            margin: addMoney(before.margin, -data.margin, currency),
            refunded: addMoney(before.refunded ?? 0, data.amount, currency),
            fullyRefundedPurchases: (before.fullyRefundedPurchases ?? 0) + (data.remaining === 0 ? 1 : 0),
          },
        },
      },
      ...stamp,
    },
  });
}

/** Net revenue per purchase kept, in the currency (purchases fully refunded are not counted); 0 before any. */
export function netAverageOrderValue(value: CurrencyValue, currency: string): number {
  return averageMoney(value.revenue, value.purchaseCount - (value.fullyRefundedPurchases ?? 0), currency);
}
