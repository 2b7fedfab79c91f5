import { runImport } from '../../src/importers/import-runner';
import { IMPORT_TEST_TIMEOUT_MS, startImportApp } from '../importers/data-set-import-support';
import { sharedDataFile } from '../importers/import-test-support';
import type { TestApp } from '../support/test-app';

jest.setTimeout(IMPORT_TEST_TIMEOUT_MS);
process.env.RELATA_SEGMENTATION_SCHEDULER = 'off';

/**
 * The value matrix on real data, in business time: customers imported in 2026 became customers at
 * their first purchase (1997, 2010-2011), so a segmentation as of the data's end scores them; the
 * potential value is the fitted model's expected future value (no suggestions in these sources),
 * on revenue (the sources have no margins). Every one of the nine cells holds customers.
 */
describe.each([
  {
    name: 'CDNOW sample',
    kind: 'cdnow-sample' as const,
    file: sharedDataFile('cdnow', 'CDNOW_sample.txt'),
    until: '1997-09-30',
    asOf: '1998-07-01',
    earlier: '1997-12-31',
  },
  {
    name: 'Online Retail sample',
    kind: 'online-retail' as const,
    file: sharedDataFile('online-retail', 'online_retail_sample.csv'),
    until: '2011-09-09',
    asOf: '2011-12-10',
    earlier: '2011-10-01',
  },
])('value matrix of the $name', ({ kind, file, until, asOf, earlier }) => {
  let t: TestApp;
  let position: string;

  beforeAll(async () => {
    t = await startImportApp();
    const imported = await runImport(t.app, { kind, file });
    const fit = await t.request('POST', '/analytics/clv/fit', { until, unit: 'week' });
    expect(fit.status).toBe(201);
    const run = await t.request('POST', `/analytics/segments/recompute?asOf=${asOf}`);
    expect(run.status).toBe(200);
    position = run.json.position ?? imported.lastPosition;
  }, IMPORT_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await t?.close();
  });

  it('fills all nine cells, valued on revenue with the model calibrated up to the as-of, and says its as-of', async () => {
    const matrix = await t.request('GET', `/analytics/value-matrix?minPosition=${position}`);
    expect(matrix.status).toBe(200);
    expect(matrix.json).toMatchObject({
      asOf: `${asOf}T00:00:00.000Z`,
      asOfBasis: 'segmentation-run',
      valuation: { basis: 'revenue', modelCalibrationEnd: until },
    });
    const cells = matrix.json.cells as Record<string, number>;
    expect(Object.keys(cells)).toHaveLength(9);
    for (const [cell, customers] of Object.entries(cells)) expect({ cell, filled: customers > 0 }).toEqual({ cell, filled: true });
    expect(Object.values(cells).reduce((sum, n) => sum + n, 0)).toBe(matrix.json.customers);
    // Tiers are terciles: no row and no column holds more than about a third, give or take ties.
    for (const tier of ['low', 'medium', 'high']) {
      const row = Object.values(matrix.json.matrix[tier] as Record<string, number>).reduce((sum, n) => sum + n, 0);
      expect(row / matrix.json.customers).toBeLessThan(0.5);
    }
  });

  it('runs a historical segmentation after a later one (not refused), and a rerun of it appends nothing', async () => {
    const historical = await t.request('POST', `/analytics/segments/recompute?asOf=${earlier}`);
    expect(historical.status).toBe(200);
    expect(historical.json).toMatchObject({ asOf: `${earlier}T00:00:00.000Z`, replayed: false });
    // The rerun scores from the read models: let them apply the historical run first (a loaded machine is slow).
    await t.request('GET', `/analytics/lifetime-value?limit=1&minPosition=${historical.json.position}`);
    await t.request('GET', `/analytics/value-matrix?minPosition=${historical.json.position}`);
    const before = await t.eventCount();
    const rerun = await t.request('POST', `/analytics/segments/recompute?asOf=${earlier}`);
    expect(rerun.json).toMatchObject({ replayed: true, changes: 0 });
    expect(await t.eventCount()).toBe(before);

    // As of a day between the two runs: the historical run's matrix; the latest still answers by default.
    const between = await t.request('GET', `/analytics/value-matrix?asOf=${earlier}T12:00:00Z&minPosition=${historical.json.position}`);
    expect(between.json).toMatchObject({
      asOf: `${earlier}T00:00:00.000Z`,
      requestedAsOf: `${earlier}T12:00:00.000Z`,
      customers: historical.json.customersScored['value-matrix'],
    });
    expect(Object.values(between.json.cells as Record<string, number>).reduce((sum, n) => sum + n, 0)).toBe(
      historical.json.customersScored['value-matrix'],
    );
    const latest = await t.request('GET', '/analytics/value-matrix');
    expect(latest.json.asOf).toBe(`${asOf}T00:00:00.000Z`);
    expect(latest.json.cells).toEqual(
      Object.fromEntries(
        Object.entries(
          (await t.request('POST', `/analytics/segments/recompute?asOf=${asOf}`)).json.segments['value-matrix'] as Record<string, number>,
        ).map(([k, v]) => [k, v]),
      ),
    );
  });
});
