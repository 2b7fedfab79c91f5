/**
 * Issue 11 on the CDNOW sample through the HTTP API: a fit with calibration end 1997-09-30 and
 * holdout end 1998-06-30 reports the holdout check; lifetime values are predicted as of the
 * calibration end (not as of the wall clock, 28 years later); the sales forecast over the holdout
 * compares with what happened.
 *
 * Expected figures come from the raw file, read here, and from an independent implementation of
 * the BG/NBD conditional expectation (Fader, Hardie & Lee 2005, eq. 10, with its own Gauss
 * series) evaluated at the parameters the fit answered; published figures from
 * samples/cdnow/PROVENANCE.txt (BTYD walkthrough) where the sample's own fit reproduces them.
 */
import { runImport } from '../../src/importers/import-runner';
import type { TestApp } from '../support/test-app';
import {
  compactDateToIso,
  IMPORT_TEST_TIMEOUT_MS,
  listAll,
  readCdnowRows,
  startImportApp,
  toCents,
} from '../importers/data-set-import-support';
import { sharedDataFile } from '../importers/import-test-support';

jest.setTimeout(IMPORT_TEST_TIMEOUT_MS);

const DAY = 86_400_000;
const CALIBRATION_END = '1997-09-30';
const HOLDOUT_END = '1998-06-30';

/** Days since 1970-01-01 of a YYYYMMDD date. */
const dayOf = (yyyymmdd: string): number => Date.parse(compactDateToIso(yyyymmdd)) / DAY;
const dayOfIso = (iso: string): number => Date.parse(`${iso}T00:00:00.000Z`) / DAY;

/** Gauss's hypergeometric series 2F1(a, b; c; z) for |z| < 1, summed until the terms vanish. */
function gaussSeries(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 100_000; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    if (Math.abs(term) < 1e-15 * Math.abs(sum)) return sum;
  }
  throw new Error('2F1 series did not converge');
}

/** E[Y(t) | x, t_x, T] of the BG/NBD model (FHL 2005, eq. 10), straight from the paper. */
function bgnbdConditional(p: { r: number; alpha: number; a: number; b: number }, t: number, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const z = t / (alpha + T + t);
  const head = ((a + b + x - 1) / (a - 1)) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * gaussSeries(r + x, b + x, a + b + x - 1, z));
  const odds = x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 0;
  return head / (1 + odds);
}

/** E[X(t)] of a random new customer (FHL 2005, eq. 9). */
function bgnbdUnconditional(p: { r: number; alpha: number; a: number; b: number }, t: number): number {
  const { r, alpha, a, b } = p;
  return ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * gaussSeries(r, b, a + b - 1, t / (alpha + t)));
}

