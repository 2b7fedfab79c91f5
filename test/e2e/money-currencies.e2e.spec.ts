import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';

// The daily segmentation timer stays off: the test runs segmentations by hand.
process.env.RELATA_SEGMENTATION_SCHEDULER = 'off';

/**
 * Money is exact and never added across currencies: two customers buy in EUR, USD and JPY (and a
 * third in GBP, with amounts whose float sum is noisy), then every read model and answer that
 * shows a value is read. No number anywhere may equal a sum of amounts of different currencies,
 * and each currency's figure is exact.
 */
describe('money in several currencies (embedded stores)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 5000 });
  });

  afterEach(async () => {
    await t.close();
  });

  type Buy = { customer: string; currency: string; amount: number; occurredAt: string };

  async function customer(name: string, referredBy?: string): Promise<string> {
    const response = await t.request('POST', '/customers', { name, kind: 'customer', ...(referredBy ? { referredBy } : {}) });
    expect(response.status).toBe(201);
    return response.json.id;
  }

  async function buy(p: Buy): Promise<TestResponse> {
    const response = await t.request('POST', `/customers/${p.customer}/purchases`, {
      lines: [{ product: `CD-${p.currency}`, quantity: 1, amount: p.amount }],
      currency: p.currency,
      occurredAt: p.occurredAt,
    });
    expect({ status: response.status, body: response.json }).toMatchObject({ status: 201 });
    return response;
  }

  async function get(url: string, status = 200): Promise<TestResponse> {
    const response = await t.request('GET', url);
    expect({ url, status: response.status, body: response.json }).toMatchObject({ url, status });
    return response;
  }

  async function csv(url: string): Promise<string> {
    const response = await t.request('GET', url, undefined, { accept: 'text/csv' });
    expect({ url, status: response.status }).toEqual({ url, status: 200 });
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    return response.body as string;
  }

  /** Every sum of two or more purchases that mixes currencies, in each currency's major units as a plain number. */
  function crossCurrencySums(purchases: readonly Buy[]): Set<number> {
    const sums = new Set<number>();
    const n = purchases.length;
    for (let mask = 1; mask < 1 << n; mask++) {
      const chosen = purchases.filter((_, i) => mask & (1 << i));
      if (new Set(chosen.map((p) => p.currency)).size < 2) continue;
      const minor = chosen.reduce((sum, p) => sum + Math.round(p.amount * 100), 0);
      sums.add(minor / 100);
    }
    return sums;
  }

  /** Every number in a JSON answer. */
  function numbersIn(value: unknown, out: number[] = []): number[] {
    if (typeof value === 'number') out.push(value);
    else if (Array.isArray(value)) for (const item of value) numbersIn(item, out);
    else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) numbersIn(item, out);
    return out;
  }

  /** Every number in a CSV body (fields that read as numbers). */
  const numbersInCsv = (body: string): number[] =>
    body
      .split(/\r\n|,/)
      .map((field) => field.replace(/^"|"$/g, ''))
      .filter((field) => /^-?\d+(\.\d+)?$/.test(field))
      .map(Number);

  it('keeps every value per currency, exact, in every read model, JSON and CSV', async () => {
    const ana = await customer('Ana Lima');
    const bruno = await customer('Bruno Reis', ana);
    const carla = await customer('Carla Dias');
    const purchases: Buy[] = [
      { customer: ana, currency: 'EUR', amount: 20, occurredAt: '2026-01-05T10:00:00.000Z' },
      { customer: ana, currency: 'USD', amount: 100, occurredAt: '2026-01-06T10:00:00.000Z' },
      { customer: ana, currency: 'JPY', amount: 1000, occurredAt: '2026-01-07T10:00:00.000Z' },
      { customer: ana, currency: 'EUR', amount: 20.5, occurredAt: '2026-02-05T10:00:00.000Z' },
      { customer: bruno, currency: 'EUR', amount: 20, occurredAt: '2026-01-08T10:00:00.000Z' },
      { customer: bruno, currency: 'USD', amount: 100, occurredAt: '2026-01-09T10:00:00.000Z' },
      { customer: bruno, currency: 'JPY', amount: 1000, occurredAt: '2026-01-10T10:00:00.000Z' },
      { customer: bruno, currency: 'EUR', amount: 40.25, occurredAt: '2026-02-20T10:00:00.000Z' },
      // As floats 10.02 + 114.91 is 124.92999999999999.
      { customer: carla, currency: 'GBP', amount: 10.02, occurredAt: '2026-01-11T10:00:00.000Z' },
      { customer: carla, currency: 'GBP', amount: 114.91, occurredAt: '2026-02-11T10:00:00.000Z' },
    ];
    let last: TestResponse | null = null;
    for (const p of purchases) last = await buy(p);
    const suggestion = await t.request('POST', `/customers/${ana}/suggestions`, {
      product: 'Gold',
      expectedValue: 500,
      currency: 'JPY',
      expiresAt: '2026-06-01T00:00:00Z',
    });
    expect(suggestion.status).toBe(201);
    const at = `minPosition=${suggestion.json.position ?? last!.json.position}`;

    const forbidden = crossCurrencySums(purchases);
    expect(forbidden.has(1120)).toBe(true);
    const answers: { url: string; numbers: number[] }[] = [];
    const record = (url: string, body: unknown) => answers.push({ url, numbers: numbersIn(body) });
    const recordCsv = (url: string, body: string) => answers.push({ url: `${url} (CSV)`, numbers: numbersInCsv(body) });

    // The profile: current and potential value per currency.
    const profile = await get(`/customers/${ana}?${at}`);
    record('profile', profile.json);
    expect(profile.json.currentValue).toEqual({
      purchaseCount: 4,
      firstPurchaseAt: '2026-01-05T10:00:00.000Z',
      lastPurchaseAt: '2026-02-05T10:00:00.000Z',
      byCurrency: {
        EUR: { revenue: 40.5, margin: 0, purchaseCount: 2, averageOrderValue: 20.25 },
        JPY: { revenue: 1000, margin: 0, purchaseCount: 1, averageOrderValue: 1000 },
        USD: { revenue: 100, margin: 0, purchaseCount: 1, averageOrderValue: 100 },
      },
    });
    expect(profile.json.potentialValue.byCurrency).toEqual({
      EUR: { openSuggestionsValue: 0, value: 40.5 },
      JPY: { openSuggestionsValue: 500, value: 1500 },
      USD: { openSuggestionsValue: 0, value: 100 },
    });
    const carlaProfile = await get(`/customers/${carla}?${at}`);
    expect(JSON.stringify(carlaProfile.json.currentValue.byCurrency)).toBe(
      '{"GBP":{"revenue":124.93,"margin":0,"purchaseCount":2,"averageOrderValue":62.47}}',
    );

    // The customer list and its CSV: one column per currency.
    const list = await get(`/customers?${at}`);
    record('/customers', list.json);
    const listCsv = await csv(`/customers?${at}`);
    recordCsv('/customers', listCsv);
    const [header, ...rows] = listCsv.trim().split('\r\n');
    const column = (name: string) => header.split(',').indexOf(name);
    expect(column('currentValue.byCurrency.EUR.revenue')).toBeGreaterThan(0);
    expect(column('currentValue.revenue')).toBe(-1);
    const carlaRow = rows.find((row) => row.startsWith(carla))!.split(',');
    expect(carlaRow[column('currentValue.byCurrency.GBP.revenue')]).toBe('124.93');

    // Ranking or filtering by revenue needs one currency.
    const mixed = await get(`/customers?sort=revenue&${at}`, 422);
    expect(mixed.json).toMatchObject({ code: 'CURRENCY_REQUIRED', currencies: ['EUR', 'GBP', 'JPY', 'USD'] });
    expect((await get(`/customers?sort=revenue&currency=EUR&${at}`)).json.items.map((c: { id: string }) => c.id).slice(0, 2)).toEqual([
      bruno,
      ana,
    ]);
    expect((await get(`/customers?minRevenue=1000&currency=JPY&${at}`)).json.items.map((c: { id: string }) => c.id).sort()).toEqual(
      [ana, bruno].sort(),
    );
    expect((await get(`/customers?minRevenue=1000&currency=USD&${at}`)).json.items).toEqual([]);
    expect((await get(`/customers?currency=XYZ&sort=revenue&${at}`, 422)).json.code).toBe('UNKNOWN_CURRENCY');

    // Customer value (VAC/VPC): one currency per answer.
    expect((await get(`/analytics/customers/${ana}/value?${at}`, 422)).json).toMatchObject({
      code: 'CURRENCY_REQUIRED',
      currencies: ['EUR', 'JPY', 'USD'],
    });
    for (const [currency, revenue, potential] of [
      ['EUR', 40.5, 40.5],
      ['USD', 100, 100],
      ['JPY', 1000, 1500],
    ] as const) {
      const value = await get(`/analytics/customers/${ana}/value?currency=${currency}&${at}`);
      record(`value ${currency}`, value.json);
      expect(value.json).toMatchObject({
        currency,
        currencies: ['EUR', 'JPY', 'USD'],
        currentValue: { revenue },
        potentialValue: { value: potential },
      });
    }
    const carlaValue = await get(`/analytics/customers/${carla}/value?${at}`);
    expect(carlaValue.json).toMatchObject({ currency: 'GBP', currentValue: { revenue: 124.93, averageOrderValue: 62.47 } });

    // Lifetime value lists, JSON and CSV.
    expect((await get(`/analytics/lifetime-value?${at}`, 422)).json.code).toBe('CURRENCY_REQUIRED');
    for (const currency of ['EUR', 'USD', 'JPY', 'GBP']) {
      const url = `/analytics/lifetime-value?currency=${currency}&minPurchases=1&${at}`;
      const page = await get(url);
      record(url, page.json);
      recordCsv(url, await csv(url));
      expect(page.json.currency).toBe(currency);
      const revenue = Object.fromEntries(
        page.json.items.map((item: { customerId: string; currentValue: { revenue: number } }) => [
          item.customerId,
          item.currentValue.revenue,
        ]),
      );
      const expected: Record<string, Record<string, number>> = {
        EUR: { [bruno]: 60.25, [ana]: 40.5 },
        USD: { [ana]: 100, [bruno]: 100 },
        JPY: { [ana]: 1000, [bruno]: 1000 },
        GBP: { [carla]: 124.93 },
      };
      expect(revenue).toEqual(expected[currency]);
    }
    expect(await csv(`/analytics/lifetime-value?currency=GBP&minPurchases=1&${at}`)).toContain(',124.93,');

    // Segmentation scores one currency's spend; without one it refuses and appends nothing.
    const before = await t.eventCount();
    expect((await t.request('POST', '/analytics/segments/recompute', {})).json.code).toBe('CURRENCY_REQUIRED');
    expect(await t.eventCount()).toBe(before);
    const run = await t.request('POST', '/analytics/segments/recompute?currency=EUR', {});
    expect(run.status).toBe(200);
    expect(run.json).toMatchObject({ currency: 'EUR', customersScored: { rfm: 2 } });
    record('recompute', run.json);
    const runAt = `minPosition=${run.json.position}`;
    const segments = await get(`/analytics/segments?${runAt}`);
    record('/analytics/segments', segments.json);
    recordCsv('/analytics/segments', await csv(`/analytics/segments?${runAt}`));
    expect(segments.json.lastRun).toMatchObject({ currency: 'EUR' });
    const productSegment = segments.json.items.find((item: { segment: string }) => item.segment === 'product:CD-EUR');
    expect(productSegment).toMatchObject({ customers: 2, amounts: { EUR: 100.75 } });
    const rfmSegment = segments.json.items.find(
      (item: { scheme: string; customers: number }) => item.scheme === 'rfm' && item.customers > 0,
    );
    const members = await get(`/analytics/segments/${rfmSegment.segment}/members?${runAt}`);
    record('members', members.json);
    for (const member of members.json.items) expect(Object.keys(member.revenue)).toEqual(['EUR', 'JPY', 'USD']);
    record('value after run', (await get(`/analytics/customers/${ana}/value?currency=EUR&${runAt}`)).json);

    // The value matrix says the currency of the run.
    const matrix = await get(`/analytics/value-matrix?${runAt}`);
    record('/analytics/value-matrix', matrix.json);
    expect(matrix.json.currency).toBe('EUR');

    // CLV model and forecast in EUR.
    const fit = await t.request('POST', '/analytics/clv/fit', { until: '2026-03-01', currency: 'EUR' });
    expect({ status: fit.status, body: fit.json }).toMatchObject({ status: 201, body: { currency: 'EUR' } });
    const fitAt = `minPosition=${fit.json.position}`;
    const ltv = await get(`/analytics/lifetime-value?currency=EUR&sort=clv&${fitAt}`);
    record('ltv by clv', ltv.json);
    expect(ltv.json.items.filter((item: { predictive: unknown }) => item.predictive !== null)).toHaveLength(2);
    // The EUR model does not predict USD spend.
    const usd = await get(`/analytics/lifetime-value?currency=USD&${fitAt}`);
    expect(usd.json.items.every((item: { predictive: unknown }) => item.predictive === null)).toBe(true);
    const forecastUrl = `/analytics/forecast?from=2026-01-01&to=2026-04-01&currency=EUR&${fitAt}`;
    const forecast = await get(forecastUrl);
    record(forecastUrl, forecast.json);
    recordCsv(forecastUrl, await csv(forecastUrl));
    expect(forecast.json.currency).toBe('EUR');
    expect(forecast.json.periods.slice(0, 2).map((p: { actual: { revenue: number } | null }) => p.actual?.revenue)).toEqual([40, 60.75]);
    expect((await get(`/analytics/forecast?from=2026-01-01&to=2026-04-01&${fitAt}`, 422)).json.code).toBe('CURRENCY_REQUIRED');
    expect((await get(`/analytics/forecast?from=2026-01-01&to=2026-04-01&currency=USD&${fitAt}`, 422)).json.code).toBe(
      'CLV_MODEL_REQUIRED',
    );

    // Referrals: the value of referred customers and the others, per currency.
    const referrals = await get(`/analytics/referrals?${at}`);
    record('/analytics/referrals', referrals.json);
    expect(referrals.json.value).toEqual({
      referred: {
        customers: 1,
        byCurrency: {
          EUR: { revenue: 60.25, averageRevenue: 60.25 },
          JPY: { revenue: 1000, averageRevenue: 1000 },
          USD: { revenue: 100, averageRevenue: 100 },
        },
      },
      others: {
        customers: 2,
        byCurrency: {
          EUR: { revenue: 40.5, averageRevenue: 20.25 },
          GBP: { revenue: 124.93, averageRevenue: 62.47 },
          JPY: { revenue: 1000, averageRevenue: 500 },
          USD: { revenue: 100, averageRevenue: 50 },
        },
      },
    });
    const wordOfMouth = await get(`/analytics/word-of-mouth?${at}`);
    record('/analytics/word-of-mouth', wordOfMouth.json);

    // The purchase history keeps each purchase in its own currency.
    const history = await get(`/customers/${ana}/purchases?${at}`);
    record('purchases', history.json);
    recordCsv('purchases', await csv(`/customers/${ana}/purchases?${at}`));

    const offending = answers
      .map(({ url, numbers }) => ({ url, sums: numbers.filter((n) => forbidden.has(n)) }))
      .filter(({ sums }) => sums.length > 0);
    expect(offending).toEqual([]);
    // Float noise shows nowhere (money has at most 3 decimals, model figures 6).
    expect(answers.flatMap(({ numbers }) => numbers).filter((n) => /\.\d{7,}/.test(String(n)))).toEqual([]);
  });

  it('refuses an unknown currency and more decimals than the currency has, appending nothing', async () => {
    const ana = await customer('Ana Lima');
    const before = await t.eventCount();
    const unknown = await t.request('POST', `/customers/${ana}/purchases`, {
      lines: [{ product: 'CD', quantity: 1, amount: 10 }],
      currency: 'XYZ',
    });
    expect({ status: unknown.status, code: unknown.json.code }).toEqual({ status: 422, code: 'UNKNOWN_CURRENCY' });
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    const yen = await t.request('POST', `/customers/${ana}/purchases`, {
      lines: [{ product: 'CD', quantity: 1, amount: 1000.5 }],
      currency: 'JPY',
    });
    expect({ status: yen.status, code: yen.json.code }).toEqual({ status: 422, code: 'AMOUNT_PRECISION' });
    const suggestion = await t.request('POST', `/customers/${ana}/suggestions`, {
      product: 'Gold',
      expectedValue: 10,
      currency: 'ABC',
      expiresAt: '2026-06-01T00:00:00Z',
    });
    expect({ status: suggestion.status, code: suggestion.json.code }).toEqual({ status: 422, code: 'UNKNOWN_CURRENCY' });
    expect(await t.eventCount()).toBe(before);
    const dinar = await t.request('POST', `/customers/${ana}/purchases`, {
      lines: [{ product: 'CD', quantity: 1, amount: 1.234 }],
      currency: 'KWD',
    });
    expect({ status: dinar.status, amount: dinar.status === 201 ? 'ok' : dinar.json }).toEqual({ status: 201, amount: 'ok' });
  });
});
