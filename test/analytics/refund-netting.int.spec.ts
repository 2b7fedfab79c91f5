import { dayNumber } from '../../src/analytics/clv/summary';
import { revenueUpToDay } from '../../src/analytics/customer-value';
import { customerValueProjection, type StoredValueDoc } from '../../src/analytics/customer-value.projection';
import { inCurrency, withDays } from '../../src/analytics/value-currency';
import { segmentCustomers } from '../../src/analytics/segmentation';
import { type GivenEvent, projectEvents } from '../support/projection-spec';

/**
 * Refunds in the customer-value projection and the analyses on it (docs/analysts.md, "Refunds and
 * returns"): revenue, margin and the purchase days are net; a day refunded in full is no
 * transaction; a refund tied to no purchase comes off revenue and RFM monetary, not off a day. All
 * in the refund's currency (GBP here): the analyses read a customer's figures in one currency.
 */
const inGbp = (doc: unknown) => inCurrency(withDays(doc as StoredValueDoc), 'GBP');
const ana = '00000000-0000-4000-8000-00000000000a';
const bruno = '00000000-0000-4000-8000-00000000000b';
const stream = (customerId: string) => `customer-${customerId}`;

const registered = (customerId: string): GivenEvent => ({
  stream: stream(customerId),
  type: 'CustomerRegistered',
  data: {
    customerId,
    name: customerId,
    kind: 'customer',
    acquisitionChannel: 'web',
    referredBy: null,
    registeredAt: '2026-01-01T00:00:00.000Z',
  },
});
const purchase = (
  customerId: string,
  purchaseId: string,
  occurredAt: string,
  product: string,
  quantity: number,
  amount: number,
  margin = 0,
): GivenEvent => ({
  stream: stream(customerId),
  type: 'PurchaseRecorded',
  data: { customerId, purchaseId, lines: [{ product, quantity, amount }], amount, margin, currency: 'GBP', occurredAt },
});
const refund = (
  customerId: string,
  refundId: string,
  purchase: { id: string; at: string } | null,
  occurredAt: string,
  amount: number,
  remaining: number | null,
  margin = 0,
  lines: { product: string; quantity: number; amount: number }[] = [],
): GivenEvent => ({
  stream: stream(customerId),
  type: 'PurchaseRefunded',
  data: {
    customerId,
    refundId,
    purchaseId: purchase?.id ?? null,
    purchasedAt: purchase?.at ?? null,
    lines,
    amount,
    margin,
    currency: 'GBP',
    occurredAt,
    remaining,
  },
});

const JAN_10 = '2026-01-10T10:00:00.000Z';
const FEB_10 = '2026-02-10T10:00:00.000Z';
const MAR_10 = '2026-03-10T10:00:00.000Z';

describe('customer-value projection: refunds', () => {
  const events: GivenEvent[] = [
    registered(ana),
    purchase(ana, 'p1', JAN_10, 'mug', 4, 40, 10),
    purchase(ana, 'p2', FEB_10, 'pot', 1, 25, 5),
    purchase(ana, 'p3', MAR_10, 'mug', 1, 10, 2),
    // Two mugs of January back in February; the pot refunded in full; 7.50 for a sale older than the records.
    refund(ana, 'r1', { id: 'p1', at: JAN_10 }, '2026-02-01T00:00:00.000Z', 20, 20, 5, [{ product: 'mug', quantity: 2, amount: 20 }]),
    refund(ana, 'r2', { id: 'p2', at: FEB_10 }, '2026-02-12T00:00:00.000Z', 25, 0, 5),
    refund(ana, 'r3', null, '2026-02-20T00:00:00.000Z', 7.5, null),
  ];

  it('nets revenue, margin and the purchase days; a day refunded in full is no transaction; a refund tied to no purchase is kept by its day', async () => {
    const result = await projectEvents(customerValueProjection, events);
    const doc = inGbp((await result.docs('customers'))[ana]);
    expect(doc).toMatchObject({
      // 40 + 25 + 10 bought, 20 + 25 + 7.50 refunded.
      revenue: 22.5,
      margin: 7,
      purchaseCount: 3,
      refunded: 52.5,
      fullyRefundedPurchases: 1,
      // 22.50 over the two purchases kept.
      averageOrderValue: 11.25,
      days: [
        [dayNumber(JAN_10), 20],
        [dayNumber(MAR_10), 10],
      ],
      daySummary: { days: 2, firstDay: dayNumber(JAN_10), firstAmount: 20, lastDay: dayNumber(MAR_10), repeatSpend: 10 },
      unmatchedRefunds: [[dayNumber('2026-02-20'), 7.5]],
    });
    // Revenue as of a day: the refund tied to no purchase counts from its own day on.
    expect(revenueUpToDay(doc, dayNumber('2026-02-19'))).toBe(20);
    expect(revenueUpToDay(doc, dayNumber('2026-02-20'))).toBe(12.5);
    // Returned goods come off the product interest; the customer still bought mugs.
    expect((await result.docs('product-interest'))[`${ana}/mug`]).toMatchObject({ purchases: 2, quantity: 3, amounts: { GBP: 30 } });
    expect((await result.docs('products')).mug).toMatchObject({ customers: 1, quantity: 3, amounts: { GBP: 30 } });
    await result.close();
  });

  it('a purchase after a full refund keeps the average over the purchases kept', async () => {
    const result = await projectEvents(customerValueProjection, [
      ...events,
      purchase(ana, 'p4', '2026-03-11T10:00:00.000Z', 'pot', 1, 17.5),
    ]);
    expect(inGbp((await result.docs('customers'))[ana])).toMatchObject({
      revenue: 40,
      purchaseCount: 4,
      fullyRefundedPurchases: 1,
      averageOrderValue: 13.33,
    });
    await result.close();
  });

  it('RFM monetary is net, refunds tied to no purchase included; frequency counts the days not refunded in full', async () => {
    const result = await projectEvents(customerValueProjection, [
      ...events,
      registered(bruno),
      purchase(bruno, 'b1', JAN_10, 'mug', 1, 30),
      purchase(bruno, 'b2', FEB_10, 'mug', 1, 30),
    ]);
    const docs = Object.values(await result.docs('customers')).map(inGbp);
    const scores = segmentCustomers(docs, new Date('2026-03-31T00:00:00.000Z')).rfm;
    // Days 20 (January, net of the mugs) + 10 (March) - 7.50 tied to no purchase; February's pot is gone.
    expect(scores.get(ana)?.scores).toMatchObject({ frequency: 2, monetary: 22.5 });
    expect(scores.get(bruno)?.scores).toMatchObject({ frequency: 2, monetary: 60 });
    // As of a day before the refund tied to no purchase, it is not off yet.
    const before = segmentCustomers(docs, new Date('2026-02-15T00:00:00.000Z')).rfm;
    expect(before.get(ana)?.scores).toMatchObject({ frequency: 1, monetary: 20 });
    await result.close();
  });
});
