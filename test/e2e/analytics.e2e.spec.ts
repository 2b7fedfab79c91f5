import { fitBgNbd, simulateBgNbd } from '../../src/analytics/clv/bgnbd';
import { customerLifetimeValue } from '../../src/analytics/clv/clv';
import { fitGammaGamma } from '../../src/analytics/clv/gamma-gamma';
import { SeededRandom } from '../../src/analytics/clv/random';
import { type Purchase, summarizePurchases } from '../../src/analytics/clv/summary';
import { SlaSchedulerService } from '../../src/complaints/sla-scheduler.service';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';
import { expectRefused } from '../support/http-spec';

// The daily segmentation timer stays off: the tests run segmentations by hand.
process.env.RELATA_SEGMENTATION_SCHEDULER = 'off';

/**
 * The analytical CRM over HTTP on the embedded stores: lifetime value (current, potential and
 * predictive), segmentation runs with their history and transitions, complaint statistics, CSV
 * exports, and every refusal as problem+json that appends nothing.
 */
describe('analytics over HTTP (embedded stores)', () => {
  let t: TestApp;

  afterEach(async () => {
    await t.close();
  });

  function expectStatus(response: TestResponse, status: number): TestResponse {
    expect({ status: response.status, body: response.body }).toMatchObject({ status });
    return response;
  }

  const refused = (send: () => Promise<TestResponse>, status: number, code: string) => expectRefused(t, send, status, code);

  const fields = (response: TestResponse): string[] => (response.json.errors as { field: string }[]).map((e) => e.field).sort();

  async function customer(name: string): Promise<string> {
    return expectStatus(await t.request('POST', '/customers', { name, kind: 'customer' }), 201).json.id;
  }

  async function purchase(
    id: string,
    occurredAt: string,
    lines: { product: string; quantity: number; amount: number }[],
    margin = 0,
  ): Promise<TestResponse> {
    return expectStatus(await t.request('POST', `/customers/${id}/purchases`, { lines, margin, occurredAt }), 201);
  }

  const buy = (id: string, occurredAt: string, amount: number, product = 'CD') =>
    purchase(id, occurredAt, [{ product, quantity: 1, amount }]);

  /** Parses a CSV body (RFC 4180, as the API writes it) into rows of fields. */
  function parseCsv(text: string): string[][] {
    const rows: string[][] = [];
    let row: string[] = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          field += '"';
          i++;
        } else if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        row.push(field);
        field = '';
      } else if (c === '\r' && text[i + 1] === '\n') {
        row.push(field);
        rows.push(row);
        row = [];
        field = '';
        i++;
      } else field += c;
    }
    return rows;
  }

  /** The CSV as objects keyed by the header. */
  async function csv(url: string): Promise<{ response: TestResponse; rows: Record<string, string>[]; header: string[] }> {
    const response = await t.request('GET', url, undefined, { accept: 'text/csv' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...lines] = parseCsv(response.body as string);
    return { response, header, rows: lines.map((line) => Object.fromEntries(header.map((name, i) => [name, line[i]]))) };
  }

  describe('lifetime value', () => {
    beforeEach(async () => {
      t = await startTestApp({ consistencyTimeoutMs: 2000 });
    });

    it('computes current and potential value per customer, lists them sorted and paged, and exports CSV', async () => {
      const ana = await customer('Lima, Ana');
      const bruno = await customer('Bruno Reis');
      const carla = await customer('Carla Dias');
      // Two purchases on 5 January are one transaction day.
      await purchase(
        ana,
        '2026-01-05T10:00:00.000Z',
        [
          { product: 'CD', quantity: 2, amount: 20 },
          { product: 'Poster', quantity: 1, amount: 5.5 },
        ],
        8,
      );
      await purchase(ana, '2026-01-05T16:00:00.000Z', [{ product: 'CD', quantity: 1, amount: 14.5 }], 4);
      await purchase(ana, '2026-02-10T10:00:00.000Z', [{ product: 'Box set', quantity: 1, amount: 30 }], 10);
      await buy(bruno, '2026-03-01T10:00:00.000Z', 100);
      const s1 = await t.request('POST', `/customers/${ana}/suggestions`, {
        product: 'Gold plan',
        expectedValue: 50,
        expiresAt: '2026-04-01T00:00:00Z',
      });
      const s2 = await t.request('POST', `/customers/${ana}/suggestions`, {
        product: 'Box set 2',
        expectedValue: 20,
        expiresAt: '2026-05-01T00:00:00Z',
      });
      const s3 = await t.request('POST', `/customers/${ana}/suggestions`, {
        product: 'Poster pack',
        expectedValue: 10,
        expiresAt: '2026-05-01T00:00:00Z',
      });
      expectStatus(await t.request('POST', `/customers/${ana}/suggestions/${s2.json.suggestionId}/accept`), 200);
      const last = expectStatus(
        await t.request('POST', `/customers/${ana}/suggestions/${s3.json.suggestionId}/decline`, { reason: 'no' }),
        200,
      );
      expect(s1.status).toBe(201);

      const value = expectStatus(await t.request('GET', `/analytics/customers/${ana}/value?minPosition=${last.json.position}`), 200);
      expect(value.json).toEqual({
        // No model fitted yet: the value is as of today, and says so.
        asOf: '2026-03-10',
        asOfBasis: 'now',
        customerId: ana,
        name: 'Lima, Ana',
        status: 'customer',
        registeredAt: '2026-03-10T12:00:00.000Z',
        // Purchases in the default currency only: the answer is in it.
        currency: 'USD',
        currencies: ['USD'],
        currentValue: {
          revenue: 70,
          margin: 22,
          purchaseCount: 3,
          transactionDays: 2,
          firstPurchaseAt: '2026-01-05T10:00:00.000Z',
          lastPurchaseAt: '2026-02-10T10:00:00.000Z',
          averageOrderValue: 23.33,
        },
        potentialValue: {
          openSuggestionsValue: 50,
          openSuggestions: 1,
          value: 120,
          suggestionsAccepted: 1,
          suggestionsDeclined: 1,
          acceptanceRate: 0.5,
        },
        predictive: null,
        segments: { rfm: null, 'value-matrix': null },
        products: [
          {
            product: 'CD',
            purchases: 2,
            quantity: 3,
            amounts: { USD: 34.5 },
            firstPurchaseAt: '2026-01-05T10:00:00.000Z',
            lastPurchaseAt: '2026-01-05T16:00:00.000Z',
          },
          {
            product: 'Box set',
            purchases: 1,
            quantity: 1,
            amounts: { USD: 30 },
            firstPurchaseAt: '2026-02-10T10:00:00.000Z',
            lastPurchaseAt: '2026-02-10T10:00:00.000Z',
          },
          {
            product: 'Poster',
            purchases: 1,
            quantity: 1,
            amounts: { USD: 5.5 },
            firstPurchaseAt: '2026-01-05T10:00:00.000Z',
            lastPurchaseAt: '2026-01-05T10:00:00.000Z',
          },
        ],
      });

      // The open suggestion expires: potential value falls back to current value.
      t.clock.set('2026-04-02T00:00:00.000Z');
      expect((await t.request('GET', `/analytics/customers/${ana}/value`)).json.potentialValue).toMatchObject({
        openSuggestionsValue: 0,
        value: 70,
      });
      t.clock.set('2026-03-10T12:00:00.000Z');

      // Sorted by revenue, paged with the cursor.
      const first = expectStatus(await t.request('GET', '/analytics/lifetime-value?sort=revenue&limit=2'), 200);
      expect(first.json.items.map((i: { customerId: string }) => i.customerId)).toEqual([bruno, ana]);
      expect(first.json.nextCursor).toEqual(expect.any(String));
      const second = expectStatus(
        await t.request('GET', `/analytics/lifetime-value?sort=revenue&limit=2&cursor=${encodeURIComponent(first.json.nextCursor)}`),
        200,
      );
      expect(second.json).toEqual({
        items: [expect.objectContaining({ customerId: carla, currentValue: expect.objectContaining({ revenue: 0 }) })],
        nextCursor: null,
        currency: 'USD',
        asOf: '2026-03-10',
        asOfBasis: 'now',
      });
      // Potential value is computed at query time, sorted and paged in memory.
      const byPotential = expectStatus(await t.request('GET', '/analytics/lifetime-value?sort=potentialValue&limit=2'), 200);
      expect(byPotential.json.items.map((i: { potentialValue: { value: number } }) => i.potentialValue.value)).toEqual([120, 100]);
      const rest = await t.request(
        'GET',
        `/analytics/lifetime-value?sort=potentialValue&limit=2&cursor=${encodeURIComponent(byPotential.json.nextCursor)}`,
      );
      expect(rest.json.items.map((i: { customerId: string }) => i.customerId)).toEqual([carla]);
      const ascending = await t.request('GET', '/analytics/lifetime-value?sort=revenue&order=asc&minPurchases=1');
      expect(ascending.json.items.map((i: { customerId: string }) => i.customerId)).toEqual([ana, bruno]);

      // CSV: a header row, one row per item, quoted where needed; the next cursor in a header.
      const exported = await csv('/analytics/lifetime-value?sort=revenue&limit=2');
      expect(exported.header.slice(0, 6)).toEqual([
        'customerId',
        'name',
        'status',
        'registeredAt',
        'currentValue.revenue',
        'currentValue.margin',
      ]);
      expect(exported.header).toContain('potentialValue.acceptanceRate');
      expect(exported.rows.map((r) => [r.customerId, r.name, r['currentValue.revenue'], r['potentialValue.value']])).toEqual([
        [bruno, 'Bruno Reis', '100', '100'],
        [ana, 'Lima, Ana', '70', '120'],
      ]);
      expect(exported.response.body as string).toContain('"Lima, Ana"');
      expect(exported.response.headers['x-next-cursor']).toBe(first.json.nextCursor);
      const single = await csv(`/analytics/customers/${ana}/value`);
      expect(single.rows).toHaveLength(1);
      expect(single.rows[0]).toMatchObject({ customerId: ana, 'currentValue.purchaseCount': '3', 'predictive.clv': '' });
    });

    it('refuses bad queries and unknown customers as problem+json', async () => {
      await refused(() => t.request('GET', '/analytics/customers/00000000-0000-4000-8000-0000000000ff/value'), 404, 'CUSTOMER_NOT_FOUND');
      const bad = await refused(
        () => t.request('GET', '/analytics/lifetime-value?sort=bogus&limit=0&order=up&horizon=0'),
        400,
        'VALIDATION_FAILED',
      );
      expect(fields(bad)).toEqual(['horizon', 'limit', 'order', 'sort']);
      expect(fields(await refused(() => t.request('GET', '/analytics/customers/not-a-uuid/value'), 400, 'VALIDATION_FAILED'))).toEqual([
        'id',
      ]);
      expect(fields(await refused(() => t.request('GET', '/analytics/lifetime-value?colour=red'), 400, 'VALIDATION_FAILED'))).toEqual([
        'colour',
      ]);
      await refused(() => t.request('GET', '/analytics/lifetime-value?sort=clv'), 422, 'CLV_MODEL_REQUIRED');
      await refused(() => t.request('GET', '/analytics/lifetime-value?sort=potentialValue&cursor=nonsense'), 400, 'VALIDATION_FAILED');
    });
  });

  describe('segments', () => {
    beforeEach(async () => {
      t = await startTestApp({ consistencyTimeoutMs: 2000 });
    });

    /**
     * Five customers, so quintile scores are ranks. On 10 March Ana bought yesterday (R5), is second
     * by frequency (F4) and by spend (M4): a champion. By 10 July everybody else bought again and
     * Ana did not: worst recency (R1), frequency tied with Carla (F3), spend still second (M4):
     * FM = 4, at risk.
     */
    it('records segment changes as events, lists members since when, and gives the transition matrix', async () => {
      const ana = await customer('Ana');
      const bruno = await customer('Bruno');
      const carla = await customer('Carla');
      const duarte = await customer('Duarte');
      const eva = await customer('Eva');
      for (const day of ['2026-01-05', '2026-01-20', '2026-02-15']) await buy(ana, `${day}T10:00:00.000Z`, 100);
      await buy(ana, '2026-03-09T10:00:00.000Z', 100);
      for (const day of ['2026-01-02', '2026-01-08', '2026-01-12', '2026-01-18', '2026-02-01'])
        await buy(bruno, `${day}T10:00:00.000Z`, 100);
      await buy(carla, '2026-01-03T10:00:00.000Z', 70);
      await buy(carla, '2026-01-10T10:00:00.000Z', 65);
      await buy(carla, '2026-01-20T10:00:00.000Z', 65);
      for (const day of ['2026-01-04', '2026-01-10']) await buy(duarte, `${day}T10:00:00.000Z`, 50);
      await buy(eva, '2026-01-01T10:00:00.000Z', 50);

      const run1 = expectStatus(await t.request('POST', '/analytics/segments/recompute'), 200);
      expect(run1.json).toMatchObject({
        runId: '2026-03-10T12:00:00.000Z',
        asOf: '2026-03-10T12:00:00.000Z',
        customersScored: { rfm: 5, 'value-matrix': 5 },
        changes: 10,
        replayed: false,
        position: expect.stringMatching(/^\d+$/),
      });
      expect(run1.json.segments.rfm).toEqual({ champions: 2, 'need-attention': 1, hibernating: 1, lost: 1 });

      const champions = expectStatus(
        await t.request('GET', `/analytics/segments/champions/members?minPosition=${run1.json.position}`),
        200,
      );
      expect(champions.json.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            customerId: ana,
            name: 'Ana',
            scheme: 'rfm',
            segment: 'champions',
            since: '2026-03-10T12:00:00.000Z',
            scores: expect.objectContaining({ r: 5, f: 4, m: 4, code: '544' }),
            revenue: { USD: 400 },
          }),
          expect.objectContaining({ customerId: bruno, segment: 'champions' }),
        ]),
      );
      expect(champions.json.items).toHaveLength(2);

      // The same asOf again appends nothing; a future one or a malformed one is refused (an older one
      // is a historical run: test/e2e/business-time.e2e.spec.ts).
      const before = await t.eventCount();
      const rerun = expectStatus(await t.request('POST', '/analytics/segments/recompute?asOf=2026-03-10T12:00:00.000Z'), 200);
      expect(rerun.json).toMatchObject({ changes: 0, replayed: true, position: null });
      expect(rerun.headers['idempotent-replayed']).toBe('true');
      expect(await t.eventCount()).toBe(before);
      await refused(() => t.request('POST', '/analytics/segments/recompute?asOf=2026-03-11T00:00:00Z'), 422, 'AS_OF_IN_FUTURE');
      expect(
        fields(await refused(() => t.request('POST', '/analytics/segments/recompute?asOf=yesterday&x=1'), 400, 'VALIDATION_FAILED')),
      ).toEqual(['asOf', 'x']);
      await refused(() => t.request('POST', '/analytics/segments/recompute', { force: true }), 400, 'VALIDATION_FAILED');

      // Four months later: everybody else bought again, Ana did not.
      t.clock.set('2026-07-10T12:00:00.000Z');
      await buy(eva, '2026-06-01T10:00:00.000Z', 10);
      await buy(duarte, '2026-06-10T10:00:00.000Z', 10);
      await buy(carla, '2026-06-20T10:00:00.000Z', 10);
      await buy(bruno, '2026-07-01T10:00:00.000Z', 10);
      const run2 = expectStatus(await t.request('POST', '/analytics/segments/recompute'), 200);
      expect(run2.json.segments.rfm).toEqual({ champions: 1, 'at-risk': 1, 'potential-loyalist': 1, 'need-attention': 1, hibernating: 1 });

      const anaValue = expectStatus(await t.request('GET', `/analytics/customers/${ana}/value?minPosition=${run2.json.position}`), 200);
      expect(anaValue.json.segments.rfm).toEqual({
        segment: 'at-risk',
        since: '2026-07-10T12:00:00.000Z',
        scores: expect.objectContaining({ r: 1, f: 3, m: 4 }),
      });
      expect(anaValue.json.segments['value-matrix']).toMatchObject({ since: '2026-03-10T12:00:00.000Z' });

      const history = expectStatus(await t.request('GET', `/analytics/segments/history?customerId=${ana}&scheme=rfm`), 200);
      expect(history.json.items).toEqual([
        expect.objectContaining({ customerId: ana, scheme: 'rfm', from: 'champions', to: 'at-risk', at: '2026-07-10T12:00:00.000Z' }),
        expect.objectContaining({ customerId: ana, scheme: 'rfm', from: null, to: 'champions', at: '2026-03-10T12:00:00.000Z' }),
      ]);

      const transitions = expectStatus(await t.request('GET', '/analytics/segments/transitions?from=2026-03-15&to=2026-07-15'), 200);
      expect(transitions.json).toMatchObject({
        scheme: 'rfm',
        from: '2026-03-15T00:00:00.000Z',
        to: '2026-07-15T00:00:00.000Z',
        customers: 5,
      });
      expect(transitions.json.items).toEqual([
        { from: 'champions', to: 'champions', customers: 1 },
        { from: 'champions', to: 'at-risk', customers: 1 },
        { from: 'need-attention', to: 'potential-loyalist', customers: 1 },
        { from: 'hibernating', to: 'need-attention', customers: 1 },
        { from: 'lost', to: 'hibernating', customers: 1 },
      ]);
      expect(transitions.json.matrix.champions).toEqual({ champions: 1, 'at-risk': 1 });
      // Before the first run nobody was in a segment.
      const entering = await t.request('GET', '/analytics/segments/transitions?from=2026-03-01&to=2026-03-11');
      expect(entering.json.items).toEqual(expect.arrayContaining([{ from: '(none)', to: 'champions', customers: 2 }]));
      const exported = await csv('/analytics/segments/transitions?from=2026-03-15&to=2026-07-15');
      expect(exported.header).toEqual(['from', 'to', 'customers']);
      expect(exported.rows[1]).toEqual({ from: 'champions', to: 'at-risk', customers: '1' });

      const atRisk = await t.request('GET', '/analytics/segments/at-risk/members');
      expect(atRisk.json.items).toEqual([expect.objectContaining({ customerId: ana, since: '2026-07-10T12:00:00.000Z' })]);
      const list = expectStatus(await t.request('GET', '/analytics/segments?scheme=rfm'), 200);
      expect(list.json.items.find((i: { segment: string }) => i.segment === 'at-risk')).toEqual({
        scheme: 'rfm',
        segment: 'at-risk',
        customers: 1,
      });
      expect(list.json.items).toHaveLength(11);
      expect(list.json.lastRun).toMatchObject({ runId: '2026-07-10T12:00:00.000Z', changes: expect.any(Number) });
      // Micro-segments by product interest.
      const products = await t.request('GET', '/analytics/segments?scheme=product');
      expect(products.json.items).toEqual([
        { scheme: 'product', segment: 'product:CD', customers: 5, purchases: 19, amounts: { USD: 1290 } },
      ]);
      const cdBuyers = await t.request('GET', `/analytics/segments/${encodeURIComponent('product:CD')}/members?limit=2`);
      expect(cdBuyers.json.items.map((i: { customerId: string }) => i.customerId)).toEqual([bruno, ana]);
      expect(cdBuyers.json.nextCursor).toEqual(expect.any(String));
      const members = await csv('/analytics/segments/champions/members');
      expect(members.rows).toEqual([
        expect.objectContaining({ customerId: bruno, segment: 'champions', since: '2026-03-10T12:00:00.000Z' }),
      ]);

      await refused(() => t.request('GET', '/analytics/segments/platinum/members'), 404, 'SEGMENT_NOT_FOUND');
      await refused(() => t.request('GET', `/analytics/segments/${encodeURIComponent('product:Vinyl')}/members`), 404, 'SEGMENT_NOT_FOUND');
      expect(
        fields(
          await refused(
            () => t.request('GET', '/analytics/segments/transitions?from=2026-07-15&to=2026-03-15&scheme=abc'),
            400,
            'VALIDATION_FAILED',
          ),
        ),
      ).toEqual(['scheme']);
      expect(
        fields(
          await refused(() => t.request('GET', '/analytics/segments/transitions?from=2026-07-15&to=2026-03-15'), 400, 'VALIDATION_FAILED'),
        ),
      ).toEqual(['from']);
      expect(fields(await refused(() => t.request('GET', '/analytics/segments/transitions'), 400, 'VALIDATION_FAILED'))).toEqual([
        'from',
        'to',
      ]);
    });
  });

  describe('complaint statistics', () => {
    const HOUR = 3_600_000;

    beforeEach(async () => {
      t = await startTestApp({ consistencyTimeoutMs: 2000 }, {});
    });

    const step = async (id: string, path: string, body?: unknown, status = 200) =>
      expectStatus(await t.request('POST', `/complaints/${id}/${path}`, body), status);
    const at = (iso: string, hours = 0) => t.clock.set(new Date(Date.parse(iso) + hours * HOUR).toISOString());

    async function register(customerId: string, registeredAt: string, category: string, channel: string): Promise<string> {
      at(registeredAt);
      return expectStatus(
        await t.request('POST', '/complaints', { customerId, channel, category, description: 'Something went wrong' }),
        201,
      ).json.id;
    }

    /** Acknowledges (phone), assesses valid and grades at `hours` after registration. */
    async function graded(id: string, start: string, hours: number, severity: string, manualAck: boolean, department?: string) {
      at(start, hours);
      if (manualAck) await step(id, 'acknowledge');
      if (department) await step(id, 'assign', { department });
      await step(id, 'assess', { valid: true, rationale: 'Confirmed' });
      await step(id, 'grade', { severity, difficulty: 'low' });
      await step(id, 'root-cause', { category: 'service-failure', text: 'Found it' });
    }

    async function resolve(id: string, start: string, hours: number) {
      at(start, hours);
      await step(id, 'resolve', { solution: 'Fixed' });
      await step(id, 'communicate', { channel: 'phone', summary: 'Told them' });
    }

    it('counts by dimension, measures SLA compliance, times and satisfaction, by month and category, against the previous period', async () => {
      t.clock.set('2026-02-01T08:00:00.000Z');
      const xavier = await customer('Xavier');
      const yara = await customer('Yara');
      const zoe = await customer('Zoe');
      const billing = expectStatus(await t.request('POST', '/departments', { name: 'Billing', supervisorId: 'sup-1' }), 201).json
        .id as string;

      // February (the previous period): both resolved late.
      const p1 = await register(yara, '2026-02-05T09:00:00.000Z', 'billing', 'phone');
      await graded(p1, '2026-02-05T09:00:00.000Z', 2, 'high', true);
      await resolve(p1, '2026-02-05T09:00:00.000Z', 30);
      const p2 = await register(zoe, '2026-02-10T09:00:00.000Z', 'delivery', 'email');
      await graded(p2, '2026-02-10T09:00:00.000Z', 0, 'medium', false);
      await resolve(p2, '2026-02-10T09:00:00.000Z', 50);
      await step(p2, 'satisfaction', { csat: 3, nps: 6 });

      // March.
      const c1 = await register(xavier, '2026-03-02T09:00:00.000Z', 'billing', 'phone');
      await graded(c1, '2026-03-02T09:00:00.000Z', 1, 'high', true, billing);
      await resolve(c1, '2026-03-02T09:00:00.000Z', 5);
      await step(c1, 'accept');
      await step(c1, 'satisfaction', { csat: 5, nps: 10 });
      await step(c1, 'close', { reason: 'resolved' });

      const c2 = await register(yara, '2026-03-03T09:00:00.000Z', 'billing', 'phone');
      await graded(c2, '2026-03-03T09:00:00.000Z', 3, 'high', true, billing);
      // Both deadlines pass: the SLA scheduler records the breaches.
      at('2026-03-03T09:00:00.000Z', 30);
      await t.app.get(ProjectionRunner).catchUp();
      expect(await t.app.get(SlaSchedulerService).tick()).toBeGreaterThan(0);
      await resolve(c2, '2026-03-03T09:00:00.000Z', 40);

      const c3 = await register(zoe, '2026-03-15T09:00:00.000Z', 'delivery', 'email');
      at('2026-03-15T09:00:00.000Z', 1);
      await step(c3, 'assess', { valid: false, rationale: 'Not our parcel', feedbackToCustomer: 'The parcel was sent by another shop' });

      const c4 = await register(xavier, '2026-03-20T09:00:00.000Z', 'delivery', 'web');
      await graded(c4, '2026-03-20T09:00:00.000Z', 0, 'low', false);
      await resolve(c4, '2026-03-20T09:00:00.000Z', 2);
      await step(c4, 'accept');
      await step(c4, 'satisfaction', { csat: 4, nps: 8 });
      await step(c4, 'close', { reason: 'resolved' });
      const last = await step(c4, 'reopen', { reason: 'It broke again' });

      // April: outside the window.
      await register(zoe, '2026-04-02T09:00:00.000Z', 'billing', 'phone');

      const stats = expectStatus(
        await t.request(
          'GET',
          `/analytics/complaints?from=2026-03-01&to=2026-04-01&groupBy=category&interval=month&minPosition=${last.json.position}`,
        ),
        200,
      );
      const report = stats.json;
      expect(report).toMatchObject({
        from: '2026-03-01T00:00:00.000Z',
        to: '2026-04-01T00:00:00.000Z',
        groupBy: 'category',
        interval: 'month',
      });
      expect(report.counts).toEqual({
        status: { closed: 2, resolved: 1, investigating: 1 },
        category: { billing: 2, delivery: 2 },
        product: { '(none)': 4 },
        channel: { phone: 2, email: 1, web: 1 },
        department: { [billing]: 2, '(none)': 2 },
        severity: { high: 2, low: 1, '(none)': 1 },
        // Registered here, not imported: no source values.
        company: { '(none)': 4 },
        state: { '(none)': 4 },
        issue: { '(none)': 4 },
        subIssue: { '(none)': 4 },
        sourceChannel: { '(none)': 4 },
        companyResponse: { '(none)': 4 },
        timely: { '(none)': 4 },
        disputed: { '(none)': 4 },
      });
      expect(report.totals).toEqual({
        complaints: 4,
        customers: 3,
        validity: { assessed: 4, valid: 3, ratio: 0.75 },
        // c4's resolution was reopened: only c1 (in time) and c2 (breached) are decided.
        sla: { decided: 2, withinSla: 1, compliance: 0.5, breaches: { firstResponse: 1, resolution: 1, complaints: 1 } },
        timeToAcknowledgeHours: { count: 4, mean: 1, median: 0.5, p90: 3 },
        timeToResolveHours: { count: 2, mean: 22.5, median: 22.5, p90: 40 },
        reopen: { eligible: 4, reopened: 1, rate: 0.25 },
        repeatComplainers: { customers: 1, complaints: 2, share: 0.3333 },
        csat: { responses: 2, average: 4.5, distribution: { '1': 0, '2': 0, '3': 0, '4': 1, '5': 1 } },
        nps: { responses: 2, promoters: 1, passives: 1, detractors: 0, score: 50 },
      });
      expect(report.previous).toMatchObject({
        from: '2026-01-29T00:00:00.000Z',
        to: '2026-03-01T00:00:00.000Z',
        totals: { complaints: 2, sla: { decided: 2, withinSla: 0, compliance: 0 }, csat: { average: 3 }, nps: { score: -100 } },
      });
      expect(report.change).toMatchObject({
        complaints: { previous: 2, current: 4, difference: 2, relative: 1 },
        slaCompliance: { previous: 0, current: 0.5, difference: 0.5, relative: null },
        csatAverage: { previous: 3, current: 4.5, difference: 1.5, relative: 0.5 },
        nps: { previous: -100, current: 50, difference: 150 },
      });
      expect(report.groups.map((g: { group: string; complaints: number }) => [g.group, g.complaints])).toEqual([
        ['billing', 2],
        ['delivery', 2],
      ]);
      expect(report.groups[0]).toMatchObject({ sla: { compliance: 0.5 }, timeToResolveHours: { median: 22.5 } });
      expect(report.groups[1]).toMatchObject({ validity: { ratio: 0.5 }, reopen: { reopened: 1 } });
      expect(report.series).toEqual([
        expect.objectContaining({
          period: '2026-03',
          start: '2026-03-01T00:00:00.000Z',
          end: '2026-04-01T00:00:00.000Z',
          group: 'billing',
          complaints: 2,
        }),
        expect.objectContaining({ period: '2026-03', group: 'delivery', complaints: 2 }),
      ]);

      // By ISO week, filtered to one category.
      const weekly = expectStatus(
        await t.request('GET', '/analytics/complaints?from=2026-03-01&to=2026-04-01&interval=week&category=delivery'),
        200,
      );
      expect(weekly.json.series.map((s: { period: string; complaints: number }) => [s.period, s.complaints])).toEqual([
        ['2026-W09', 0],
        ['2026-W10', 0],
        ['2026-W11', 1],
        ['2026-W12', 1],
        ['2026-W13', 0],
        ['2026-W14', 0],
      ]);

      const exported = await csv('/analytics/complaints?from=2026-03-01&to=2026-04-01&groupBy=category');
      expect(exported.header.slice(0, 5)).toEqual(['from', 'to', 'period', 'group', 'complaints']);
      expect(exported.header).toContain('sla.compliance');
      expect(exported.header).toContain('csat.distribution.5');
      expect(exported.rows.map((r) => [r.group, r.complaints, r['sla.compliance']])).toEqual([
        ['billing', '2', '0.5'],
        ['delivery', '2', ''],
      ]);

      const bad = await refused(
        () => t.request('GET', '/analytics/complaints?groupBy=colour&interval=year&from=soon'),
        400,
        'VALIDATION_FAILED',
      );
      expect(fields(bad)).toEqual(['from', 'groupBy', 'interval']);
      expect(
        fields(await refused(() => t.request('GET', '/analytics/complaints?from=2026-04-01&to=2026-03-01'), 400, 'VALIDATION_FAILED')),
      ).toEqual(['from']);
      expect(
        fields(
          await refused(
            () => t.request('GET', '/analytics/complaints?from=2000-01-01&to=2026-03-01&interval=day'),
            400,
            'VALIDATION_FAILED',
          ),
        ),
      ).toEqual(['interval']);
    });
  });

  describe('predictive lifetime value', () => {
    beforeEach(async () => {
      t = await startTestApp({ consistencyTimeoutMs: 5000 });
    });

    /** 30 customers simulated from a BG/NBD process (weeks), first purchases spread over August-October 2025. */
    function syntheticPurchases(): { customer: number; occurredAt: string; amount: number }[] {
      const random = new SeededRandom(7);
      const calibrationEnd = Date.parse('2026-02-28T00:00:00.000Z');
      const purchases: { customer: number; occurredAt: string; amount: number }[] = [];
      for (let i = 0; i < 30; i++) {
        const first = Date.parse('2025-08-01T10:00:00.000Z') + i * 3 * 86_400_000;
        const T = (calibrationEnd - first) / (7 * 86_400_000);
        const [simulated] = simulateBgNbd({ r: 0.8, alpha: 3, a: 0.8, b: 2.5 }, [T], random);
        const spend = 20 + 60 * random.uniform();
        for (const time of [0, ...simulated.transactionTimes]) {
          const amount = Math.round(spend * (0.6 + 0.8 * random.uniform()) * 100) / 100;
          purchases.push({ customer: i, occurredAt: new Date(first + Math.round(time * 7) * 86_400_000).toISOString(), amount });
        }
      }
      return purchases;
    }

    it('fits BG/NBD and Gamma-Gamma by maximum likelihood, records the model and predicts per customer', async () => {
      await refused(() => t.request('GET', '/analytics/clv/model'), 404, 'CLV_MODEL_NOT_FITTED');
      await refused(() => t.request('POST', '/analytics/clv/fit', { until: '2026-02-28' }), 422, 'CLV_NOT_ENOUGH_DATA');

      const synthetic = syntheticPurchases();
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push(await customer(`Customer ${i}`));
      for (const p of synthetic) await buy(ids[p.customer], p.occurredAt, p.amount);
      // One purchase after the calibration end: it is not part of the fit.
      await buy(ids[0], '2026-03-05T10:00:00.000Z', 40);

      await refused(() => t.request('POST', '/analytics/clv/fit', { until: '2026-03-11' }), 422, 'CALIBRATION_END_IN_FUTURE');
      expect(
        fields(
          await refused(() => t.request('POST', '/analytics/clv/fit', { until: '28/02/2026', unit: 'month' }), 400, 'VALIDATION_FAILED'),
        ),
      ).toEqual(['unit', 'until']);

      const fitted = expectStatus(
        await t.request('POST', '/analytics/clv/fit', { until: '2026-02-28', unit: 'week' }, { 'idempotency-key': 'fit-1' }),
        201,
      );
      expect(fitted.headers.location).toBe('/analytics/clv/model');

      // The same fit done directly with the pure functions on the same purchases.
      const purchases: Purchase[] = synthetic.map((p) => ({ customerId: ids[p.customer], occurredAt: p.occurredAt, amount: p.amount }));
      const summaries = summarizePurchases(purchases, { calibrationEnd: '2026-02-28', unit: 'week' });
      const bg = fitBgNbd(summaries);
      const gg = fitGammaGamma(summaries);
      expect(fitted.json).toMatchObject({
        calibrationEnd: '2026-02-28',
        unit: 'week',
        customers: 30,
        repeatCustomers: summaries.filter((s) => s.x > 0).length,
        replayed: false,
        position: expect.stringMatching(/^\d+$/),
      });
      for (const key of ['r', 'alpha', 'a', 'b'] as const) expect(fitted.json.bgnbd[key]).toBeCloseTo(bg.params[key], 6);
      for (const key of ['p', 'q', 'gamma'] as const) expect(fitted.json.gammaGamma[key]).toBeCloseTo(gg.params[key], 6);
      expect(fitted.json.bgnbd.logLikelihood).toBeCloseTo(bg.logLikelihood, 6);
      expect(fitted.json.gammaGamma.logLikelihood).toBeCloseTo(gg.logLikelihood, 6);

      // A retry with the same Idempotency-Key returns the same model and appends nothing.
      const before = await t.eventCount();
      const retry = expectStatus(
        await t.request('POST', '/analytics/clv/fit', { until: '2026-02-28', unit: 'week' }, { 'idempotency-key': 'fit-1' }),
        201,
      );
      expect(retry.json).toMatchObject({ modelId: fitted.json.modelId, replayed: true });
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await t.eventCount()).toBe(before);

      const model = expectStatus(await t.request('GET', `/analytics/clv/model?minPosition=${fitted.json.position}`), 200);
      expect(model.json).toMatchObject({
        modelId: fitted.json.modelId,
        fittedAt: '2026-03-10T12:00:00.000Z',
        revision: 0,
        bgnbd: { r: fitted.json.bgnbd.r },
      });
      expect((await t.request('GET', '/analytics/clv/models')).json).toEqual({ items: [model.json], nextCursor: null });

      // By default predictions are made as of the model's calibration end (28 February), over a year of weeks at 10 % a year.
      const rich = ids[0];
      const own = purchases
        .filter((p) => p.customerId === rich)
        .concat([{ customerId: rich, occurredAt: '2026-03-05T10:00:00.000Z', amount: 40 }]);
      const atCalibrationEnd = expectStatus(await t.request('GET', `/analytics/customers/${rich}/value`), 200);
      const [calibrated] = summarizePurchases(own, { calibrationEnd: '2026-02-28', unit: 'week' });
      const expectedAtEnd = customerLifetimeValue(bg.params, gg.params, calibrated, { horizon: 52, discountRate: 1.1 ** (7 / 365.25) - 1 });
      expect(atCalibrationEnd.json).toMatchObject({
        asOf: '2026-02-28',
        asOfBasis: 'model-calibration-end',
        predictive: { asOf: '2026-02-28', x: calibrated.x },
      });
      expect(atCalibrationEnd.json.predictive.expectedTransactions).toBeCloseTo(expectedAtEnd.expectedTransactions, 4);
      expect(atCalibrationEnd.json.predictive.clv).toBeCloseTo(expectedAtEnd.clv, 1);
      // As of a day asked for (today, 10 March): the history up to it, the purchase of 5 March included.
      const value = expectStatus(await t.request('GET', `/analytics/customers/${rich}/value?asOf=2026-03-10`), 200);
      const [summary] = summarizePurchases(own, { calibrationEnd: '2026-03-10', unit: 'week' });
      const expected = customerLifetimeValue(bg.params, gg.params, summary, { horizon: 52, discountRate: 1.1 ** (7 / 365.25) - 1 });
      expect(value.json).toMatchObject({ asOf: '2026-03-10', asOfBasis: 'requested' });
      expect(
        fields(await refused(() => t.request('GET', `/analytics/customers/${rich}/value?asOf=2026-03-11`), 400, 'VALIDATION_FAILED')),
      ).toEqual(['asOf']);
      expect(fields(await refused(() => t.request('GET', `/analytics/lifetime-value?asOf=10.03.2026`), 400, 'VALIDATION_FAILED'))).toEqual([
        'asOf',
      ]);
      expect(value.json.predictive).toMatchObject({
        modelId: fitted.json.modelId,
        unit: 'week',
        asOf: '2026-03-10',
        horizon: 52,
        annualDiscountRate: 0.1,
        x: summary.x,
      });
      expect(value.json.predictive.clv).toBeCloseTo(expected.clv, 1);
      expect(value.json.predictive.probabilityAlive).toBeCloseTo(expected.probabilityAlive, 4);
      expect(value.json.predictive.expectedTransactions).toBeCloseTo(expected.expectedTransactions, 4);
      expect(value.json.predictive.expectedSpend).toBeCloseTo(expected.expectedSpend, 1);
      // A shorter horizon and a margin share scale it down.
      const shorter = await t.request('GET', `/analytics/customers/${rich}/value?horizon=13&marginShare=0.5&discount=0&asOf=2026-03-10`);
      const expectedShort = customerLifetimeValue(bg.params, gg.params, summary, { horizon: 13, discountRate: 0, marginShare: 0.5 });
      expect(shorter.json.predictive.clv).toBeCloseTo(expectedShort.clv, 1);

      // The top list by CLV, computed at query time.
      const top = expectStatus(await t.request('GET', '/analytics/lifetime-value?sort=clv&limit=5'), 200);
      expect(top.json).toMatchObject({ asOf: '2026-02-28', asOfBasis: 'model-calibration-end' });
      const clvs = top.json.items.map((i: { predictive: { clv: number } }) => i.predictive.clv);
      expect(clvs).toHaveLength(5);
      expect([...clvs].sort((p: number, q: number) => q - p)).toEqual(clvs);
      const next = await t.request('GET', `/analytics/lifetime-value?sort=clv&limit=5&cursor=${encodeURIComponent(top.json.nextCursor)}`);
      expect(next.json.items[0].predictive.clv).toBeLessThanOrEqual(clvs[4]);
      const exported = await csv('/analytics/lifetime-value?sort=clv&limit=5');
      expect(exported.rows.map((r) => Number(r['predictive.clv']))).toEqual(clvs);

      // A list sorted by a stored field reads the purchase days' summary, not the days: every
      // customer's values equal those of their own value page, which reads the days.
      const byRevenue = expectStatus(await t.request('GET', '/analytics/lifetime-value?sort=revenue&limit=30'), 200);
      expect(byRevenue.json.items).toHaveLength(30);
      for (const item of byRevenue.json.items as { customerId: string; predictive: unknown; currentValue: unknown }[]) {
        const own = expectStatus(await t.request('GET', `/analytics/customers/${item.customerId}/value`), 200);
        expect({ customerId: item.customerId, predictive: item.predictive, currentValue: item.currentValue }).toEqual({
          customerId: item.customerId,
          predictive: own.json.predictive,
          currentValue: own.json.currentValue,
        });
      }
    });
  });
});
