import { readFileSync } from 'node:fs';
import { type ImportResult, runImport } from '../../src/importers/import-runner';
import { IMPORT_TEST_TIMEOUT_MS, splitCsvRecords, startImportApp } from '../importers/data-set-import-support';
import { sharedDataFile } from '../importers/import-test-support';
import type { TestApp } from '../support/test-app';

jest.setTimeout(IMPORT_TEST_TIMEOUT_MS);

/**
 * Complaint statistics in business time on the whole CFPB sample (6,623 complaints received
 * 2015-2020, imported on 2026-03-10): counted by the month they were received ("Date received"),
 * acknowledged when the CFPB sent them to the company ("Date sent to company"). The expected
 * figures are computed here from the raw file with a plain CSV scan.
 */
describe('complaint statistics of the CFPB sample, by business time', () => {
  const file = sharedDataFile('cfpb', 'complaints_sample.csv');
  const text = readFileSync(file, 'utf8').split('\n').slice(2).join('\n');
  const [header, ...rows] = splitCsvRecords(text);
  const received = rows.map((row) => row[header.indexOf('Date received')]);
  const sent = rows.map((row) => row[header.indexOf('Date sent to company')]);

  const perMonth = new Map<string, number>();
  for (const day of received) perMonth.set(day.slice(0, 7), (perMonth.get(day.slice(0, 7)) ?? 0) + 1);
  const acknowledgeHours = received
    .map((day, i) => (Date.parse(`${sent[i]}T00:00:00Z`) - Date.parse(`${day}T00:00:00Z`)) / 3_600_000)
    .sort((p, q) => p - q);

  let t: TestApp;
  let imported: ImportResult;

  beforeAll(async () => {
    t = await startImportApp();
    imported = await runImport(t.app, { kind: 'cfpb', file });
  }, IMPORT_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await t?.close();
  });

  it('the raw reading is sound: 6,623 complaints, received 2015-04-06 .. 2020-03-19', () => {
    expect(rows).toHaveLength(6_623);
    expect([...received].sort()[0]).toBe('2015-04-06');
    expect([...received].sort().at(-1)).toBe('2020-03-19');
  });

  it('counts complaints per month of receipt as the file does, not in the month of the import', async () => {
    expect(imported.summary.imported).toBe(6_623);
    const report = await t.request(
      'GET',
      `/analytics/complaints?from=2015-04-01&to=2020-04-01&interval=month&minPosition=${imported.lastPosition}`,
    );
    expect(report.status).toBe(200);
    expect(report.json).toMatchObject({ asOf: '2020-04-01T00:00:00.000Z', asOfBasis: 'requested', totals: { complaints: 6_623 } });
    const counted = Object.fromEntries(
      (report.json.series as { period: string; complaints: number }[])
        .filter((p) => p.complaints > 0)
        .map((p) => [p.period.slice(0, 7), p.complaints]),
    );
    expect(counted).toEqual(Object.fromEntries(perMonth));

    const year2019 = await t.request('GET', '/analytics/complaints?from=2019-01-01&to=2020-01-01');
    expect(year2019.json.totals.complaints).toBe(received.filter((day) => day.startsWith('2019')).length);
    const importMonth = await t.request('GET', '/analytics/complaints?from=2026-03-01&to=2026-04-01');
    expect(importMonth.json.totals.complaints).toBe(0);
  });

  it('time to acknowledge is "Date sent to company" minus "Date received"', async () => {
    const report = await t.request('GET', '/analytics/complaints?from=2015-04-01&to=2020-04-01');
    const n = acknowledgeHours.length;
    const mean = acknowledgeHours.reduce((sum, h) => sum + h, 0) / n;
    const median = n % 2 ? acknowledgeHours[(n - 1) / 2] : (acknowledgeHours[n / 2 - 1] + acknowledgeHours[n / 2]) / 2;
    expect(report.json.totals.timeToAcknowledgeHours).toEqual({
      count: n,
      mean: expect.closeTo(mean, 3),
      median,
      p90: acknowledgeHours[Math.ceil(0.9 * n) - 1],
    });
    expect(mean).toBeGreaterThan(0);
  });

  it('without a window, reports the 30 days up to the end of the data (the day after the last receipt), and says so', async () => {
    const report = await t.request('GET', '/analytics/complaints');
    expect(report.json).toMatchObject({
      asOf: '2020-03-20T00:00:00.000Z',
      asOfBasis: 'end-of-data',
      from: '2020-02-19T00:00:00.000Z',
      to: '2020-03-20T00:00:00.000Z',
    });
    expect(report.json.totals.complaints).toBe(received.filter((day) => day >= '2020-02-19' && day < '2020-03-20').length);
  });
});
