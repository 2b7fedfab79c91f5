import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';
import { expectProblem } from '../support/http-spec';

/**
 * Issue 12 item 5, the lookups agents need: purchase history, complaint by number, phone search,
 * filters and sorts on the customer list and the complaint queue, CSV of every list.
 */
describe('agent lookups (HTTP)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 300 });
  });
  afterEach(async () => {
    await t.close();
  });

  function expectStatus(response: TestResponse, status: number): TestResponse {
    if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
    return response;
  }
  const customer = async (body: Record<string, unknown>): Promise<string> =>
    expectStatus(await t.request('POST', '/customers', { kind: 'customer', ...body }), 201).json.id as string;
  const buy = async (id: string, body: Record<string, unknown>): Promise<TestResponse> =>
    expectStatus(await t.request('POST', `/customers/${id}/purchases`, body), 201);
  /** Read models follow the log: lists are read once every projection has caught up. */
  const caughtUp = () => t.app.get(ProjectionRunner).catchUp();
  const ids = (response: TestResponse): string[] => expectStatus(response, 200).json.items.map((item: { id: string }) => item.id);
  const csv = (url: string, headers: Record<string, string> = {}) => t.request('GET', url, undefined, { accept: 'text/csv', ...headers });
  /** Rows of a CSV answer as records by header (the test's fields hold no commas or quotes). */
  const csvRecords = (response: TestResponse): Record<string, string>[] => {
    const [header, ...rows] = String(response.body).trimEnd().split('\r\n');
    const names = header.split(',');
    return rows.map((row) => Object.fromEntries(row.split(',').map((value, i) => [names[i], value])));
  };

  describe('purchase history', () => {
    it('lists purchases newest first, with lines and the currency each was recorded in, paged, and as CSV', async () => {
      const ana = await customer({ name: 'Ana' });
      await buy(ana, {
        purchaseId: 'INV-1',
        currency: 'EUR',
        occurredAt: '2026-01-05T10:00:00.000Z',
        lines: [{ product: 'CD', quantity: 2, amount: 20 }],
      });
      await buy(ana, {
        purchaseId: 'INV-3',
        currency: 'JPY',
        occurredAt: '2026-03-01T10:00:00.000Z',
        lines: [{ product: 'Vinyl', quantity: 1, amount: 1000 }],
      });
      const last = await buy(ana, {
        purchaseId: 'INV-2',
        currency: 'USD',
        margin: 30,
        occurredAt: '2026-02-01T10:00:00.000Z',
        lines: [
          { product: 'Poster', quantity: 1, amount: 40 },
          { product: 'Box set', quantity: 1, amount: 60 },
        ],
      });

      const all = expectStatus(await t.request('GET', `/customers/${ana}/purchases?minPosition=${last.json.position}`), 200);
      expect(
        all.json.items.map((p: { purchaseId: string; currency: string; amount: number }) => [p.purchaseId, p.currency, p.amount]),
      ).toEqual([
        ['INV-3', 'JPY', 1000],
        ['INV-2', 'USD', 100],
        ['INV-1', 'EUR', 20],
      ]);
      expect(all.json.items[1]).toEqual({
        purchaseId: 'INV-2',
        occurredAt: '2026-02-01T10:00:00.000Z',
        recordedAt: '2026-03-10T12:00:00.000Z',
        currency: 'USD',
        amount: 100,
        margin: 30,
        lines: [
          { product: 'Poster', quantity: 1, amount: 40 },
          { product: 'Box set', quantity: 1, amount: 60 },
        ],
        // Nothing refunded (refunds.e2e.spec.ts shows a purchase with refunds).
        refunds: [],
        refunded: 0,
        netAmount: 100,
      });
      expect(all.json.nextCursor).toBeNull();

      const first = expectStatus(await t.request('GET', `/customers/${ana}/purchases?limit=2`), 200);
      expect(first.json.items.map((p: { purchaseId: string }) => p.purchaseId)).toEqual(['INV-3', 'INV-2']);
      const second = expectStatus(
        await t.request('GET', `/customers/${ana}/purchases?limit=2&cursor=${encodeURIComponent(first.json.nextCursor)}`),
        200,
      );
      expect(second.json.items.map((p: { purchaseId: string }) => p.purchaseId)).toEqual(['INV-1']);

      const asCsv = await csv(`/customers/${ana}/purchases`);
      expect(asCsv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csvRecords(asCsv).map((r) => [r.purchaseId, r.line, r.product, r.currency, r.amount])).toEqual([
        ['INV-3', '1', 'Vinyl', 'JPY', '1000'],
        ['INV-2', '1', 'Poster', 'USD', '40'],
        ['INV-2', '2', 'Box set', 'USD', '60'],
        ['INV-1', '1', 'CD', 'EUR', '20'],
      ]);
    });

    it('answers 404 for an unknown customer and 400 for a bad page size', async () => {
      expectProblem(await t.request('GET', '/customers/6f1c2b3a-0000-4000-8000-000000000000/purchases'), 404, 'CUSTOMER_NOT_FOUND');
      const ana = await customer({ name: 'Ana' });
      expectProblem(await t.request('GET', `/customers/${ana}/purchases?limit=0`), 400, 'VALIDATION_FAILED');
    });
  });

  describe('customer search and filters', () => {
    it('finds a customer by phone however the number is written', async () => {
      const ana = await customer({ name: 'Ana', phone: '+351 910-123 456' });
      const bruno = await customer({ name: 'Bruno', phone: '(212) 555-0100' });
      await caughtUp();
      for (const q of ['910123456', '+351 910 123 456', '351-910', '(910) 123'])
        expect(ids(await t.request('GET', `/customers?q=${encodeURIComponent(q)}`))).toEqual([ana]);
      expect(ids(await t.request('GET', `/customers?q=${encodeURIComponent('555 0100')}`))).toEqual([bruno]);
      // Text still searches names.
      expect(ids(await t.request('GET', '/customers?q=bru'))).toEqual([bruno]);
      // A changed phone is found by its new digits only.
      await t.request('PATCH', `/customers/${bruno}/contact`, { phone: '+44 20 7946 0000' });
      await caughtUp();
      expect(ids(await t.request('GET', '/customers?q=2079460000'))).toEqual([bruno]);
      expect(ids(await t.request('GET', '/customers?q=5550100'))).toEqual([]);
    });

    it('filters by status, company, acquisition channel, registration time and revenue, and sorts', async () => {
      const ana = await customer({ name: 'Ana', company: 'Lima Lda', acquisitionChannel: 'web' });
      t.clock.set('2026-03-11T09:00:00.000Z');
      const bruno = await customer({ name: 'Bruno', company: 'lima lda', acquisitionChannel: 'referral', kind: 'prospect' });
      t.clock.set('2026-03-12T09:00:00.000Z');
      const carla = await customer({ name: 'Carla', company: 'Reis SA', acquisitionChannel: 'web' });
      await buy(ana, { lines: [{ product: 'CD', quantity: 1, amount: 50 }], occurredAt: '2026-03-10T13:00:00.000Z' });
      await buy(carla, { lines: [{ product: 'CD', quantity: 1, amount: 150 }] });
      await buy(carla, { lines: [{ product: 'CD', quantity: 1, amount: 10 }] });
      await caughtUp();

      expect(ids(await t.request('GET', '/customers'))).toEqual([carla, bruno, ana]);
      expect(ids(await t.request('GET', '/customers?status=prospect'))).toEqual([bruno]);
      expect(ids(await t.request('GET', '/customers?company=LIMA%20LDA'))).toEqual([bruno, ana]);
      expect(ids(await t.request('GET', '/customers?acquisitionChannel=web'))).toEqual([carla, ana]);
      expect(ids(await t.request('GET', '/customers?registeredFrom=2026-03-11&registeredTo=2026-03-12'))).toEqual([bruno]);
      expect(ids(await t.request('GET', '/customers?registeredFrom=2026-03-11T09:00:00Z'))).toEqual([carla, bruno]);
      expect(ids(await t.request('GET', '/customers?minRevenue=50'))).toEqual([carla, ana]);
      expect(ids(await t.request('GET', '/customers?minRevenue=1&maxRevenue=100'))).toEqual([ana]);
      expect(ids(await t.request('GET', '/customers?acquisitionChannel=web&maxRevenue=100'))).toEqual([ana]);
      expect(ids(await t.request('GET', '/customers?sort=revenue'))).toEqual([carla, ana, bruno]);
      expect(ids(await t.request('GET', '/customers?sort=revenue&order=asc'))).toEqual([bruno, ana, carla]);
      expect(ids(await t.request('GET', '/customers?sort=purchaseCount&order=desc'))).toEqual([carla, ana, bruno]);
      const paged = expectStatus(await t.request('GET', '/customers?sort=revenue&limit=2'), 200);
      expect(ids(await t.request('GET', `/customers?sort=revenue&limit=2&cursor=${encodeURIComponent(paged.json.nextCursor)}`))).toEqual([
        bruno,
      ]);
    });

    it('filters by segment, agreeing with the segment members analytics lists', async () => {
      const ana = await customer({ name: 'Ana' });
      const bruno = await customer({ name: 'Bruno' });
      const carla = await customer({ name: 'Carla' });
      for (const day of ['2026-01-05', '2026-02-15', '2026-03-09'])
        await buy(ana, { lines: [{ product: 'CD', quantity: 1, amount: 300 }], occurredAt: `${day}T10:00:00.000Z` });
      await buy(bruno, { lines: [{ product: 'CD', quantity: 1, amount: 20 }], occurredAt: '2025-06-01T10:00:00.000Z' });
      await buy(carla, { lines: [{ product: 'CD', quantity: 1, amount: 80 }], occurredAt: '2026-02-01T10:00:00.000Z' });
      const run = expectStatus(await t.request('POST', '/analytics/segments/recompute'), 200);
      await caughtUp();

      const rfm = Object.keys(run.json.segments.rfm as Record<string, number>);
      expect(rfm.length).toBeGreaterThan(1);
      for (const segment of rfm) {
        const members = expectStatus(
          await t.request('GET', `/analytics/segments/${segment}/members?minPosition=${run.json.position}`),
          200,
        );
        const expected = members.json.items
          .filter((m: { scheme: string }) => m.scheme === 'rfm')
          .map((m: { customerId: string }) => m.customerId)
          .sort();
        expect(ids(await t.request('GET', `/customers?segment=rfm:${segment}&minPosition=${run.json.position}`)).sort()).toEqual(expected);
      }
      const anaView = expectStatus(await t.request('GET', `/customers/${ana}`), 200);
      expect(anaView.json.segments).toEqual({ rfm: expect.any(String), 'value-matrix': expect.any(String) });
      // Without a scheme, a name matches in any scheme.
      expect(ids(await t.request('GET', `/customers?segment=${anaView.json.segments.rfm}`))).toContain(ana);
      expect(ids(await t.request('GET', '/customers?segment=no-such-segment'))).toEqual([]);
    });

    it('refuses bad filters with 400', async () => {
      for (const query of [
        'acquisitionChannel=tv',
        'minRevenue=-1',
        'minRevenue=10&maxRevenue=5',
        'registeredFrom=yesterday',
        'registeredFrom=2026-03-02&registeredTo=2026-03-01',
        'sort=name',
        'order=up',
        'segment=%3Cb%3E',
      ]) {
        expectProblem(await t.request('GET', `/customers?${query}`), 400, 'VALIDATION_FAILED');
      }
    });
  });

  describe('complaint lookups', () => {
    async function complaint(customerId: string, body: Record<string, unknown>): Promise<{ id: string; number: string }> {
      const created = expectStatus(
        await t.request('POST', '/complaints', { customerId, channel: 'phone', description: 'Charged twice', ...body }),
        201,
      );
      return { id: created.json.id as string, number: created.json.number as string };
    }

    it('finds a complaint by the number the customer quotes, and filters by category, severity, status and text', async () => {
      const ana = await customer({ name: 'Ana' });
      const billing = await complaint(ana, { category: 'billing', product: 'Gold plan', description: 'Charged twice for March' });
      const delivery = await complaint(ana, { category: 'delivery', description: 'The parcel never came' });
      const late = await complaint(ana, { category: 'billing', description: 'Invoice arrived late' });
      for (const { id, severity } of [
        { id: billing.id, severity: 'high' },
        { id: delivery.id, severity: 'low' },
      ]) {
        expectStatus(await t.request('POST', `/complaints/${id}/acknowledge`, {}), 200);
        expectStatus(await t.request('POST', `/complaints/${id}/assess`, { valid: true, rationale: 'Checked' }), 200);
        expectStatus(await t.request('POST', `/complaints/${id}/grade`, { severity, difficulty: 'medium' }), 200);
      }
      await caughtUp();

      const byNumber = expectStatus(await t.request('GET', `/complaints?number=${delivery.number}`), 200);
      expect(byNumber.json.items).toEqual([expect.objectContaining({ id: delivery.id, number: delivery.number, category: 'delivery' })]);
      expect(ids(await t.request('GET', `/complaints?number=${delivery.number.toLowerCase()}`))).toEqual([delivery.id]);
      expect(ids(await t.request('GET', '/complaints?number=CMP-1999-000001'))).toEqual([]);
      expect(ids(await t.request('GET', '/complaints?category=billing')).sort()).toEqual([billing.id, late.id].sort());
      expect(ids(await t.request('GET', '/complaints?severity=high'))).toEqual([billing.id]);
      expect(ids(await t.request('GET', '/complaints?severity=high,low')).sort()).toEqual([billing.id, delivery.id].sort());
      expect(ids(await t.request('GET', '/complaints?status=registered'))).toEqual([late.id]);
      expect(ids(await t.request('GET', '/complaints?category=billing&status=graded'))).toEqual([billing.id]);
      expect(ids(await t.request('GET', '/complaints?q=PARCEL'))).toEqual([delivery.id]);
      expect(ids(await t.request('GET', '/complaints?q=gold%20plan'))).toEqual([billing.id]);
      expect(ids(await t.request('GET', `/complaints?q=${late.number}`))).toEqual([late.id]);
      // The text index is not served.
      expect(byNumber.json.items[0].search).toBeUndefined();

      for (const query of ['number=12345', 'severity=urgent', 'category='])
        expectProblem(await t.request('GET', `/complaints?${query}`), 400, 'VALIDATION_FAILED');
    });
  });

  describe('CSV of every list', () => {
    it('answers CSV with a header row on customers, interactions, complaints, solutions, departments, the audit feed and rejections', async () => {
      const ana = await customer({ name: 'Ana', email: 'ana@example.com', phone: '+351 910 000 000' });
      await t.request('POST', `/customers/${ana}/interactions`, {
        channel: 'call',
        direction: 'inbound',
        summary: 'Asked about prices',
        agent: 'agent-7',
      });
      const filed = expectStatus(
        await t.request('POST', '/complaints', { customerId: ana, channel: 'phone', category: 'billing', description: 'Charged twice' }),
        201,
      );
      expectStatus(await t.request('POST', '/departments', { name: 'Billing' }), 201);
      expectProblem(await t.request('POST', '/customers', { name: '' }), 400, 'VALIDATION_FAILED');
      await caughtUp();

      const lists: [string, string[]][] = [
        ['/customers', ['id', 'status', 'name', 'email', 'phone']],
        [`/customers/${ana}/interactions`, ['interactionId', 'customerId', 'occurredAt']],
        ['/complaints', ['id', 'number', 'status']],
        ['/solutions', ['complaintId', 'number', 'category']],
        ['/departments', ['id', 'name', 'supervisorId']],
        ['/audit/feed', ['position', 'stream', 'revision', 'id', 'type']],
        ['/audit/rejections', ['id', 'at', 'actor']],
      ];
      for (const [url, leading] of lists) {
        const response = await csv(url);
        expect({ url, status: response.status, type: response.headers['content-type'] }).toEqual({
          url,
          status: 200,
          type: 'text/csv; charset=utf-8',
        });
        const header = String(response.body).split('\r\n')[0].split(',');
        expect(header.slice(0, leading.length)).toEqual(leading);
      }

      expect(csvRecords(await csv('/customers'))).toEqual([
        expect.objectContaining({ id: ana, name: 'Ana', email: 'ana@example.com', phone: "'+351 910 000 000", complaints: '1' }),
      ]);
      expect(csvRecords(await csv(`/customers/${ana}/interactions`))).toEqual([
        expect.objectContaining({ summary: 'Asked about prices', agent: 'agent-7' }),
      ]);
      expect(csvRecords(await csv('/complaints'))).toEqual([
        expect.objectContaining({ id: filed.json.id, number: filed.json.number, category: 'billing' }),
      ]);
      const feed = csvRecords(await csv('/audit/feed'));
      expect(feed.find((row) => row.type === 'CustomerRegistered')).toMatchObject({ 'data.customerId': ana, 'data.name': 'Ana' });
      expect(csvRecords(await csv('/audit/rejections'))).toEqual([
        expect.objectContaining({ route: '/customers', status: '400', code: 'VALIDATION_FAILED', fields: 'name' }),
      ]);

      // Paging: the next cursor travels in X-Next-Cursor.
      await customer({ name: 'Bruno' });
      await caughtUp();
      const page = await csv('/customers?limit=1');
      expect(csvRecords(page)).toHaveLength(1);
      expect(page.headers['x-next-cursor']).toEqual(expect.any(String));
    });

    it('masks personal columns in CSV for an analyst without the pii grant, and refuses searching by personal data', async () => {
      const ana = await customer({ name: 'Ana', email: 'ana@example.com', phone: '+351 910 000 000', company: 'Lima Lda' });
      const analyst = (await t.createKey(['analyst'])).key;
      await caughtUp();
      const rows = csvRecords(await csv('/customers', { authorization: `Bearer ${analyst}` }));
      expect(rows).toEqual([
        expect.objectContaining({ id: ana, name: '***', email: '***', phone: '***', company: '***', acquisitionChannel: 'other' }),
      ]);
      const purchases = await csv(`/customers/${ana}/purchases`, { authorization: `Bearer ${analyst}` });
      expect(purchases.status).toBe(200);
      for (const query of ['q=910', 'company=Lima%20Lda']) {
        expect((await t.request('GET', `/customers?${query}`, undefined, { authorization: `Bearer ${analyst}` })).status).toBe(403);
      }
    });
  });
});
