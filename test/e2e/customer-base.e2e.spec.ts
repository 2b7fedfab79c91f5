import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';

process.env.RELATA_SEGMENTATION_SCHEDULER = 'off';

/**
 * Retention economics and word of mouth over HTTP, as of business time: retention and churn per
 * month and cohort, referral analytics, and the reach of satisfied and unsatisfied complainants.
 * The expected figures are worked out by hand in the comments.
 */
describe('retention, referrals and word of mouth', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const ok = (response: TestResponse, status = 200): TestResponse => {
    expect({ status: response.status, body: response.status === status ? undefined : response.body }).toEqual({ status, body: undefined });
    return response;
  };
  const register = async (name: string, body: Record<string, unknown> = {}) =>
    ok(await t.request('POST', '/customers', { name, kind: 'customer', customerSince: '2025-12-01T00:00:00Z', ...body }), 201).json;
  const buy = async (id: string, day: string, amount: number) =>
    ok(
      await t.request('POST', `/customers/${id}/purchases`, {
        lines: [{ product: 'CD', quantity: 1, amount }],
        margin: 0,
        occurredAt: `${day}T10:00:00.000Z`,
      }),
      201,
    ).json;

  it('retention and churn per month and per cohort, up to the end of the data, with the cost of replacing the customers lost', async () => {
    // December: A, B. January: A, C. February: A, C, D.
    const [a, b, c, d] = [await register('A'), await register('B'), await register('C'), await register('D')];
    await buy(a.id, '2025-12-03', 10);
    await buy(b.id, '2025-12-04', 10);
    await buy(a.id, '2026-01-05', 10);
    await buy(c.id, '2026-01-06', 10);
    await buy(a.id, '2026-02-05', 10);
    await buy(c.id, '2026-02-06', 10);
    const last = await buy(d.id, '2026-02-07', 10);

    // asOf 2026-03-01: December, January and February have ended.
    const report = ok(
      await t.request('GET', `/analytics/retention?asOf=2026-03-01&acquisitionCostMultiple=5&minPosition=${last.position}`),
    ).json;
    expect(report).toMatchObject({ asOf: '2026-03-01T00:00:00.000Z', asOfBasis: 'requested', interval: 'month' });
    expect(report.periods).toEqual([
      {
        period: '2025-12',
        start: '2025-12-01T00:00:00.000Z',
        end: '2026-01-01T00:00:00.000Z',
        active: 2,
        retained: null,
        retentionRate: null,
        churnRate: null,
        newCustomers: 2,
      },
      // Of A and B, A bought again: 1/2.
      {
        period: '2026-01',
        start: '2026-01-01T00:00:00.000Z',
        end: '2026-02-01T00:00:00.000Z',
        active: 2,
        retained: 1,
        retentionRate: 0.5,
        churnRate: 0.5,
        newCustomers: 1,
      },
      // Of A and C, both bought again.
      {
        period: '2026-02',
        start: '2026-02-01T00:00:00.000Z',
        end: '2026-03-01T00:00:00.000Z',
        active: 3,
        retained: 2,
        retentionRate: 1,
        churnRate: 0,
        newCustomers: 1,
      },
    ]);
    expect(report.cohorts).toEqual([
      { cohort: '2025-12', customers: 2, activeShare: [1, 0.5, 0.5] },
      { cohort: '2026-01', customers: 1, activeShare: [1, 1] },
      { cohort: '2026-02', customers: 1, activeShare: [1] },
    ]);
    expect(report.economics).toEqual({ acquisitionCostMultiple: 5, lostInLastPeriod: 0, replacementCostInRetentionUnits: 0 });

    // As of mid-February, February is under way: the last period is January, which lost B.
    const january = ok(await t.request('GET', '/analytics/retention?asOf=2026-02-15&acquisitionCostMultiple=4')).json;
    expect(january.periods.map((p: { period: string }) => p.period)).toEqual(['2025-12', '2026-01']);
    expect(january.economics).toEqual({ acquisitionCostMultiple: 4, lostInLastPeriod: 1, replacementCostInRetentionUnits: 4 });

    // No as-of: the end of the data (the day after D's purchase, 2026-02-08), not the wall clock (2026-03-10).
    expect(ok(await t.request('GET', '/analytics/retention')).json).toMatchObject({
      asOf: '2026-02-08T00:00:00.000Z',
      asOfBasis: 'end-of-data',
    });
    const bad = await t.request('GET', '/analytics/retention?interval=week&acquisitionCostMultiple=-1');
    expect({ status: bad.status, code: bad.json.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('referrals: who referred whom by the as-of, the value of referred customers, the referral rate by channel and segment', async () => {
    const ana = await register('Ana', { acquisitionChannel: 'web' });
    const bruno = await register('Bruno', { acquisitionChannel: 'store' });
    // Carla came through Ana's referral; Duarte was referred by Bruno, recorded on Bruno's side later.
    const carla = await register('Carla', { acquisitionChannel: 'referral', referredBy: ana.id, customerSince: '2026-01-10T00:00:00Z' });
    const duarte = await register('Duarte', { acquisitionChannel: 'web', customerSince: '2026-02-01T00:00:00Z' });
    await buy(ana.id, '2025-12-05', 100);
    await buy(bruno.id, '2025-12-06', 40);
    await buy(carla.id, '2026-01-12', 300);
    await buy(duarte.id, '2026-02-02', 60);
    t.clock.set('2026-03-10T13:00:00.000Z');
    ok(await t.request('POST', `/customers/${bruno.id}/referrals`, { referredCustomerId: duarte.id }), 201);
    const run = ok(await t.request('POST', '/analytics/segments/recompute?asOf=2026-03-01')).json;

    const report = ok(await t.request('GET', `/analytics/referrals?asOf=2026-03-11&minPosition=${run.position}&scheme=rfm`)).json;
    expect(report).toMatchObject({
      asOf: '2026-03-11T00:00:00.000Z',
      customers: 4,
      referralsMade: 2,
      referrers: 2,
      referredCustomers: 2,
      referralRate: 0.5,
      segmentsAsOf: run.asOf,
      value: {
        referred: { customers: 2, byCurrency: { USD: { revenue: 360, averageRevenue: 180 } } },
        others: { customers: 2, byCurrency: { USD: { revenue: 140, averageRevenue: 70 } } },
      },
    });
    expect(report.byAcquisitionChannel).toEqual([
      { group: 'referral', customers: 1, referrers: 0, referralRate: 0 },
      { group: 'store', customers: 1, referrers: 1, referralRate: 1 },
      { group: 'web', customers: 2, referrers: 1, referralRate: 0.5 },
    ]);
    expect((report.bySegment as { customers: number }[]).reduce((sum, g) => sum + g.customers, 0)).toBe(4);

    // As of mid-January: Duarte was not a customer yet and Bruno's referral was recorded in March.
    const january = ok(await t.request('GET', '/analytics/referrals?asOf=2026-01-15')).json;
    expect(january).toMatchObject({
      customers: 3,
      referralsMade: 1,
      referrers: 1,
      referredCustomers: 1,
      value: { referred: { byCurrency: { USD: { revenue: 300 } } }, others: { byCurrency: { USD: { revenue: 140 } } } },
    });
    expect(january.bySegment).toEqual([{ group: '(none)', customers: 3, referrers: 1, referralRate: 0.3333 }]);
  });

  it('word of mouth: the reach of satisfied and unsatisfied complainants, with the essay factors or given ones', async () => {
    const customer = (await register('Eva')).id;
    const step = async (id: string, path: string, body?: unknown) => ok(await t.request('POST', `/complaints/${id}/${path}`, body));
    let position = '';
    // Four complaints answered CSAT 5, 4, 3 and 1; one more never answered.
    for (const csat of [5, 4, 3, 1, null]) {
      const id = ok(
        await t.request('POST', '/complaints', {
          customerId: customer,
          channel: 'email',
          category: 'billing',
          description: 'Wrong invoice',
        }),
        201,
      ).json.id;
      if (csat === null) continue;
      await step(id, 'assess', { valid: true, rationale: 'Confirmed' });
      await step(id, 'grade', { severity: 'low', difficulty: 'low' });
      await step(id, 'root-cause', { category: 'billing-error', text: 'Typo' });
      await step(id, 'resolve', { solution: 'Corrected' });
      await step(id, 'communicate', { channel: 'email', summary: 'Corrected invoice sent' });
      position = (await step(id, 'satisfaction', { csat, nps: 7, ...(csat <= 2 ? { reason: 'Took too long' } : {}) })).json.position;
    }
    const reach = ok(await t.request('GET', `/analytics/word-of-mouth?minPosition=${position}`)).json;
    // Live data (received today): as of now.
    expect(reach).toEqual({
      asOf: '2026-03-10T12:00:00.000Z',
      asOfBasis: 'now',
      factors: { tellsSatisfied: 3.5, tellsUnsatisfied: 8.5 },
      responses: 4,
      satisfied: 2,
      neutral: 1,
      unsatisfied: 1,
      positiveReach: 7,
      negativeReach: 8.5,
      netReach: -1.5,
    });
    const given = ok(await t.request('GET', '/analytics/word-of-mouth?tellsSatisfied=4&tellsUnsatisfied=10')).json;
    expect(given).toMatchObject({ positiveReach: 8, negativeReach: 10, netReach: -2 });
    expect(ok(await t.request('GET', '/analytics/word-of-mouth?asOf=2026-03-10')).json).toMatchObject({ responses: 0, netReach: 0 });
  });
});
