import { spec } from '../support/decider-spec';
import { customerDecider, type CustomerCommand, type RefundPurchase } from '../../src/customers/customer.decider';
import type { CustomerEvent, PurchaseRefunded } from '../../src/customers/customer.events';

const id = 'c-1';
const NOW = '2026-03-10T12:00:00.000Z';
const BOUGHT = '2026-03-01T09:00:00.000Z';
const RETURNED = '2026-03-05T10:00:00.000Z';

const registered: CustomerEvent = {
  type: 'CustomerRegistered',
  data: {
    customerId: id,
    kind: 'customer',
    name: 'Ana Lima',
    email: null,
    phone: null,
    company: null,
    acquisitionChannel: 'web',
    referredBy: null,
    registeredAt: BOUGHT,
  },
};
// 2 mugs at 4.50 and 1 teapot at 21.00 = 30.00, margin 12.00.
const purchased: CustomerEvent = {
  type: 'PurchaseRecorded',
  data: {
    customerId: id,
    purchaseId: 'inv-1',
    lines: [
      { product: 'mug', quantity: 2, amount: 9 },
      { product: 'teapot', quantity: 1, amount: 21 },
    ],
    amount: 30,
    margin: 12,
    currency: 'GBP',
    occurredAt: BOUGHT,
  },
};
const forgotten: CustomerEvent = { type: 'CustomerForgotten', data: { customerId: id, forgottenAt: RETURNED } };
const deactivated: CustomerEvent = { type: 'CustomerDeactivated', data: { customerId: id, reason: 'moved away', deactivatedAt: RETURNED } };

const refund = (data: Partial<RefundPurchase['data']> = {}, now = NOW): CustomerCommand => ({
  type: 'RefundPurchase',
  data: { refundId: 'r-1', purchaseId: 'inv-1', lines: [], amount: null, currency: null, occurredAt: RETURNED, ...data },
  now,
});
const refunded = (data: Partial<PurchaseRefunded['data']>): CustomerEvent => ({
  type: 'PurchaseRefunded',
  data: {
    customerId: id,
    refundId: 'r-1',
    purchaseId: 'inv-1',
    purchasedAt: BOUGHT,
    lines: [],
    amount: 0,
    margin: 0,
    currency: 'GBP',
    occurredAt: RETURNED,
    remaining: 0,
    ...data,
  },
});

const customers = spec(customerDecider);

describe('customer decider: refunds and returns', () => {
  it('a full refund gives back the whole amount and margin; nothing remains refundable', () =>
    customers
      .given([registered, purchased])
      .when(refund({ amount: 30 }))
      .then([refunded({ amount: 30, margin: 12, remaining: 0 })]));

  it('a partial return of goods refunds their amounts, with the margin in proportion', () =>
    customers
      .given([registered, purchased])
      .when(refund({ lines: [{ product: 'mug', quantity: 1, amount: 4.5 }] }))
      .then([refunded({ lines: [{ product: 'mug', quantity: 1, amount: 4.5 }], amount: 4.5, margin: 1.8, remaining: 25.5 })]));

  it('the last of several partial refunds gives back the rest of the margin exactly', () =>
    customers
      .given([registered, purchased, refunded({ refundId: 'r-0', amount: 10, margin: 4, remaining: 20 })])
      .when(refund({ amount: 20 }))
      .then([refunded({ amount: 20, margin: 8, remaining: 0 })]));

  it('refuses a refund above what remains refundable (422)', () =>
    customers
      .given([registered, purchased, refunded({ refundId: 'r-0', amount: 25, margin: 10, remaining: 5 })])
      .when(refund({ amount: 5.01 }))
      .thenFails('REFUND_EXCEEDS_REMAINING', 422));

  it('refuses a refund of an unknown purchase (404)', () =>
    customers
      .given([registered, purchased])
      .when(refund({ purchaseId: 'inv-9', amount: 1 }))
      .thenFails('PURCHASE_NOT_FOUND', 404));

  it('refuses returning more goods than were bought and not yet returned', () =>
    customers
      .given([
        registered,
        purchased,
        refunded({ refundId: 'r-0', lines: [{ product: 'mug', quantity: 2, amount: 9 }], amount: 9, margin: 3.6, remaining: 21 }),
      ])
      .when(refund({ lines: [{ product: 'mug', quantity: 1, amount: 4.5 }] }))
      .thenFails('RETURN_EXCEEDS_QUANTITY', 422));

  it('refuses returning a product the purchase did not hold', () =>
    customers
      .given([registered, purchased])
      .when(refund({ lines: [{ product: 'kettle', quantity: 1, amount: 4 }] }))
      .thenFails('PRODUCT_NOT_IN_PURCHASE', 422));

  it("refuses a refund in another currency than the purchase's", () =>
    customers
      .given([registered, purchased])
      .when(refund({ amount: 5, currency: 'EUR' }))
      .thenFails('CURRENCY_MISMATCH', 422));

  it('refuses a refund dated before the purchase', () =>
    customers
      .given([registered, purchased])
      .when(refund({ amount: 5, occurredAt: '2026-02-28T09:00:00.000Z' }))
      .thenFails('REFUND_BEFORE_PURCHASE', 422));

  it('refuses a refund dated in the future', () =>
    customers
      .given([registered, purchased])
      .when(refund({ amount: 5, occurredAt: '2026-03-11T00:00:00.000Z' }))
      .thenFails('OCCURRED_IN_FUTURE', 422));

  it('refuses a refund id already recorded', () =>
    customers
      .given([registered, purchased, refunded({ amount: 5, margin: 2, remaining: 25 })])
      .when(refund({ amount: 5 }))
      .thenFails('REFUND_ALREADY_RECORDED', 422));

  it('refuses a zero refund', () =>
    customers
      .given([registered, purchased])
      .when(refund({ amount: 0 }))
      .thenFails('REFUND_AMOUNT_NOT_POSITIVE', 422));

  it('refuses any refund for a forgotten customer', () =>
    customers
      .given([registered, purchased, forgotten])
      .when(refund({ amount: 5 }))
      .thenFails('CUSTOMER_FORGOTTEN', 422));

  it('refuses a refund for an unknown customer (404)', () =>
    customers
      .given([])
      .when(refund({ amount: 5 }))
      .thenFails('CUSTOMER_NOT_FOUND', 404));

  it('records a refund for a deactivated customer (goods come back after churn)', () =>
    customers
      .given([registered, purchased, deactivated])
      .when(refund({ amount: 30 }))
      .then([refunded({ amount: 30, margin: 12, remaining: 0 })]));

  it('records a refund not tied to a purchase (an import of a sale older than its records) in the currency it names', () =>
    customers
      .given([registered])
      .when(refund({ purchaseId: null, lines: [{ product: 'mug', quantity: 3, amount: 13.5 }], currency: 'GBP' }))
      .then([
        refunded({
          purchaseId: null,
          purchasedAt: null,
          lines: [{ product: 'mug', quantity: 3, amount: 13.5 }],
          amount: 13.5,
          margin: 0,
          remaining: null,
        }),
      ]));

  it('refuses a refund not tied to a purchase without a currency', () =>
    customers
      .given([registered])
      .when(refund({ purchaseId: null, amount: 5 }))
      .thenFails('REFUND_CURRENCY_REQUIRED', 422));
});
