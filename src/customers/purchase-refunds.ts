import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import { assertExactAmount, fromMinorUnits, toMinorUnits } from '../shared/money/money';
import type { PurchaseLine, PurchaseRecorded, PurchaseRefunded } from './customer.events';

/**
 * The refund rules of the customer decider (customer.decider.ts calls them from its switch): what a
 * recorded purchase still allows to be refunded, and the PurchaseRefunded event a refund records.
 *
 * Arithmetic is in whole minor units of the purchase's currency (shared/money: cents, yen, fils),
 * so what remains refundable is exact after any number of partial refunds.
 */

/** What the decider remembers of one recorded purchase. */
export interface PurchaseState {
  currency: string;
  occurredAt: string;
  amountMinor: number;
  marginMinor: number;
  refundedMinor: number;
  marginRefundedMinor: number;
  /** Per product: quantity bought and quantity returned so far. */
  products: ReadonlyMap<string, { bought: number; returned: number }>;
}

export type RefundPurchase = {
  type: 'RefundPurchase';
  data: {
    refundId: string;
    /** null: a refund not tied to a recorded purchase (imports only: the sale is older than the records). */
    purchaseId: string | null;
    /** Goods returned; may be empty for a refund of money only. */
    lines: PurchaseLine[];
    /** The money refunded when there are no lines; with lines it is their sum (null). */
    amount: number | null;
    /** Must be the purchase's when given; required for a refund not tied to a purchase. */
    currency: string | null;
    /** Business time: when the money went back. */
    occurredAt: string;
  };
  now: string;
};

export function purchaseStateOf(data: PurchaseRecorded['data']): PurchaseState {
  const products = new Map<string, { bought: number; returned: number }>();
  for (const line of data.lines) {
    const entry = products.get(line.product) ?? { bought: 0, returned: 0 };
    products.set(line.product, { bought: entry.bought + line.quantity, returned: 0 });
  }
  return {
    currency: data.currency,
    occurredAt: data.occurredAt,
    amountMinor: toMinorUnits(data.amount, data.currency),
    marginMinor: toMinorUnits(data.margin, data.currency),
    refundedMinor: 0,
    marginRefundedMinor: 0,
    products,
  };
}

/** The purchase after a refund of it. */
export function refundedPurchase(purchase: PurchaseState, event: PurchaseRefunded['data']): PurchaseState {
  const products = new Map(purchase.products);
  for (const line of event.lines) {
    const entry = products.get(line.product);
    if (entry) products.set(line.product, { ...entry, returned: entry.returned + line.quantity });
  }
  return {
    ...purchase,
    refundedMinor: purchase.refundedMinor + toMinorUnits(event.amount, purchase.currency),
    marginRefundedMinor: purchase.marginRefundedMinor + toMinorUnits(event.margin, purchase.currency),
    products,
  };
}

/** Quantities returned per product in the refund's lines (a product may be on several lines). */
function returnedPerProduct(lines: readonly PurchaseLine[]): Map<string, number> {
  const returned = new Map<string, number>();
  for (const line of lines) returned.set(line.product, (returned.get(line.product) ?? 0) + line.quantity);
  return returned;
}

function checkReturnedGoods(purchase: PurchaseState, lines: readonly PurchaseLine[]): void {
  for (const [product, quantity] of returnedPerProduct(lines)) {
    const entry = purchase.products.get(product);
    if (!entry) throw new BusinessRuleViolation('PRODUCT_NOT_IN_PURCHASE', 'A returned product is not in the purchase', { product });
    if (quantity > entry.bought - entry.returned) {
      throw new BusinessRuleViolation('RETURN_EXCEEDS_QUANTITY', 'More is returned than was bought and not yet returned', {
        product,
        quantity,
        returnable: entry.bought - entry.returned,
      });
    }
  }
}

// Long because it is the refund's rules in the order they are checked (already recorded, in the
// future, amount, currency, the purchase it nets and what is left of it), each a line or a few.
/**
 * Decides a refund for an existing (not forgotten) customer. `purchases` and `refunds` are the
 * decider state's; the caller has checked that the customer exists.
 */
