import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import type { PurchaseLine, PurchaseRecorded, PurchaseRefunded } from './customer.events';

/**
 * The refund rules of the customer decider (customer.decider.ts calls them from its switch): what a
 * recorded purchase still allows to be refunded, and the PurchaseRefunded event a refund records.
 *
 * Arithmetic is in whole cents (integers), so what remains refundable is exact after any number of
 * partial refunds.
 */

/** What the decider remembers of one recorded purchase. */
export interface PurchaseState {
  currency: string;
  occurredAt: string;
  amountCents: number;
  marginCents: number;
  refundedCents: number;
  marginRefundedCents: number;
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

const toCents = (amount: number): number => Math.round(amount * 100);
const fromCents = (cents: number): number => cents / 100;

export function purchaseStateOf(data: PurchaseRecorded['data']): PurchaseState {
  const products = new Map<string, { bought: number; returned: number }>();
  for (const line of data.lines) {
    const entry = products.get(line.product) ?? { bought: 0, returned: 0 };
    products.set(line.product, { bought: entry.bought + line.quantity, returned: 0 });
  }
  return {
    currency: data.currency,
    occurredAt: data.occurredAt,
    amountCents: toCents(data.amount),
    marginCents: toCents(data.margin),
    refundedCents: 0,
    marginRefundedCents: 0,
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
    refundedCents: purchase.refundedCents + toCents(event.amount),
    marginRefundedCents: purchase.marginRefundedCents + toCents(event.margin),
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
  const cents = lines.length > 0 ? lines.reduce((sum, line) => sum + toCents(line.amount), 0) : toCents(command.data.amount ?? 0);
  if (cents <= 0) throw new BusinessRuleViolation('REFUND_AMOUNT_NOT_POSITIVE', 'A refund gives back a positive amount', { amount: fromCents(cents) });

  if (purchaseId === null) {
    if (command.data.currency === null) throw new BusinessRuleViolation('REFUND_CURRENCY_REQUIRED', 'A refund not tied to a purchase must name its currency');
    const data = { customerId, refundId, purchaseId, purchasedAt: null, lines, amount: fromCents(cents), margin: 0, currency: command.data.currency, occurredAt, remaining: null };
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
    throw new BusinessRuleViolation('REFUND_BEFORE_PURCHASE', 'A refund cannot happen before the purchase', { purchasedAt: purchase.occurredAt });
  }
  checkReturnedGoods(purchase, lines);
  const refundableCents = purchase.amountCents - purchase.refundedCents;
  if (cents > refundableCents) {
    throw new BusinessRuleViolation('REFUND_EXCEEDS_REMAINING', 'The refund is more than what remains refundable of the purchase', {
      amount: fromCents(cents),
      refundable: fromCents(refundableCents),
    });
  }
  const remainingCents = refundableCents - cents;
  // The last refund gives back the rest of the margin, so a fully refunded purchase nets to zero exactly.
  const marginCents =
    remainingCents === 0
      ? purchase.marginCents - purchase.marginRefundedCents
      : purchase.amountCents === 0
        ? 0
        : Math.round((purchase.marginCents * cents) / purchase.amountCents);
  return [
    {
      type: 'PurchaseRefunded',
      data: {
        customerId,
        refundId,
        purchaseId,
        purchasedAt: purchase.occurredAt,
        lines,
        amount: fromCents(cents),
        margin: fromCents(marginCents),
        currency: purchase.currency,
        occurredAt,
        remaining: fromCents(remainingCents),
      },
    },
  ];
}
