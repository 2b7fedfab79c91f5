import { readFileSync } from 'node:fs';
import { ALREADY_IMPORTED } from '../../src/importers/import-report';
import { type ImportResult, runImport } from '../../src/importers/import-runner';
import type { TestApp } from '../support/test-app';
import { listAll, splitCsvLine, IMPORT_TEST_TIMEOUT_MS, importOnceBeforeAll, toCents, ukLocalToUtcMs } from './data-set-import-support';
import { sharedDataFile } from './import-test-support';

// Whole data sets go through the command path and every projection: on a busy 2-core CI machine
// the read models may need minutes to catch up (the import itself is measured in the README).
jest.setTimeout(IMPORT_TEST_TIMEOUT_MS);

/**
 * `npm run import -- online-retail online_retail_sample.csv` end to end: invoice lines grouped
 * into purchases per invoice and customer, checked through the HTTP API against figures computed
 * from the file here with the same rules written plainly: exact repeats count once; rows without
 * a customer or with a price <= 0 are left out, and sales with a quantity <= 0; cancellations
 * (C-invoices, negative quantities) are netted: each customer's value is the sum of Quantity x
 * UnitPrice over their rows, cancellations included.
 */
describe('importing the Online Retail sample (20,000 invoice lines)', () => {
  const file = sharedDataFile('online-retail', 'online_retail_sample.csv');
  const [headerLine, ...lines] = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line !== '');
  const header = splitCsvLine(headerLine);
  const col = (name: string): number => header.indexOf(name);
  const [invoiceAt, quantityAt, priceAt, customerAt, dateAt] = ['InvoiceNo', 'Quantity', 'UnitPrice', 'CustomerID', 'InvoiceDate'].map(col);

  const distinctLines = new Set(lines);
  const purchases = new Set<string>();
  const cancellations = new Set<string>();
  const customers = new Map<string, { invoices: Set<string>; cents: number; grossCents: number; cancellations: number; first: string }>();
  let keptRows = 0;
  for (const line of distinctLines) {
    const fields = splitCsvLine(line);
    const [invoice, customer] = [fields[invoiceAt], fields[customerAt]];
    const [quantity, price] = [Number(fields[quantityAt]), Number(fields[priceAt])];
    const cancelled = invoice.startsWith('C');
    if (customer === 'NA' || price <= 0 || (cancelled ? quantity >= 0 : quantity <= 0)) continue;
    keptRows += 1;
    const entry = customers.get(customer) ?? {
      invoices: new Set<string>(),
      cents: 0,
      grossCents: 0,
      cancellations: 0,
      first: fields[dateAt],
    };
    // "YYYY-MM-DD HH:MM:SS": sorts as text. A cancellation reverses an older sale: they were a customer by then.
    if (fields[dateAt] < entry.first) entry.first = fields[dateAt];
    // Cents of the line's size, with its sign (a half cent rounds away from zero either way).
    const lineCents = Math.sign(quantity) * toCents(Math.abs(quantity) * price);
    entry.cents += lineCents;
    if (cancelled) {
      cancellations.add(`${invoice}:${customer}`);
      entry.cancellations += 1;
    } else {
      purchases.add(`${invoice}:${customer}`);
      entry.invoices.add(invoice);
      entry.grossCents += lineCents;
    }
    customers.set(customer, entry);
  }
  const withCancellations = [...customers.values()].filter((c) => c.cancellations > 0);

  let t: TestApp;
  let first: ImportResult;
  let baseline: number;

  importOnceBeforeAll({ kind: 'online-retail', file }, (imported) => ({ t, first, baseline } = imported));

  it('the file holds what its README says (the independent reading is sound)', () => {
    expect(lines).toHaveLength(20_000);
    expect(lines.length - distinctLines.size).toBe(7);
  });

  it('the sample has customers whose cancellations change their value (the netting below is put to the test)', () => {
    expect(withCancellations.length).toBeGreaterThan(200);
    expect(withCancellations.filter((c) => c.cents !== c.grossCents)).toHaveLength(withCancellations.length);
    // Some cancel more than the file shows them buying (the sale is older than the file).
    expect(withCancellations.filter((c) => c.cents < 0).length).toBeGreaterThan(0);
  });

  it('imports one purchase per invoice and customer and at least one refund per cancellation; the rows left out are reported, repeats as duplicates', async () => {
    expect(first.summary).toMatchObject({
      rowsRead: lines.length,
      skipped: { count: distinctLines.size - keptRows },
      duplicates: { count: lines.length - distinctLines.size },
    });
    // A cancellation makes one refund per purchase it nets (and one for what no purchase covers).
    const refunds = first.summary.imported - purchases.size;
    expect(refunds).toBeGreaterThanOrEqual(cancellations.size);
    expect(first.summary.recordsParsed).toBe(first.summary.imported);
    expect(first.customers).toEqual({ registered: customers.size, alreadyRegistered: 0 });
    expect(await t.eventCount()).toBe(baseline + customers.size + purchases.size + refunds);
  });

  it("every customer's value in the read models is their net revenue in the file, to the cent: cancellations netted", async () => {
    const wanted = Object.fromEntries(
      [...customers].map(([id, c]) => [`Online Retail customer ${id}`, { purchases: c.invoices.size, cents: c.cents }]),
    );
    const listed = await listAll(t, `/customers?status=customer&minPosition=${first.lastPosition}`);
    expect(listed).toHaveLength(customers.size);
    const profiles = Object.fromEntries(
      listed.map((c) => [c.name, { purchases: c.currentValue.purchaseCount, cents: toCents(c.currentValue.byCurrency.GBP?.revenue ?? 0) }]),
    );
    expect(profiles).toEqual(wanted);

    const values = await listAll(t, `/analytics/lifetime-value?minPosition=${first.lastPosition}`);
    const lifetime = Object.fromEntries(
      values.map((c) => [c.name, { purchases: c.currentValue.purchaseCount, cents: toCents(c.currentValue.revenue) }]),
    );
    expect(lifetime).toEqual(wanted);
  });

  it('finds every customer by their CustomerID, a customer since their first invoice or cancellation in the file (its rows are in random order)', async () => {
    for (const [id, customer] of customers) {
      const found = await t.request('GET', `/sources/online-retail/${id}?minPosition=${first.lastPosition}`);
      expect(found.status).toBe(200);
      expect(found.json).toMatchObject({
        system: 'online-retail',
        sourceId: id,
        records: [{ kind: 'customer', since: new Date(ukLocalToUtcMs(customer.first)).toISOString() }],
      });
    }
    // A CustomerID read as a decimal finds the same customer.
    const [someId] = customers.keys();
    expect((await t.request('GET', `/sources/online-retail/${someId}.0`)).json.records).toEqual(
      (await t.request('GET', `/sources/online-retail/${someId}`)).json.records,
    );
  });

  it(
    'a second import of the file appends nothing and reports every purchase and refund as already imported',
    async () => {
      const before = await t.eventCount();
      const again = await runImport(t.app, { kind: 'online-retail', file });
      expect(await t.eventCount()).toBe(before);
      expect(again.summary.imported).toBe(0);
      expect(again.summary.duplicates.byReason[ALREADY_IMPORTED].count).toBe(first.summary.imported);
      expect(again.customers).toEqual({ registered: 0, alreadyRegistered: customers.size });
    },
    IMPORT_TEST_TIMEOUT_MS,
  );
});