export function decideRefund(
  command: RefundPurchase,
  customerId: string,
  purchases: ReadonlyMap<string, PurchaseState>,
  refunds: ReadonlySet<string>,
): PurchaseRefunded[] {
  const { refundId, purchaseId, lines, occurredAt } = command.data;
  if (refunds.has(refundId)) throw new BusinessRuleViolation('REFUND_ALREADY_RECORDED', 'This refund was already recorded');
  if (Date.parse(occurredAt) > Date.parse(command.now)) {
    throw new BusinessRuleViolation('OCCURRED_IN_FUTURE', 'A refund cannot be recorded before it happens');
  }
  const given = lines.length > 0 ? lines.reduce((sum, line) => sum + line.amount, 0) : (command.data.amount ?? 0);
  if (given <= 0) throw new BusinessRuleViolation('REFUND_AMOUNT_NOT_POSITIVE', 'A refund gives back a positive amount', { amount: given });
  /** The refund in minor units of the currency, once each amount is checked to fit it (AMOUNT_PRECISION). */
  const minorIn = (currency: string): number => {
    lines.forEach((line, i) => assertExactAmount(line.amount, currency, `lines.${i}.amount`));
    if (lines.length === 0) assertExactAmount(command.data.amount ?? 0, currency, 'amount');
    return lines.length > 0
      ? lines.reduce((sum, line) => sum + toMinorUnits(line.amount, currency), 0)
      : toMinorUnits(command.data.amount ?? 0, currency);
  };

  if (purchaseId === null) {
    const currency = command.data.currency;
    if (currency === null)
      throw new BusinessRuleViolation('REFUND_CURRENCY_REQUIRED', 'A refund not tied to a purchase must name its currency');
    const data = {
      customerId,
      refundId,
      purchaseId,
      purchasedAt: null,
      lines,
      amount: fromMinorUnits(minorIn(currency), currency),
      margin: 0,
      currency,
      occurredAt,
      remaining: null,
    };
    return [{ type: 'PurchaseRefunded', data }];
  }

  const purchase = purchases.get(purchaseId);
  if (!purchase) throw new NotFoundError('PURCHASE_NOT_FOUND', 'No purchase with this id for this customer', { purchaseId });
  if (command.data.currency !== null && command.data.currency !== purchase.currency) {
    throw new BusinessRuleViolation('CURRENCY_MISMATCH', "A refund is in the purchase's currency", {
      currency: command.data.currency,
      purchaseCurrency: purchase.currency,
    });
  }
  if (Date.parse(occurredAt) < Date.parse(purchase.occurredAt)) {
    throw new BusinessRuleViolation('REFUND_BEFORE_PURCHASE', 'A refund cannot happen before the purchase', {
      purchasedAt: purchase.occurredAt,
    });
  }
  checkReturnedGoods(purchase, lines);
  const currency = purchase.currency;
  const minor = minorIn(currency);
  const refundableMinor = purchase.amountMinor - purchase.refundedMinor;
  if (minor > refundableMinor) {
    throw new BusinessRuleViolation('REFUND_EXCEEDS_REMAINING', 'The refund is more than what remains refundable of the purchase', {
      amount: fromMinorUnits(minor, currency),
      refundable: fromMinorUnits(refundableMinor, currency),
    });
  }
  const remainingMinor = refundableMinor - minor;
  // The last refund gives back the rest of the margin, so a fully refunded purchase nets to zero exactly.
  const marginMinor =
    remainingMinor === 0
      ? purchase.marginMinor - purchase.marginRefundedMinor
      : purchase.amountMinor === 0
        ? 0
        : Math.round((purchase.marginMinor * minor) / purchase.amountMinor);
  return [
    {
      type: 'PurchaseRefunded',
      data: {
        customerId,
        refundId,
        purchaseId,
        purchasedAt: purchase.occurredAt,
        lines,
        amount: fromMinorUnits(minor, currency),
        margin: fromMinorUnits(marginMinor, currency),
        currency: purchase.currency,
        occurredAt,
        remaining: fromMinorUnits(remainingMinor, currency),
      },
    },
  ];
}
