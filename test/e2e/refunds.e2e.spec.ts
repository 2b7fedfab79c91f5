import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';

/**
 * Refunds and returns over HTTP: POST /customers/:id/purchases/:purchaseId/refunds records a
 * PurchaseRefunded; the profile's current value, the purchase history and the lifetime-value list
 * are net of it; every refusal is problem+json and appends nothing.
 */
describe('refunds and returns over HTTP (embedded stores)', () => {
  let t: TestApp;
  let customer: string;

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 300 });
    customer = (await t.request('POST', '/customers', { name: 'Ana Lima', kind: 'customer' })).json.id;
    // 2 mugs (9.00) and a teapot (21.00) on 1 March, margin 12; a poster (5.50) on 3 March, margin 2.
    await buy(
      'INV-1',
      [
        { product: 'mug', quantity: 2, amount: 9 },
        { product: 'teapot', quantity: 1, amount: 21 },
      ],
      12,
      '2026-03-01T10:00:00.000Z',
    );
    await buy('INV-2', [{ product: 'poster', quantity: 1, amount: 5.5 }], 2, '2026-03-03T10:00:00.000Z');
  });
  afterEach(async () => {
    await t.close();
  });

  async function buy(purchaseId: string, lines: object[], margin: number, occurredAt: string): Promise<TestResponse> {
    const response = await t.request('POST', `/customers/${customer}/purchases`, {
      purchaseId,
      lines,
      margin,
      currency: 'GBP',
      occurredAt,
    });
    expect(response.status).toBe(201);
    return response;
  }

  const refund = (purchaseId: string, body: object, headers: Record<string, string> = {}) =>
    t.request('POST', `/customers/${customer}/purchases/${purchaseId}/refunds`, body, headers);

  async function refused(send: () => Promise<TestResponse>, status: number, code: string): Promise<TestResponse> {
    const before = await t.eventCount();
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json).toMatchObject({ status, code });
    expect(await t.eventCount()).toBe(before);
    return response;
  }

  it('a partial return and a refund of money net the profile, the purchase history and the lifetime value', async () => {
    const returned = await refund('INV-1', {
      lines: [{ product: 'mug', quantity: 1, amount: 4.5 }],
      occurredAt: '2026-03-05T09:00:00.000Z',
    });
    expect(returned.status).toBe(201);
    expect(returned.json).toMatchObject({ id: customer, refundId: expect.any(String), replayed: false });
    const full = await refund('INV-2', { amount: 5.5, occurredAt: '2026-03-06T09:00:00.000Z' });
    expect(full.status).toBe(201);

    const profile = await t.request('GET', `/customers/${customer}?minPosition=${full.json.position}`);
    // Gross 35.50 - 4.50 - 5.50 = 25.50 over the one purchase not refunded in full.
    expect(profile.json.currentValue).toMatchObject({
      purchaseCount: 2,
      byCurrency: {
        GBP: { revenue: 25.5, margin: 10.2, purchaseCount: 2, refunded: 10, fullyRefundedPurchases: 1, averageOrderValue: 25.5 },
      },
    });

    const history = await t.request('GET', `/customers/${customer}/purchases?minPosition=${full.json.position}`);
    expect(history.json.items).toMatchObject([
      {
        purchaseId: 'INV-2',
        amount: 5.5,
        refunded: 5.5,
        netAmount: 0,
        refunds: [{ refundId: full.json.refundId, amount: 5.5, margin: 2, lines: [], occurredAt: '2026-03-06T09:00:00.000Z' }],
      },
      {
        purchaseId: 'INV-1',
        amount: 30,
        refunded: 4.5,
        netAmount: 25.5,
        refunds: [{ refundId: returned.json.refundId, amount: 4.5, margin: 1.8, lines: [{ product: 'mug', quantity: 1, amount: 4.5 }] }],
      },
    ]);
    const csv = await t.request('GET', `/customers/${customer}/purchases?minPosition=${full.json.position}`, undefined, {
      accept: 'text/csv',
    });
    expect(String(csv.body).split('\n')[0]).toContain('purchaseRefunded,purchaseNetAmount');
    const customersCsv = await t.request('GET', `/customers?minPosition=${full.json.position}`, undefined, { accept: 'text/csv' });
    const [header, row] = String(customersCsv.body).trim().split('\n');
    const refundedAt = header.split(',').indexOf('currentValue.byCurrency.GBP.refunded');
    expect(refundedAt).toBeGreaterThan(-1);
    expect(row.split(',')[refundedAt]).toBe('10');

    const value = await t.request('GET', `/analytics/customers/${customer}/value?minPosition=${full.json.position}`);
    expect(value.status).toBe(200);
    // The fully refunded poster day is no transaction any more.
    expect(value.json.currentValue).toMatchObject({
      revenue: 25.5,
      margin: 10.2,
      purchaseCount: 2,
      transactionDays: 1,
      averageOrderValue: 25.5,
    });
  });

  it('a retry with the same Idempotency-Key returns the first outcome and appends nothing', async () => {
    const first = await refund('INV-1', { amount: 10 }, { 'Idempotency-Key': 'refund-1' });
    const count = await t.eventCount();
    const retry = await refund('INV-1', { amount: 10 }, { 'Idempotency-Key': 'refund-1' });
    expect(retry.status).toBe(201);
    expect(retry.json).toMatchObject({ refundId: first.json.refundId, replayed: true });
    expect(await t.eventCount()).toBe(count);
  });

  describe('refusals: problem+json, nothing appended', () => {
    it('an unknown purchase is 404', () => refused(() => refund('INV-9', { amount: 1 }), 404, 'PURCHASE_NOT_FOUND'));

    it('an unknown customer is 404', () =>
      refused(
        () => t.request('POST', '/customers/00000000-0000-4000-8000-000000000000/purchases/INV-1/refunds', { amount: 1 }),
        404,
        'CUSTOMER_NOT_FOUND',
      ));

    it('more than what remains refundable is 422', async () => {
      expect((await refund('INV-1', { amount: 25 })).status).toBe(201);
      await refused(() => refund('INV-1', { amount: 5.01 }), 422, 'REFUND_EXCEEDS_REMAINING');
    });

    it('more decimals than the currency has is 422', () => refused(() => refund('INV-1', { amount: 1.001 }), 422, 'AMOUNT_PRECISION'));

    it('another currency than the purchase is 422', () =>
      refused(() => refund('INV-1', { amount: 1, currency: 'EUR' }), 422, 'CURRENCY_MISMATCH'));

    it('a refund dated before the purchase is 422', () =>
      refused(() => refund('INV-1', { amount: 1, occurredAt: '2026-02-28T10:00:00.000Z' }), 422, 'REFUND_BEFORE_PURCHASE'));

    it('returning more goods than were bought is 422', () =>
      refused(() => refund('INV-1', { lines: [{ product: 'teapot', quantity: 2, amount: 42 }] }), 422, 'RETURN_EXCEEDS_QUANTITY'));

    it('a forgotten customer is 422', async () => {
      expect((await t.request('POST', `/customers/${customer}/forget`, {})).status).toBe(200);
      await refused(() => refund('INV-1', { amount: 1 }), 422, 'CUSTOMER_FORGOTTEN');
    });

    it('bad input is 400 naming the fields', async () => {
      const none = await refused(() => refund('INV-1', {}), 400, 'VALIDATION_FAILED');
      expect(JSON.stringify(none.json)).toContain('amount');
      await refused(() => refund('INV-1', { amount: 0 }), 400, 'VALIDATION_FAILED');
      await refused(() => refund('INV-1', { amount: 1.0001 }), 400, 'VALIDATION_FAILED');
      await refused(() => refund('INV-1', { amount: 1, currency: 'pounds' }), 400, 'VALIDATION_FAILED');
      await refused(() => refund('INV-1', { amount: 1, occurredAt: 'yesterday' }), 400, 'VALIDATION_FAILED');
      await refused(() => refund('INV-1', { lines: [] }), 400, 'VALIDATION_FAILED');
      await refused(
        () => refund('INV-1', { lines: [{ product: 'mug', quantity: 1, amount: 4.5 }], amount: 4.5 }),
        400,
        'VALIDATION_FAILED',
      );
      await refused(() => refund('INV 1', { amount: 1 }), 400, 'VALIDATION_FAILED');
    });
  });
});
