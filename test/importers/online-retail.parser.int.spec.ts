import { readFileSync } from 'node:fs';
import { fileSource } from '../../src/importers/csv-reader';
import { type ImportedPurchase, type ImportedRefund, ImportFormatError, isImportedRefund } from '../../src/importers/import-records';
import { ImportReport } from '../../src/importers/import-report';
import { parseOnlineRetail } from '../../src/importers/online-retail.parser';
import { cents, chunked, collect, countBy, sharedDataFile, sortItems } from './import-test-support';

/** Fields of one line, by a sticky regular expression (the file has no line breaks inside quotes). */
const FIELD = /"((?:[^"]|"")*)"|([^,]*)/y;
function fieldsOf(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    FIELD.lastIndex = i;
    const m = FIELD.exec(line);
    if (!m) throw new Error(`unreadable line: ${line}`);
    out.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]);
    i = FIELD.lastIndex;
    if (i >= line.length) return out;
    i += 1; // the comma
    if (i === line.length) return [...out, ''];
  }
}

/** Europe/London wall time of an instant as "YYYY-MM-DD HH:MM:SS", from the ICU time zone data. */
const london = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

describe('parseOnlineRetail on the real sample', () => {
  it('groups invoice lines into purchases and accounts for every row, as computed independently and in the README', async () => {
    const file = sharedDataFile('online-retail', 'online_retail_sample.csv');
    const physical = readFileSync(file, 'utf8')
      .split('\r\n')
      .filter((l) => l !== '');
    const rows = physical.slice(1).map((text, i) => {
      const [invoice, stockCode, description, quantity, date, price, customer, country] = fieldsOf(text);
      return {
        line: i + 2,
        text,
        invoice,
        stockCode,
        description,
        quantity: Number(quantity),
        date,
        price: Number(price),
        customer,
        country,
      };
    });

    // The README's figures, from this independent reading.
    expect(rows).toHaveLength(20_000);
    expect(new Set(rows.map((r) => r.invoice)).size).toBe(9_362);
    expect(rows.filter((r) => r.invoice.startsWith('C'))).toHaveLength(350);
    expect(rows.filter((r) => r.quantity < 0)).toHaveLength(398);
    expect(rows.filter((r) => r.price <= 0)).toHaveLength(90);
    expect(rows.filter((r) => r.customer === 'NA')).toHaveLength(5_078);
    expect(new Set(rows.filter((r) => r.customer !== 'NA').map((r) => r.customer)).size).toBe(3_049);
    expect(rows.reduce((sum, r) => sum + Math.round(r.quantity * r.price * 100), 0)).toBe(36_764_491);
    const seen = new Set<string>();
    const repeated = new Set<number>();
    for (const r of rows) {
      if (seen.has(r.text)) repeated.add(r.line);
      seen.add(r.text);
    }
    expect(repeated.size).toBe(7);

    // What the import should make of them.
    const kept = rows.filter(
      (r) => !repeated.has(r.line) && !r.invoice.startsWith('C') && r.customer !== 'NA' && r.quantity > 0 && r.price > 0,
    );
    // Cancellations with a customer become refunds (all of the sample's have a negative quantity and a price).
    const keptCancellations = rows.filter(
      (r) => !repeated.has(r.line) && r.invoice.startsWith('C') && r.customer !== 'NA' && r.quantity < 0 && r.price > 0,
    );
    expect(keptCancellations).toHaveLength(342);
    const expectedGroups = new Map<string, typeof kept>();
    for (const r of kept)
      expectedGroups.set(`${r.invoice}:${r.customer}`, [...(expectedGroups.get(`${r.invoice}:${r.customer}`) ?? []), r]);

    const report = new ImportReport('online-retail');
    const items = await collect(parseOnlineRetail(fileSource(file)));
    items.forEach((item) => report.add(item));
    const sorted = await sortItems(items);
    const { skipped, duplicates } = sorted;
    const isPurchase = (r: ImportedPurchase | ImportedRefund): r is ImportedPurchase => !isImportedRefund(r);
    const records = sorted.records.filter(isPurchase);
    const recordLines = sorted.recordLines.filter((_, i) => isPurchase(sorted.records[i]));
    const refunds = sorted.records.filter(isImportedRefund);

    // Every kept cancellation row is in one refund, for its amount; refunds come after every purchase.
    expect(refunds.reduce((sum, r) => sum + r.lines.length, 0)).toBe(keptCancellations.length);
    expect(refunds.reduce((sum, r) => sum + cents(r.amount), 0)).toBe(
      keptCancellations.reduce((sum, r) => sum - Math.round(r.quantity * r.price * 100), 0),
    );
    expect(sorted.records.slice(records.length).every(isImportedRefund)).toBe(true);
    const purchaseKeys = new Set(records.map((r) => r.sourceKey));
    expect(refunds.every((r) => r.purchaseSourceKey === null || purchaseKeys.has(r.purchaseSourceKey))).toBe(true);
    expect(refunds.filter((r) => r.purchaseSourceKey !== null).length).toBeGreaterThan(0);

    expect(records).toHaveLength(expectedGroups.size);
    expect(records).toHaveLength(8_143);
    expect(new Set(records.map((r) => r.sourceKey))).toEqual(new Set(expectedGroups.keys()));
    expect(new Set(records.map((r) => r.customerKey)).size).toBe(new Set(kept.map((r) => r.customer)).size);
    expect(records.reduce((sum, r) => sum + r.lines.length, 0)).toBe(kept.length);
    expect(records.reduce((sum, r) => sum + cents(r.amount), 0)).toBe(
      kept.reduce((sum, r) => sum + Math.round(r.quantity * r.price * 100), 0),
    );
    expect(records.every((r) => r.currency === 'GBP' && r.lines.every((l) => l.quantity > 0 && l.amount > 0))).toBe(true);

    // Each purchase at its earliest invoice time, UK local time turned into UTC (checked against the time zone data).
    const wrongTimes = records.filter((r) => {
      const group = expectedGroups.get(r.sourceKey) ?? [];
      const earliest = group.map((g) => g.date).sort()[0];
      return london.format(new Date(r.occurredAt)) !== earliest;
    });
    expect(wrongTimes).toEqual([]);
    // The lines reported are the rows of the purchase.
    const byLine = new Map(rows.map((r) => [r.line, r]));
    const misplaced = records.filter((r, i) =>
      recordLines[i].some((line) => `${byLine.get(line)?.invoice}:${byLine.get(line)?.customer}` !== r.sourceKey),
    );
    expect(misplaced).toEqual([]);

    expect(countBy(skipped, (s) => s.reason)).toEqual({
      'missing-customer': rows.filter((r) => !repeated.has(r.line) && r.customer === 'NA').length,
      'non-positive-price': rows.filter(
        (r) => !repeated.has(r.line) && !r.invoice.startsWith('C') && r.customer !== 'NA' && r.quantity > 0 && r.price <= 0,
      ).length,
    });
    expect(duplicates.map((d) => d.lines[0]).sort((a, b) => a - b)).toEqual([...repeated].sort((a, b) => a - b));

    const summary = report.summary();
    expect(summary.rowsRead).toBe(20_000);
    expect(summary.recordsParsed).toBe(8_143 + refunds.length);
    expect(summary.duplicates.count).toBe(7);
    expect(summary.skipped.rows + summary.duplicates.rows + kept.length + keptCancellations.length).toBe(20_000);

    // Another run, cut into other chunks, yields the very same items: re-imports address the same ids.
    const again = await collect(parseOnlineRetail(chunked(readFileSync(file, 'utf8'), 4_093)));
    expect(again).toEqual(items);
  });
});