describe('CDNOW sample: holdout check, lifetime value as of the calibration end, sales forecast', () => {
  const rows = readCdnowRows(sharedDataFile('cdnow', 'CDNOW_sample.txt'));
  /** Per customer: the purchase days ascending, with the day's dollars (same-day purchases are one transaction). */
  const days = new Map<string, Map<number, number>>();
  for (const row of rows) {
    const own = days.get(row.customer) ?? new Map<number, number>();
    own.set(dayOf(row.date), (own.get(dayOf(row.date)) ?? 0) + toCents(row.dollars));
    days.set(row.customer, own);
  }
  const cal = dayOfIso(CALIBRATION_END);
  const holdoutEnd = dayOfIso(HOLDOUT_END);
  /** x, t_x, T (weeks) as of the calibration end and the holdout repeat days, per customer. */
  const histories = [...days.entries()].map(([customer, own]) => {
    const sorted = [...own.keys()].sort((p, q) => p - q);
    const calibration = sorted.filter((d) => d <= cal);
    return {
      customer,
      x: calibration.length - 1,
      tx: (calibration[calibration.length - 1] - sorted[0]) / 7,
      T: (cal - sorted[0]) / 7,
      holdout: sorted.filter((d) => d > cal && d <= holdoutEnd).length,
      revenue: [...own.values()].reduce((s, c) => s + c, 0) / 100,
    };
  });

  let t: TestApp;
  let fit: Record<string, any>;
  /** Customer ids by CDNOW master id. */
  const ids = new Map<string, string>();

  beforeAll(async () => {
    t = await startImportApp();
    const imported = await runImport(t.app, { kind: 'cdnow-sample', file: sharedDataFile('cdnow', 'CDNOW_sample.txt') });
    expect(imported.summary.imported).toBe(rows.length);
    for (const item of await listAll(t, `/analytics/lifetime-value?minPosition=${imported.lastPosition}`))
      ids.set(String(item.name).replace('CDNOW customer ', ''), item.customerId);
    const response = await t.request('POST', '/analytics/clv/fit', { until: CALIBRATION_END, holdoutEnd: HOLDOUT_END, unit: 'week' });
    expect(response.status).toBe(201);
    fit = response.json;
  }, IMPORT_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await t?.close();
  });

  it('the fit reproduces the published BG/NBD parameters (the figures below depend on them)', () => {
    expect(ids.size).toBe(2357);
    expect(fit).toMatchObject({ calibrationEnd: CALIBRATION_END, customers: 2357, repeatCustomers: 946 });
    expect(fit.bgnbd.r).toBeCloseTo(0.2426, 3);
    expect(fit.bgnbd.alpha).toBeCloseTo(4.4137, 2);
    expect(fit.bgnbd.a).toBeCloseTo(0.793, 2);
    expect(fit.bgnbd.b).toBeCloseTo(2.426, 1);
  });

  it('reports the holdout check: total, per calibration x (the BTYD conditional-expectation table) and the tracking', () => {
    const check = fit.holdoutCheck;
    expect(check).toMatchObject({
      calibrationEnd: CALIBRATION_END,
      holdoutEnd: HOLDOUT_END,
      unit: 'week',
      holdoutLength: 39,
      customers: 2357,
    });

    // Actuals from the raw file; expectations from the independent formula at the fitted parameters.
    const expectedOf = (h: (typeof histories)[number]): number => bgnbdConditional(fit.bgnbd, 39, h.x, h.tx, h.T);
    expect(check.total.actual).toBe(histories.reduce((s, h) => s + h.holdout, 0));
    expect(check.total.actual).toBe(1882); // PROVENANCE.txt
    expect(check.total.expected).toBeCloseTo(
      histories.reduce((s, h) => s + expectedOf(h), 0),
      1,
    );

    const byX = [0, 1, 2, 3, 4, 5, 6, 7].map((x) => {
      const group = histories.filter((h) => (x === 7 ? h.x >= 7 : h.x === x));
      return {
        x,
        orMore: x === 7,
        customers: group.length,
        actual: Math.round((group.reduce((s, h) => s + h.holdout, 0) / group.length) * 1e4) / 1e4,
        expected: group.reduce((s, h) => s + expectedOf(h), 0) / group.length,
      };
    });
    expect(check.byCalibrationTransactions.map((row: any) => ({ ...row, expected: 0 }))).toEqual(
      byX.map((row) => ({ ...row, expected: 0 })),
    );
    check.byCalibrationTransactions.forEach((row: any, i: number) => expect(row.expected).toBeCloseTo(byX[i].expected, 3));
    // The BTYD walkthrough's table (PROVENANCE.txt): the same customers and actual means; expectations within 0.01.
    expect(byX.map((row) => row.customers)).toEqual([1411, 439, 214, 100, 62, 38, 29, 64]);
    expect(check.byCalibrationTransactions.map((row: any) => row.actual)).toEqual([
      0.2367, 0.697, 1.3925, 1.56, 2.5323, 2.9474, 3.8621, 6.3594,
    ]);
    const published = [0.2251, 0.5231, 1.0441, 1.5203, 2.1638, 2.6538, 3.504, 6.157];
    check.byCalibrationTransactions.forEach((row: any, i: number) => expect(Math.abs(row.expected - published[i])).toBeLessThan(0.01));

    // Tracking: 78 weeks from 1997-01-01; cumulative repeat transactions of weeks 20..25 as published.
    expect(check.tracking).toHaveLength(78);
    expect(check.tracking.filter((p: any) => p.holdout)).toHaveLength(39);
    const week = (w: number) => check.tracking[w - 1];
    expect([20, 21, 22, 23, 24, 25].map((w) => week(w).cumulativeActual)).toEqual([1359, 1414, 1484, 1517, 1573, 1672]);
    const publishedExpected = [1312.458, 1387.346, 1460.392, 1531.713, 1601.418, 1669.6];
    [20, 21, 22, 23, 24, 25].forEach((w, i) => expect(Math.abs(week(w).cumulativeExpected - publishedExpected[i])).toBeLessThan(1));
    // And independently: Σ over customers of E[X(w - birth)], each from their own first day.
    const start = dayOfIso('1997-01-01');
    const births = histories.map((h) => cal - h.T * 7 - start);
    const independent = births.reduce((s, birth) => s + (20 * 7 > birth ? bgnbdUnconditional(fit.bgnbd, (20 * 7 - birth) / 7) : 0), 0);
    expect(week(20).cumulativeExpected).toBeCloseTo(independent, 2);
    expect(week(78).cumulativeActual).toBe(4339); // PROVENANCE.txt
  });

  it("a customer's expected transactions over the next 39 weeks as of 1997-09-30 are the BG/NBD conditional expectation", async () => {
    // The heaviest buyer of the sample, and a one-time buyer.
    const heavy = [...histories].sort((p, q) => q.x - p.x)[0];
    const once = histories.find((h) => h.x === 0)!;
    for (const h of [heavy, once]) {
      const response = await t.request('GET', `/analytics/customers/${ids.get(h.customer)}/value?horizon=39&minPosition=${fit.position}`);
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ asOf: CALIBRATION_END, asOfBasis: 'model-calibration-end' });
      expect(response.json.predictive).toMatchObject({ asOf: CALIBRATION_END, horizon: 39, x: h.x });
      expect(response.json.predictive.expectedTransactions).toBeCloseTo(bgnbdConditional(fit.bgnbd, 39, h.x, h.tx, h.T), 5);
    }
  });

  it('the best customers still buying get CLV well above 0, and one-time buyers no longer top sort=clv', async () => {
    const byRevenue = await t.request('GET', `/analytics/lifetime-value?sort=revenue&order=desc&limit=10&minPosition=${fit.position}`);
    expect(byRevenue.json).toMatchObject({ asOf: CALIBRATION_END, asOfBasis: 'model-calibration-end' });
    const best = [...histories].sort((p, q) => q.revenue - p.revenue).slice(0, 10);
    expect(byRevenue.json.items.map((i: any) => i.currentValue.revenue)).toEqual(best.map((h) => h.revenue));
    // Customers who bought in the calibration period again are alive with a positive probability: CLV > 0.
    // Customers still buying near the calibration end are alive with a good probability: CLV well above 0.
    const active = byRevenue.json.items.filter((i: any) => i.predictive.T - i.predictive.t_x <= 13);
    expect(active.length).toBeGreaterThanOrEqual(8);
    for (const item of active) expect(item.predictive.clv).toBeGreaterThan(100);
    // The "$6,553 customer with CLV 0" (master id 19339): 22 purchase days in March and April
    // 1997, then none for 24 weeks. The model says gone, and the holdout agrees: no purchase at all.
    const biggest = histories.find((h) => h.customer === '19339')!;
    expect({ revenue: biggest.revenue, x: biggest.x, holdout: biggest.holdout }).toEqual({ revenue: 6552.7, x: 21, holdout: 0 });
    expect(byRevenue.json.items[0].predictive.probabilityAlive).toBeLessThan(1e-6);
    const byClv = await t.request('GET', `/analytics/lifetime-value?sort=clv&order=desc&limit=10&minPosition=${fit.position}`);
    expect(byClv.json.items.every((i: any) => i.predictive.x > 0)).toBe(true);
    // As of the wall clock (asked for explicitly) the same customers are all but certainly gone.
    const now = await t.request('GET', `/analytics/customers/${active[0].customerId}/value?asOf=2026-01-01`);
    expect(now.json.asOfBasis).toBe('requested');
    expect(now.json.predictive.clv).toBeLessThan(1);
    expect(active[0].predictive.clv).toBeGreaterThan(100);
  });

  it('forecasts the holdout months: the expected transactions sum to the check, the actuals are the file, and the backtest gives MAPE', async () => {
    const response = await t.request('GET', `/analytics/forecast?from=1997-10-01&to=1998-07-01&interval=month&minPosition=${fit.position}`);
    expect(response.status).toBe(200);
    const view = response.json;
    expect(view).toMatchObject({
      asOf: CALIBRATION_END,
      asOfBasis: 'model-calibration-end',
      cohortCustomers: 2357,
      actualsKnownUntil: HOLDOUT_END,
      groupBy: 'none',
    });
    const months = ['1997-10', '1997-11', '1997-12', '1998-01', '1998-02', '1998-03', '1998-04', '1998-05', '1998-06'];
    expect(view.periods.map((p: any) => p.period)).toEqual(months);
    // Actuals: purchase days and dollars per month, from the raw rows.
    const actual = months.map((month) => {
      let transactions = 0;
      let cents = 0;
      for (const own of days.values()) {
        for (const [day, c] of own) {
          if (new Date(day * DAY).toISOString().slice(0, 7) !== month) continue;
          transactions++;
          cents += c;
        }
      }
      return { transactions, revenue: cents / 100 };
    });
    expect(view.periods.map((p: any) => p.actual)).toEqual(actual);
    const forecastTotal = view.periods.reduce((s: number, p: any) => s + p.forecast.transactions, 0);
    expect(forecastTotal).toBeCloseTo(
      histories.reduce((s, h) => s + bgnbdConditional(fit.bgnbd, 39, h.x, h.tx, h.T), 0),
      1,
    );
    // October alone: E[Y(31 days)] per customer.
    expect(view.periods[0].forecast.transactions).toBeCloseTo(
      histories.reduce((s, h) => s + bgnbdConditional(fit.bgnbd, 31 / 7, h.x, h.tx, h.T), 0),
      1,
    );
    expect(view.forecast.revenue).toBeGreaterThan(0);

    const ape = (f: number, a: number): number => Math.abs(f - a) / a;
    const mape = (key: 'transactions' | 'revenue'): number =>
      (view.periods.reduce((s: number, p: any, k: number) => s + ape(p.forecast[key], actual[k][key]), 0) / months.length) * 100;
    expect(view.backtest.periods).toBe(9);
    expect(view.backtest.mapeTransactions).toBeCloseTo(mape('transactions'), 1);
    expect(view.backtest.mapeRevenue).toBeCloseTo(mape('revenue'), 1);
    expect(view.pipeline).toMatchObject({ suggestions: 0, value: 0, weightedValue: 0 });
  });
});
