import { ALREADY_IMPORTED } from '../../src/importers/import-report';
import { type ImportResult, runImport } from '../../src/importers/import-runner';
import type { TestApp } from '../support/test-app';
import {
  compactDateToIso,
  type ExpectedCustomer,
  listAll,
  readCdnowRows,
  IMPORT_TEST_TIMEOUT_MS,
  importOnceBeforeAll,
  toCents,
} from './data-set-import-support';
import { sharedDataFile } from './import-test-support';

// Whole data sets go through the command path and every projection: on a busy 2-core CI machine
// the read models may need minutes to catch up (the import itself is measured in the README).
jest.setTimeout(IMPORT_TEST_TIMEOUT_MS);

/**
 * `npm run import -- cdnow-sample CDNOW_sample.txt` end to end: every row through the command bus
 * into the customer write model, checked through the HTTP API against figures computed from the
 * file here.
 */
describe('importing the CDNOW sample (2,357 customers, 6,919 purchases)', () => {
  const file = sharedDataFile('cdnow', 'CDNOW_sample.txt');
  const rows = readCdnowRows(file);
  const expected = new Map<string, ExpectedCustomer>();
  for (const row of rows) {
    const day = compactDateToIso(row.date);
    const customer = expected.get(row.customer) ?? { purchases: 0, cents: 0, first: day, last: day };
    customer.purchases += 1;
    customer.cents += toCents(row.dollars);
    if (day < customer.first) customer.first = day;
    if (day > customer.last) customer.last = day;
    expected.set(row.customer, customer);
  }

  let t: TestApp;
  let first: ImportResult;
  /** Events the app appends by itself on start. */
  let baseline: number;

  importOnceBeforeAll({ kind: 'cdnow-sample', file }, (imported) => ({ t, first, baseline } = imported));

  it('the file holds what its README says (the independent reading is sound)', () => {
    expect(rows).toHaveLength(6_919);
    expect(expected.size).toBe(2_357);
    expect([...expected.values()].reduce((sum, c) => sum + c.cents, 0)).toBe(24_409_194);
  });

  it('imports every row as one purchase, registering each customer once', async () => {
    expect(first.summary).toMatchObject({
      kind: 'cdnow-sample',
      rowsRead: rows.length,
      recordsParsed: rows.length,
      imported: rows.length,
      skipped: { count: 0 },
      duplicates: { count: 0 },
    });
    expect(first.customers).toEqual({ registered: expected.size, alreadyRegistered: 0 });
    expect(first.stopped).toBeNull();
    // One CustomerRegistered per customer, one PurchaseRecorded per row; nothing else.
    expect(await t.eventCount()).toBe(baseline + expected.size + rows.length);
    expect(first.lastPosition).toBe(String(baseline + expected.size + rows.length));
  });

  it('the customer read model shows each customer with the revenue and purchases of the file', async () => {
    const customers = await listAll(t, `/customers?minPosition=${first.lastPosition}`);
    expect(customers).toHaveLength(expected.size);
    expect(new Set(customers.map((c) => c.status))).toEqual(new Set(['customer']));
    expect(new Set(customers.map((c) => c.acquisitionChannel))).toEqual(new Set(['import']));

    const actual = Object.fromEntries(
      customers.map((c) => [
        c.name,
        {
          purchases: c.currentValue.purchaseCount,
          cents: toCents(c.currentValue.byCurrency.USD?.revenue ?? 0),
          first: c.currentValue.firstPurchaseAt,
          last: c.currentValue.lastPurchaseAt,
        },
      ]),
    );
    const wanted = Object.fromEntries([...expected].map(([id, c]) => [`CDNOW customer ${id}`, c]));
    expect(actual).toEqual(wanted);
  });

  it('one customer in detail: the profile of master customer 111 (sample customer 6)', async () => {
    const [listed] = (await listAll(t, '/customers?q=cdnow%20customer%20111')).filter((c) => c.name === 'CDNOW customer 111');
    const profile = await t.request('GET', `/customers/${listed.id}`);
    const own = rows.filter((r) => r.customer === '111');
    expect(profile.json.currentValue).toMatchObject({
      purchaseCount: own.length,
      byCurrency: { USD: { revenue: own.reduce((sum, r) => sum + toCents(r.dollars), 0) / 100 } },
      firstPurchaseAt: '1997-01-01T00:00:00.000Z',
    });
    expect(profile.json.revision).toBe(own.length);
  });

  it('finds every customer by their CDNOW id, zero padded as in the file or not, a customer since their first purchase', async () => {
    const padded = (id: string): string => id.padStart(5, '0');
    const found = new Map<string, string>();
    for (const [id, customer] of expected) {
      const byPadded = await t.request('GET', `/sources/cdnow/${padded(id)}?minPosition=${first.lastPosition}`);
      expect(byPadded.status).toBe(200);
      expect(byPadded.json).toMatchObject({ system: 'cdnow', sourceId: id, records: [{ kind: 'customer', since: customer.first }] });
      if (found.size < 20) expect((await t.request('GET', `/sources/cdnow/${id}`)).json).toEqual(byPadded.json);
      found.set(byPadded.json.records[0].id, id);
    }
    // One Relata customer per CDNOW customer, and the link leads to the right one.
    expect(found.size).toBe(expected.size);
    const [someId, cdnowId] = [...found][0];
    expect((await t.request('GET', `/customers/${someId}`)).json.name).toBe(`CDNOW customer ${cdnowId}`);
    const unknown = await t.request('GET', '/sources/cdnow/99999');
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('SOURCE_RECORD_NOT_FOUND');
  });

  it('retention per quarter as of 1998-07-01, in business time: the customers of each quarter who buy again in the next', async () => {
    const quarter = (yyyymmdd: string): number => Number(yyyymmdd.slice(0, 4)) * 4 + Math.floor((Number(yyyymmdd.slice(4, 6)) - 1) / 3);
    const active = new Map<number, Set<string>>();
    for (const row of rows) {
      if (row.date >= '19980701') continue;
      const q = quarter(row.date);
      active.set(q, (active.get(q) ?? new Set()).add(row.customer));
    }
    const quarters = [...active.keys()].sort((p, q) => p - q);
    const report = (await t.request('GET', `/analytics/retention?interval=quarter&asOf=1998-07-01&minPosition=${first.lastPosition}`)).json;
    expect(report).toMatchObject({ asOf: '1998-07-01T00:00:00.000Z', asOfBasis: 'requested', interval: 'quarter' });
    expect(report.periods.map((p: { active: number; retained: number | null }) => [p.active, p.retained])).toEqual(
      quarters.map((q, i) => [
        active.get(q)!.size,
        i === 0 ? null : [...active.get(quarters[i - 1])!].filter((c) => active.get(q)!.has(c)).length,
      ]),
    );
    expect(report.periods.map((p: { period: string }) => p.period)).toEqual([
      '1997-Q1',
      '1997-Q2',
      '1997-Q3',
      '1997-Q4',
      '1998-Q1',
      '1998-Q2',
    ]);
    // Every sample customer's first purchase is in the first quarter of 1997: one cohort.
    expect(report.cohorts).toHaveLength(1);
    expect(report.cohorts[0].customers).toBe(expected.size);
  });

  it(
    'a second import of the file appends nothing and reports every purchase as already imported',
    async () => {
      const before = await t.eventCount();
      const again = await runImport(t.app, { kind: 'cdnow-sample', file });
      expect(await t.eventCount()).toBe(before);
      expect(again.summary.imported).toBe(0);
      expect(again.summary.duplicates.byReason[ALREADY_IMPORTED].count).toBe(rows.length);
      expect(again.summary.skipped.count).toBe(0);
      expect(again.customers).toEqual({ registered: 0, alreadyRegistered: expected.size });
    },
    IMPORT_TEST_TIMEOUT_MS,
  );
});