describe('parseOnlineRetail edge cases', () => {
  const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
  const parse = (lines: string[]) => sortItems(parseOnlineRetail(chunked(lines.join('\r\n') + '\r\n', 5)));

  it('makes one purchase per invoice and customer, with a line per row', async () => {
    const { records, recordLines, notes } = await parse([
      header,
      '"536365","85123A","WHITE HANGING HEART",6,"2010-12-01 08:26:00",2.55,17850,"United Kingdom"',
      '"536366","22633","HAND WARMER ""UNION JACK""",6,"2011-06-01 08:28:00",1.85,17850,"United Kingdom"',
      '"536365","71053","WHITE METAL LANTERN",6,"2010-12-01 08:26:00",3.39,17850,"United Kingdom"',
      '"536367","84879","BIRD ORNAMENT",3,"2010-12-01 08:34:00",1.69,13047.0,"France"',
      '"536367","84880","ANOTHER ORNAMENT",1,"2010-12-01 08:35:00",1.005,13047,"France"',
    ]);
    expect(records).toEqual([
      {
        sourceKey: '536365:17850',
        customerKey: '17850',
        occurredAt: '2010-12-01T08:26:00.000Z',
        currency: 'GBP',
        quantity: 12,
        amount: 35.64,
        lines: [
          { product: '85123A', description: 'WHITE HANGING HEART', quantity: 6, amount: 15.3 },
          { product: '71053', description: 'WHITE METAL LANTERN', quantity: 6, amount: 20.34 },
        ],
        reference: '536365',
        country: 'United Kingdom',
        sampleCustomerKey: null,
      },
      expect.objectContaining({ sourceKey: '536366:17850', occurredAt: '2011-06-01T07:28:00.000Z', amount: 11.1 }),
      expect.objectContaining({ sourceKey: '536367:13047', occurredAt: '2010-12-01T08:34:00.000Z', amount: 6.08, quantity: 4 }),
    ]);
    expect(records[1].lines[0].description).toBe('HAND WARMER "UNION JACK"');
    expect(recordLines).toEqual([[2, 4], [3], [5, 6]]);
    expect(notes).toEqual([expect.objectContaining({ reason: 'mixed-invoice-times', lines: [5, 6] })]);
  });

  it('skips cancellations that reverse nothing, missing customers, non-positive quantities and prices, bad values; reports exact duplicates', async () => {
    const { records, skipped, duplicates } = await parse([
      header,
      '"536365","85123A","HEART",6,"2010-12-01 08:26:00",2.55,17850,"United Kingdom"',
      '"C536379","D","Discount",1,"2010-12-01 09:41:00",27.5,14527,"United Kingdom"',
      '"536414","22139","",56,"2010-12-01 11:52:00",0,NA,"United Kingdom"',
      '"536415","22139","ADJUST",-3,"2010-12-01 11:52:00",1,17850,"United Kingdom"',
      '"536416","22139","GIFT",3,"2010-12-01 11:52:00",0,17850,"United Kingdom"',
      '"536365","85123A","HEART",6,"2010-12-01 08:26:00",2.55,17850,"United Kingdom"',
      '"536417","22139","X",three,"2010-12-01 11:52:00",1,17850,"United Kingdom"',
      '"536418","22139","X",1,"2010-13-01 11:52:00",1,17850,"United Kingdom"',
      '"536419","22139","X",1',
      '"536420","","X",1,"2010-12-01 11:52:00",1,17850,"United Kingdom"',
    ]);
    expect(records.map((r) => r.sourceKey)).toEqual(['536365:17850']);
    expect(records[0].lines).toHaveLength(1);
    expect(skipped.map((s) => [s.reason, s.lines[0]])).toEqual([
      ['cancellation', 3],
      ['missing-customer', 4],
      ['non-positive-quantity', 5],
      ['non-positive-price', 6],
      ['invalid-number', 8],
      ['invalid-date', 9],
      ['wrong-field-count', 10],
      ['missing-value', 11],
    ]);
    expect(duplicates).toEqual([
      expect.objectContaining({ reason: 'duplicate-row', lines: [7], detail: expect.stringContaining('same as line 2') }),
    ]);
  });

  it('nets each cancelled line against the latest purchase at or before it that holds the stock code and covers it; the rest is a refund tied to no purchase', async () => {
    const { records } = await parse([
      header,
      '"536001","MUG","MUG",4,"2010-12-01 08:00:00",2.5,17850,"United Kingdom"',
      '"536002","MUG","MUG",2,"2010-12-05 08:00:00",2.5,17850,"United Kingdom"',
      '"536002","POT","POT",1,"2010-12-05 08:00:00",20,17850,"United Kingdom"',
      '"536003","MUG","MUG",5,"2010-12-09 08:00:00",2.5,17850,"United Kingdom"',
      // On 6 December: the 5 December invoice is the latest before it; it holds 2 mugs and the pot.
      '"C537001","MUG","MUG",-2,"2010-12-06 08:00:00",2.5,17850,"United Kingdom"',
      '"C537001","POT","POT",-1,"2010-12-06 08:00:00",20,17850,"United Kingdom"',
      // On 7 December: the 5 December mugs are all back, so the 1 December invoice takes it.
      '"C537002","MUG","MUG",-1,"2010-12-07 08:00:00",2.5,17850,"United Kingdom"',
      // A stock code never bought in the file, and a customer with nothing but a cancellation.
      '"C537002","LAMP","LAMP",-1,"2010-12-07 08:00:00",9.95,17850,"United Kingdom"',
      '"C537003","MUG","MUG",-3,"2010-12-02 08:00:00",2.5,12000,"United Kingdom"',
    ]);
    const refunds = records.filter(isImportedRefund);
    expect(refunds).toEqual([
      {
        sourceKey: 'C537003:12000:-',
        customerKey: '12000',
        occurredAt: '2010-12-02T08:00:00.000Z',
        currency: 'GBP',
        purchaseSourceKey: null,
        lines: [{ product: 'MUG', description: 'MUG', quantity: 3, amount: 7.5 }],
        amount: 7.5,
        reference: 'C537003',
      },
      expect.objectContaining({
        sourceKey: 'C537001:17850:536002',
        purchaseSourceKey: '536002:17850',
        amount: 25,
        lines: [
          expect.objectContaining({ product: 'MUG', quantity: 2, amount: 5 }),
          expect.objectContaining({ product: 'POT', quantity: 1, amount: 20 }),
        ],
      }),
      expect.objectContaining({ sourceKey: 'C537002:17850:536001', purchaseSourceKey: '536001:17850', amount: 2.5 }),
      expect.objectContaining({
        sourceKey: 'C537002:17850:-',
        purchaseSourceKey: null,
        amount: 9.95,
        lines: [expect.objectContaining({ product: 'LAMP', quantity: 1 })],
      }),
    ]);
  });

  it('maps renamed columns (Online Retail II) in any order, after junk lines', async () => {
    const { records, skipped } = await parse([
      'exported 2012-01-01',
      'Customer ID,Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Country',
      '12346,489434,85048,LED LIGHTS,12,2009-12-01 07:45:00,6.95,United Kingdom',
    ]);
    expect(skipped).toEqual([expect.objectContaining({ reason: 'junk-line', lines: [1] })]);
    expect(records).toEqual([expect.objectContaining({ sourceKey: '489434:12346', customerKey: '12346', amount: 83.4 })]);
  });

  it('refuses a file lacking a required column, naming it', async () => {
    const attempt = parse([
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,Country',
      '"1","2","x",1,"2010-12-01 08:26:00",1,"UK"',
    ]);
    await expect(attempt).rejects.toThrow(ImportFormatError);
    await expect(parse(['InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,Country'])).rejects.toThrow(
      'Online Retail file lacks required column "CustomerID" (accepted names: "CustomerID", "Customer ID", "Customer"; or --map "<your column>=customer")',
    );
  });

  it('refuses a file without a recognisable header', async () => {
    await expect(parse(['a,b,c', '1,2,3'])).rejects.toThrow(/Not an Online Retail file/);
  });
});
