import { readFileSync } from 'node:fs';
import { ALREADY_IMPORTED } from '../../src/importers/import-report';
import { type ImportResult, runImport } from '../../src/importers/import-runner';
import type { TestApp } from '../support/test-app';
import { listAll, splitCsvLine, IMPORT_TEST_TIMEOUT_MS, startImportApp, toCents } from './data-set-import-support';
import { sharedDataFile } from './import-test-support';

// Whole data sets go through the command path and every projection: on a busy 2-core CI machine
// the read models may need minutes to catch up (the import itself is measured in the README).
jest.setTimeout(IMPORT_TEST_TIMEOUT_MS);

/**
 * `npm run import -- online-retail online_retail_sample.csv` end to end: invoice lines grouped
 * into purchases per invoice and customer, checked through the HTTP API against figures computed
 * from the file here with the same rules written plainly: exact repeats count once; rows without
 * a customer, of a cancellation (C-invoice), or with a quantity or price <= 0 are left out.
 */
/** "YYYY-MM-DD HH:MM:SS" UK local time as a UTC instant: summer time (UTC+1) from 01:00 UTC on the last Sunday of March to the last Sunday of October. */
function ukLocalToUtc(local: string): string {
  const asUtc = Date.parse(`${local.replace(' ', 'T')}Z`);
  const year = Number(local.slice(0, 4));
  const lastSunday = (month: number): number => {
    const last = new Date(Date.UTC(year, month + 1, 0));
    return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1);
  };
  const summer = asUtc - 3_600_000 >= lastSunday(2) && asUtc - 3_600_000 < lastSunday(9);
  return new Date(summer ? asUtc - 3_600_000 : asUtc).toISOString();
}

describe('importing the Online Retail sample (20,000 invoice lines)', () => {
  const file = sharedDataFile('online-retail', 'online_retail_sample.csv');
  const [headerLine, ...lines] = readFileSync(file, 'utf8').split(/\r?\n/).filter((line) => line !== '');
  const header = splitCsvLine(headerLine);
  const col = (name: string): number => header.indexOf(name);
  const [invoiceAt, quantityAt, priceAt, customerAt, dateAt] = ['InvoiceNo', 'Quantity', 'UnitPrice', 'CustomerID', 'InvoiceDate'].map(col);

  const distinctLines = new Set(lines);
  const purchases = new Set<string>();
  const customers = new Map<string, { invoices: Set<string>; cents: number; first: string }>();
  let keptRows = 0;
  for (const line of distinctLines) {
    const fields = splitCsvLine(line);
    const [invoice, customer] = [fields[invoiceAt], fields[customerAt]];
    const [quantity, price] = [Number(fields[quantityAt]), Number(fields[priceAt])];
    if (customer === 'NA' || invoice.startsWith('C') || quantity <= 0 || price <= 0) continue;
    keptRows += 1;
    purchases.add(`${invoice}:${customer}`);
    const entry = customers.get(customer) ?? { invoices: new Set<string>(), cents: 0, first: fields[dateAt] };
    entry.invoices.add(invoice);
    // "YYYY-MM-DD HH:MM:SS": sorts as text.
    if (fields[dateAt] < entry.first) entry.first = fields[dateAt];
    entry.cents += toCents(quantity * price);
    customers.set(customer, entry);
  }

  let t: TestApp;
  let first: ImportResult;
  let baseline: number;

  beforeAll(async () => {
    t = await startImportApp();
    baseline = await t.eventCount();
    first = await runImport(t.app, { kind: 'online-retail', file });
  }, IMPORT_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await t?.close();
  });

  it('the file holds what its README says (the independent reading is sound)', () => {
    expect(lines).toHaveLength(20_000);
    expect(lines.length - distinctLines.size).toBe(7);
  });

  it('imports one purchase per invoice and customer; the rows left out are reported, repeats as duplicates', async () => {
    expect(first.summary).toMatchObject({
      rowsRead: lines.length,
      recordsParsed: purchases.size,
      imported: purchases.size,
      skipped: { count: distinctLines.size - keptRows },
      duplicates: { count: lines.length - distinctLines.size },
    });
    expect(first.customers).toEqual({ registered: customers.size, alreadyRegistered: 0 });
    expect(await t.eventCount()).toBe(baseline + customers.size + purchases.size);
  });

  it('the customer read model shows each customer with the invoices and revenue (GBP) of the file', async () => {
    const listed = await listAll(t, `/customers?status=customer&minPosition=${first.lastPosition}`);
    expect(listed).toHaveLength(customers.size);
    const actual = Object.fromEntries(
      listed.map((c) => [c.name, { purchases: c.currentValue.purchaseCount, cents: toCents(c.currentValue.byCurrency.GBP?.revenue ?? 0) }]),
    );
    const wanted = Object.fromEntries(
      [...customers].map(([id, c]) => [`Online Retail customer ${id}`, { purchases: c.invoices.size, cents: c.cents }]),
    );
    expect(actual).toEqual(wanted);
  });

  it('finds every customer by their CustomerID, a customer since their first invoice in the file (its rows are in random order)', async () => {
    for (const [id, customer] of customers) {
      const found = await t.request('GET', `/sources/online-retail/${id}?minPosition=${first.lastPosition}`);
      expect(found.status).toBe(200);
      expect(found.json).toMatchObject({ system: 'online-retail', sourceId: id, records: [{ kind: 'customer', since: ukLocalToUtc(customer.first) }] });
    }
    // A CustomerID read as a decimal finds the same customer.
    const [someId] = customers.keys();
    expect((await t.request('GET', `/sources/online-retail/${someId}.0`)).json.records).toEqual((await t.request('GET', `/sources/online-retail/${someId}`)).json.records);
  });

  it('a second import of the file appends nothing and reports every purchase as already imported', async () => {
    const before = await t.eventCount();
    const again = await runImport(t.app, { kind: 'online-retail', file });
    expect(await t.eventCount()).toBe(before);
    expect(again.summary.imported).toBe(0);
    expect(again.summary.duplicates.byReason[ALREADY_IMPORTED].count).toBe(purchases.size);
    expect(again.customers).toEqual({ registered: 0, alreadyRegistered: customers.size });
  }, IMPORT_TEST_TIMEOUT_MS);
});
