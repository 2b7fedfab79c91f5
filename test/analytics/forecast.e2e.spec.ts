/**
 * GET /analytics/forecast over HTTP on a few customers: groups that add up to the total, the
 * pipeline of open suggestions weighted by the probability agents set on them, CSV, role
 * permissions, and every bad request refused as problem+json that appends nothing. (The figures
 * themselves are checked on the CDNOW sample in forecast-cdnow.e2e.spec.ts.)
 */
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';

process.env.RELATA_SEGMENTATION_SCHEDULER = 'off';

describe('GET /analytics/forecast', () => {
  let t: TestApp;
  let position: string;

  const ok = (response: TestResponse, status = 200): TestResponse => {
    expect({ status: response.status, body: response.status === status ? null : response.body }).toEqual({ status, body: null });
    return response;
  };
  async function refused(url: string, status: number, code: string, headers?: Record<string, string>): Promise<TestResponse> {
    const before = await t.eventCount();
    const response = await t.request('GET', url, undefined, headers);
    expect({ status: response.status, code: response.json.code }).toEqual({ status, code });
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await t.eventCount()).toBe(before);
    return response;
  }
  const fields = (response: TestResponse): string[] => (response.json.errors as { field: string }[]).map((e) => e.field).sort();
  const sum = (values: number[]): number => values.reduce((s, v) => s + v, 0);

  beforeAll(async () => {
    // The clock stands at 2026-03-10T12:00Z.
    t = await startTestApp({ consistencyTimeoutMs: 10_000 });
    const customer = async (name: string): Promise<string> =>
      ok(await t.request('POST', '/customers', { name, kind: 'customer' }), 201).json.id;
    const buy = async (id: string, occurredAt: string, product: string, amount: number) =>
      ok(await t.request('POST', `/customers/${id}/purchases`, { lines: [{ product, quantity: 1, amount }], occurredAt }), 201);
    const [a, b, c] = [await customer('Ana'), await customer('Ben'), await customer('Cy')];
    await buy(a, '2025-10-01T10:00:00Z', 'CD', 30);
    await buy(a, '2025-11-01T10:00:00Z', 'Book', 20);
    await buy(a, '2026-01-10T10:00:00Z', 'CD', 40);
    await buy(b, '2025-12-01T10:00:00Z', 'CD', 50);
    await buy(b, '2026-02-01T10:00:00Z', 'CD', 50);
    await buy(c, '2026-01-05T10:00:00Z', 'Book', 10);

    await refused('/analytics/forecast?from=2026-03-01&to=2026-06-01', 422, 'CLV_MODEL_REQUIRED');

    // The pipeline: Ana's with the agent's 30 %, Ben's without a probability, Cy's accepted.
    const suggest = async (id: string, body: Record<string, unknown>) =>
      ok(await t.request('POST', `/customers/${id}/suggestions`, body), 201).json.suggestionId;
    await suggest(a, { product: 'Box set', expectedValue: 100, expiresAt: '2026-04-15T00:00:00Z', probability: 0.3 });
    await suggest(b, { product: 'Gold plan', expectedValue: 200, expiresAt: '2026-05-20T00:00:00Z' });
    const cy = await suggest(c, { product: 'Poster', expectedValue: 50, expiresAt: '2026-03-20T00:00:00Z', probability: 1 });
    ok(await t.request('POST', `/customers/${c}/suggestions/${cy}/accept`, {}));

    ok(await t.request('POST', '/analytics/segments/recompute', undefined));
    position = ok(await t.request('POST', '/analytics/clv/fit', { until: '2026-02-28' }), 201).json.position;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('forecasts each month after the calibration end, says its as-of, and has no actuals beyond the last purchase', async () => {
    const view = ok(
      await t.request('GET', `/analytics/forecast?from=2026-02-01&to=2026-06-01&interval=month&minPosition=${position}`),
    ).json;
    expect(view).toMatchObject({
      asOf: '2026-02-28',
      asOfBasis: 'model-calibration-end',
      calibrationEnd: '2026-02-28',
      cohortCustomers: 3,
      actualsKnownUntil: '2026-02-01',
      backtest: null,
    });
    expect(view.periods.map((p: any) => [p.period, p.from, p.to])).toEqual([
      ['2026-02', '2026-02-01', '2026-03-01'],
      ['2026-03', '2026-03-01', '2026-04-01'],
      ['2026-04', '2026-04-01', '2026-05-01'],
      ['2026-05', '2026-05-01', '2026-06-01'],
    ]);
    // February is before the forecast starts: actuals only (Ben's purchase of 1 February).
    expect(view.periods[0]).toMatchObject({ forecast: null, actual: { transactions: 1, revenue: 50 } });
    for (const p of view.periods.slice(1)) {
      expect(p.actual).toBeNull();
      expect(p.forecast.transactions).toBeGreaterThan(0);
      expect(p.forecast.revenue).toBeGreaterThan(0);
    }
    expect(view.forecast.transactions).toBeCloseTo(sum(view.periods.slice(1).map((p: any) => p.forecast.transactions)), 2);
    // Weeks over the same days hold the same expectation.
    const weekly = ok(await t.request('GET', '/analytics/forecast?from=2026-03-01&to=2026-06-01&interval=week')).json;
    expect(weekly.periods[0]).toMatchObject({ period: '2026-W09', from: '2026-03-01', to: '2026-03-02' });
    expect(weekly.forecast.transactions).toBeCloseTo(view.forecast.transactions, 2);
    // As of an earlier day asked for: the forecast starts then, February has a forecast too.
    const earlier = ok(await t.request('GET', '/analytics/forecast?from=2026-02-01&to=2026-03-01&asOf=2026-01-31')).json;
    expect(earlier).toMatchObject({ asOf: '2026-01-31', asOfBasis: 'requested' });
    expect(earlier.periods[0].forecast.transactions).toBeGreaterThan(0);
    // February runs past the last purchase (1 February): not a backtest period.
    expect(earlier.backtest).toBeNull();
    // Four whole weeks from 5 January to 1 February: a backtest on the customers known on 4 January
    // (Cy's first purchase of 5 January is a new customer's, left out): Ana's of 10 January and Ben's of 1 February.
    const backtested = ok(await t.request('GET', '/analytics/forecast?from=2026-01-05&to=2026-02-02&interval=week&asOf=2026-01-04')).json;
    expect(backtested.cohortCustomers).toBe(2);
    expect(backtested.periods.map((p: any) => p.actual.transactions)).toEqual([1, 0, 0, 1]);
    expect(backtested.backtest).toMatchObject({ periods: 4, actual: { transactions: 2, revenue: 90 } });
    const forecasts = backtested.periods.map((p: any) => p.forecast.transactions);
    expect(backtested.backtest.forecast.transactions).toBeCloseTo(sum(forecasts), 2);
    expect(backtested.backtest.mapeTransactions).toBeCloseTo(((Math.abs(forecasts[0] - 1) + Math.abs(forecasts[3] - 1)) / 2) * 100, 1);
  });

  it('groups by segment and by product add up to the total', async () => {
    const bySegment = ok(await t.request('GET', '/analytics/forecast?from=2026-03-01&to=2026-06-01&groupBy=segment')).json;
    expect(bySegment.scheme).toBe('rfm');
    expect(sum(bySegment.groups.map((g: any) => g.forecast.revenue))).toBeCloseTo(bySegment.forecast.revenue, 1);
    const segments = ok(await t.request('GET', '/analytics/segments?scheme=rfm&limit=100'))
      .json.items.filter((s: any) => s.customers > 0)
      .map((s: any) => s.segment);
    expect(bySegment.groups.map((g: any) => g.group).sort()).toEqual([...new Set(segments)].sort());

    const byProduct = ok(await t.request('GET', '/analytics/forecast?from=2026-03-01&to=2026-06-01&groupBy=product')).json;
    expect(byProduct.groups.map((g: any) => g.group).sort()).toEqual(['Book', 'CD']);
    expect(sum(byProduct.groups.map((g: any) => g.forecast.transactions))).toBeCloseTo(byProduct.forecast.transactions, 2);
    expect(sum(byProduct.groups.map((g: any) => g.forecast.revenue))).toBeCloseTo(byProduct.forecast.revenue, 1);
  });

  it('weights the open suggestions by the probability set on them, else by the acceptance rate', async () => {
    const { pipeline } = ok(await t.request('GET', '/analytics/forecast?from=2026-03-01&to=2026-05-01')).json;
    // Cy's was accepted: 1 of 1 decided, so Ben's (no probability) counts at 100 %.
    expect(pipeline).toMatchObject({
      suggestions: 2,
      value: 300,
      weightedValue: 100 * 0.3 + 200 * 1,
      defaultProbability: 1,
      defaultProbabilitySource: 'acceptance-rate',
      withoutProbability: 1,
      periods: [
        { period: '2026-03', suggestions: 0, value: 0, weightedValue: 0 },
        { period: '2026-04', suggestions: 1, value: 100, weightedValue: 30 },
      ],
      later: { suggestions: 1, value: 200, weightedValue: 200 },
    });
  });

  it('answers CSV: the total per period, then each group per period', async () => {
    const response = ok(
      await t.request('GET', '/analytics/forecast?from=2026-03-01&to=2026-05-01&groupBy=product', undefined, { accept: 'text/csv' }),
    );
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    const lines = String(response.body).trim().split('\r\n');
    expect(lines[0]).toBe('group,period,from,to,forecast.transactions,forecast.revenue,actual.transactions,actual.revenue');
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 2).join(','))).toEqual([
      'total,2026-03',
      'total,2026-04',
      'CD,2026-03',
      'CD,2026-04',
      'Book,2026-03',
      'Book,2026-04',
    ]);
  });

  it('is for analysts and supervisors, like the other analytics reads', async () => {
    const analyst = await t.createKey(['analyst']);
    ok(await t.request('GET', '/analytics/forecast?from=2026-03-01&to=2026-04-01', undefined, { authorization: `Bearer ${analyst.key}` }));
    const agent = await t.createKey(['agent']);
    await refused('/analytics/forecast?from=2026-03-01&to=2026-04-01', 403, 'FORBIDDEN', { authorization: `Bearer ${agent.key}` });
  });

  it('refuses a bad window, interval, grouping or as-of with the fields at fault', async () => {
    expect(fields(await refused('/analytics/forecast?from=2026-05-01&to=2026-03-01', 400, 'VALIDATION_FAILED'))).toEqual(['from']);
    expect(fields(await refused('/analytics/forecast?to=2026-03-01&interval=day&groupBy=region', 400, 'VALIDATION_FAILED'))).toEqual([
      'from',
      'groupBy',
      'interval',
    ]);
    expect(fields(await refused('/analytics/forecast?from=1990-01-01&to=2026-01-01&interval=week', 400, 'VALIDATION_FAILED'))).toEqual([
      'interval',
    ]);
    expect(fields(await refused('/analytics/forecast?from=2026-03-01&to=2026-04-01&asOf=2026-03-11', 400, 'VALIDATION_FAILED'))).toEqual([
      'asOf',
    ]);
    expect(fields(await refused('/analytics/forecast?from=2026-03-01&to=2026-04-01&scheme=abc', 400, 'VALIDATION_FAILED'))).toEqual([
      'scheme',
    ]);
  });
});
