import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The complaint statistics of whole days are computed from day buckets and the report is kept per
 * window and month version: a change to any complaint of the window must show in the next answer.
 */
describe('complaint statistics served from buckets follow every change', () => {
  let t: TestApp;
  let customerId: string;

  beforeAll(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 5000 });
    t.clock.set('2026-03-10T09:00:00.000Z');
    const customer = await t.request('POST', '/customers', { name: 'Rui Sá', email: 'rui@example.com', kind: 'customer' });
    expect(customer.status).toBe(201);
    customerId = customer.json.id;
  });
  afterAll(async () => {
    await t.close();
  });

  const register = async (category: string) => {
    const response = await t.request('POST', '/complaints', { customerId, channel: 'phone', category, description: 'Late delivery' });
    expect(response.status).toBe(201);
    return response.json;
  };
  const stats = async (position: string) => {
    const response = await t.request('GET', `/analytics/complaints?from=2026-03-01&to=2026-04-01&minPosition=${position}`);
    expect(response.status).toBe(200);
    return response.json;
  };

  it('answers the same window again with the new complaint and the new step counted', async () => {
    const first = await register('delivery');
    expect((await stats(first.position)).totals.complaints).toBe(1);
    // The same request again, nothing changed: the same answer.
    expect((await stats(first.position)).totals.complaints).toBe(1);

    const second = await register('billing');
    const afterSecond = await stats(second.position);
    expect(afterSecond.totals.complaints).toBe(2);

    // A later step on a complaint of the window (acknowledgement) changes its day's bucket too.
    t.clock.advance(3_600_000);
    const acknowledged = await t.request('POST', `/complaints/${first.id}/acknowledge`, {});
    expect(acknowledged.status).toBe(200);
    const afterAck = await stats(acknowledged.json.position);
    expect(afterAck.totals.complaints).toBe(2);
    expect(afterAck).not.toEqual(afterSecond);
  });
});
