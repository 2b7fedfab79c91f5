import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';
import { expectRefused } from '../support/http-spec';

process.env.RELATA_SEGMENTATION_SCHEDULER = 'off';

/**
 * Two times on every fact, over HTTP: business time (when it happened) given on registrations,
 * refused when impossible (with nothing appended); segmentation runs keyed by their as-of, a
 * historical one placed before a later one; segments and members as of an instant.
 */
describe('business time over HTTP', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const refused = (send: () => Promise<TestResponse>, status: number, code: string) => expectRefused(t, send, status, code);

  it('registers a customer who became one earlier, with a source id, and finds them by it', async () => {
    const created = await t.request('POST', '/customers', {
      name: 'Ana',
      kind: 'customer',
      customerSince: '2019-05-01T00:00:00Z',
      source: { system: 'legacy-crm', id: 'A-17' },
    });
    expect(created.status).toBe(201);
    const found = await t.request('GET', `/sources/legacy-crm/A-17?minPosition=${created.json.position}`);
    expect(found.json).toEqual({
      system: 'legacy-crm',
      sourceId: 'A-17',
      records: [{ kind: 'customer', id: created.json.id, since: '2019-05-01T00:00:00.000Z', href: `/customers/${created.json.id}` }],
    });
    const value = await t.request('GET', `/analytics/customers/${created.json.id}/value?minPosition=${created.json.position}`);
    expect(value.status).toBe(200);

    await refused(
      () => t.request('POST', '/customers', { name: 'Bruno', customerSince: '2026-03-11T00:00:00Z' }),
      422,
      'OCCURRED_IN_FUTURE',
    );
    const malformed = await refused(
      () => t.request('POST', '/customers', { name: 'Bruno', customerSince: 'last year', source: { system: 'Legacy CRM', id: '' } }),
      400,
      'VALIDATION_FAILED',
    );
    expect((malformed.json.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'customerSince',
      'source.id',
      'source.system',
    ]);
    expect((await t.request('GET', '/sources/legacy-crm/B-1')).status).toBe(404);
    const badSystem = await t.request('GET', '/sources/Legacy%20CRM/A-17');
    expect({
      status: badSystem.status,
      code: badSystem.json.code,
      fields: badSystem.json.errors.map((e: { field: string }) => e.field),
    }).toEqual({ status: 400, code: 'VALIDATION_FAILED', fields: ['system'] });
  });

  it('registers a complaint received and acknowledged before it was registered; impossible times are refused', async () => {
    const customer = (await t.request('POST', '/customers', { name: 'Carla', kind: 'customer' })).json.id;
    const complaint = { customerId: customer, channel: 'letter', category: 'Billing', description: 'Charged twice' };
    const registered = await t.request('POST', '/complaints', {
      ...complaint,
      receivedAt: '2026-01-05T09:00:00Z',
      acknowledgedAt: '2026-01-07T09:00:00Z',
      source: { system: 'mailroom', id: 'L-1' },
    });
    expect(registered.status).toBe(201);
    const view = await t.request('GET', `/complaints/${registered.json.id}?minPosition=${registered.json.position}`);
    expect(view.json).toMatchObject({
      occurredAt: '2026-01-05T09:00:00.000Z',
      receivedAt: '2026-01-05T09:00:00.000Z',
      acknowledgement: { automatic: false, acknowledgedAt: '2026-01-07T09:00:00.000Z' },
    });
    const stats = await t.request('GET', `/analytics/complaints?from=2026-01-01&to=2026-02-01&minPosition=${registered.json.position}`);
    expect(stats.json).toMatchObject({
      asOf: '2026-02-01T00:00:00.000Z',
      asOfBasis: 'requested',
      totals: { complaints: 1, timeToAcknowledgeHours: { count: 1, median: 48 } },
    });

    await refused(() => t.request('POST', '/complaints', { ...complaint, receivedAt: '2026-03-11T00:00:00Z' }), 422, 'OCCURRED_IN_FUTURE');
    await refused(
      () => t.request('POST', '/complaints', { ...complaint, receivedAt: '2026-01-05T00:00:00Z', acknowledgedAt: '2026-01-04T00:00:00Z' }),
      422,
      'ACKNOWLEDGED_BEFORE_RECEIPT',
    );
    await refused(
      () => t.request('POST', '/complaints', { ...complaint, receivedAt: '2026-01-05T00:00:00Z', acknowledgedAt: '2026-03-11T00:00:00Z' }),
      422,
      'OCCURRED_IN_FUTURE',
    );
    await refused(
      () => t.request('POST', '/complaints', { ...complaint, occurredAt: '2026-01-06T00:00:00Z', receivedAt: '2026-01-05T00:00:00Z' }),
      422,
      'RECEIVED_BEFORE_OCCURRENCE',
    );
    await refused(() => t.request('POST', '/complaints', { ...complaint, receivedAt: 'yesterday' }), 400, 'VALIDATION_FAILED');
  });

  it('runs a historical segmentation after a later one; segments and members answer as of an instant and say which run', async () => {
    const buy = async (id: string, day: string, amount: number) =>
      expect(
        (
          await t.request('POST', `/customers/${id}/purchases`, {
            lines: [{ product: 'CD', quantity: 1, amount }],
            margin: 0,
            occurredAt: `${day}T10:00:00.000Z`,
          })
        ).status,
      ).toBe(201);
    const ids: string[] = [];
    for (const name of ['Ana', 'Bruno', 'Carla']) {
      ids.push((await t.request('POST', '/customers', { name, kind: 'customer', customerSince: '2025-12-01T00:00:00Z' })).json.id);
    }
    const [ana, bruno, carla] = ids;
    await buy(ana, '2026-01-05', 100);
    await buy(bruno, '2026-01-06', 50);
    await buy(carla, '2026-02-20', 10);
    await buy(ana, '2026-03-01', 100);

    const march = await t.request('POST', '/analytics/segments/recompute?asOf=2026-03-05');
    expect(march.status).toBe(200);
    const january = await t.request('POST', '/analytics/segments/recompute?asOf=2026-01-31');
    expect(january.status).toBe(200);
    expect(january.json).toMatchObject({ asOf: '2026-01-31T00:00:00.000Z', replayed: false, customersScored: { rfm: 2 } });
    const before = await t.eventCount();
    expect((await t.request('POST', '/analytics/segments/recompute?asOf=2026-01-31')).json).toMatchObject({ replayed: true, changes: 0 });
    expect(await t.eventCount()).toBe(before);

    const inJanuary = await t.request('GET', `/analytics/segments?scheme=rfm&asOf=2026-02-15&minPosition=${january.json.position}`);
    expect(inJanuary.json).toMatchObject({
      asOf: '2026-01-31T00:00:00.000Z',
      asOfBasis: 'segmentation-run',
      requestedAsOf: '2026-02-15T00:00:00.000Z',
    });
    const counted = Object.fromEntries(
      (inJanuary.json.items as { segment: string; customers: number }[])
        .filter((i) => i.customers > 0)
        .map((i) => [i.segment, i.customers]),
    );
    expect(counted).toEqual(january.json.segments.rfm);
    const latest = await t.request('GET', '/analytics/segments?scheme=rfm');
    expect(latest.json).toMatchObject({ asOf: '2026-03-05T00:00:00.000Z', asOfBasis: 'segmentation-run', requestedAsOf: null });
    expect(
      Object.fromEntries(
        (latest.json.items as { segment: string; customers: number }[]).filter((i) => i.customers > 0).map((i) => [i.segment, i.customers]),
      ),
    ).toEqual(march.json.segments.rfm);

    // Transitions between the two runs, in business time, as of their end; Carla entered a segment between them.
    const transitions = await t.request('GET', '/analytics/segments/transitions?from=2026-02-01&to=2026-03-06');
    expect(transitions.json).toMatchObject({ asOf: '2026-03-06T00:00:00.000Z', asOfBasis: 'requested', customers: 3 });
    expect(
      (transitions.json.items as { from: string; customers: number }[])
        .filter((i) => i.from === '(none)')
        .reduce((sum, i) => sum + i.customers, 0),
    ).toBe(1);

    // Carla bought in February: a member of nothing in January, of a segment in March.
    const [segment] = Object.keys(january.json.segments.rfm);
    const members = await t.request('GET', `/analytics/segments/${segment}/members?asOf=2026-02-01`);
    expect(members.json).toMatchObject({ asOf: '2026-01-31T00:00:00.000Z' });
    expect(
      (members.json.items as { customerId: string; since: string }[]).every(
        (m) => m.customerId !== carla && m.since === '2026-01-31T00:00:00.000Z',
      ),
    ).toBe(true);
    const history = await t.request('GET', `/analytics/segments/history?customerId=${ana}&scheme=rfm`);
    const changes = history.json.items as { from: string | null; to: string; at: string }[];
    expect(changes.at(-1)).toMatchObject({ from: null, at: '2026-01-31T00:00:00.000Z' });
    // Every change starts from the segment the one before it entered, in business-time order.
    for (let i = 0; i < changes.length - 1; i++) expect(changes[i].from).toBe(changes[i + 1].to);
  });
});
