import { readFileSync } from 'node:fs';
import { parseCdnow } from '../../src/importers/cdnow.parser';
import { fileSource } from '../../src/importers/csv-reader';
import type { ImportedPurchase } from '../../src/importers/import-records';
import { ImportFormatError } from '../../src/importers/import-records';
import { ImportReport } from '../../src/importers/import-report';
import { cents, chunked, collect, sharedDataFile, sortItems } from './import-test-support';

/** The file's rows by a different method: whole text, split on line ends, regular expressions. */
function independentRows(file: string, columns: 4 | 5) {
  const row = columns === 4 ? /^\s*(\d+)\s+(\d{8})\s+(\d+)\s+(\d+\.\d\d)\s*$/ : /^\s*(\d+)\s+\d+\s+(\d{8})\s+(\d+)\s+(\d+\.\d\d)\s*$/;
  return readFileSync(file, 'latin1')
    .split(/\r?\n/)
    .map((line) => row.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ customer: Number(m[1]), date: m[2], cds: Number(m[3]), cents: Number(m[4].replace('.', '')) }));
}

function totals(records: ImportedPurchase[]) {
  return {
    rows: records.length,
    customers: new Set(records.map((r) => r.customerKey)).size,
    customerDays: new Set(records.map((r) => `${r.customerKey} ${r.occurredAt}`)).size,
    cds: records.reduce((sum, r) => sum + r.quantity, 0),
    cents: records.reduce((sum, r) => sum + cents(r.amount), 0),
    first: records.reduce((min, r) => (r.occurredAt < min ? r.occurredAt : min), '9999'),
    last: records.reduce((max, r) => (r.occurredAt > max ? r.occurredAt : max), ''),
  };
}

describe('parseCdnow on the real files', () => {
  it('reads CDNOW_master.txt: every row, customers, CDs and dollars as counted independently and in the README', async () => {
    const file = sharedDataFile('cdnow', 'CDNOW_master.txt');
    const report = new ImportReport('cdnow');
    const items = await collect(parseCdnow(fileSource(file)));
    items.forEach((item) => report.add(item));
    const { records, skipped, duplicates, notes } = await sortItems(items);

    const rows = independentRows(file, 4);
    const expected = {
      rows: rows.length,
      customers: new Set(rows.map((r) => r.customer)).size,
      customerDays: new Set(rows.map((r) => `${r.customer} ${r.date}`)).size,
      cds: rows.reduce((sum, r) => sum + r.cds, 0),
      cents: rows.reduce((sum, r) => sum + r.cents, 0),
    };
    expect(expected).toEqual({ rows: 69_659, customers: 23_570, customerDays: 67_591, cds: 167_881, cents: 250_031_563 });

    expect(totals(records)).toEqual({ ...expected, first: '1997-01-01T00:00:00.000Z', last: '1998-06-30T00:00:00.000Z' });
    expect(skipped).toEqual([]);
    expect(duplicates).toEqual([]);
    // Zero-dollar rows are kept, each with a note.
    expect(notes.filter((n) => n.reason === 'zero-amount')).toHaveLength(80);
    expect(records.filter((r) => r.amount === 0)).toHaveLength(80);
    expect(new Set(records.map((r) => r.sourceKey)).size).toBe(69_659);
    expect(records[0]).toEqual({
      sourceKey: '1-19970101-1',
      customerKey: '1',
      occurredAt: '1997-01-01T00:00:00.000Z',
      currency: 'USD',
      quantity: 1,
      amount: 11.77,
      lines: [{ product: 'CD', description: null, quantity: 1, amount: 11.77 }],
      reference: null,
      country: null,
      sampleCustomerKey: null,
    });
    const summary = report.summary();
    expect(summary.rowsRead).toBe(69_659);
    expect(summary.recordsParsed).toBe(69_659);
    const firstZeroLine =
      readFileSync(file, 'latin1')
        .split('\r\n')
        .findIndex((line) => / 0\.00$/.test(line)) + 1;
    expect(summary.notes['zero-amount']).toMatchObject({ count: 80, rows: 80 });
    expect(summary.notes['zero-amount'].examples[0].lines).toEqual([firstZeroLine]);
  });

  it('reads CDNOW_sample.txt (no header, 5 columns) and keys it like the master, so importing both adds each purchase once', async () => {
    const sampleFile = sharedDataFile('cdnow', 'CDNOW_sample.txt');
    const items = await collect(parseCdnow(fileSource(sampleFile)));
    const { records, skipped } = await sortItems(items);
    // Another run, cut into other chunks (splitting CRLFs), yields the very same items.
    expect(await collect(parseCdnow(chunked(readFileSync(sampleFile, 'latin1'), 1_009)))).toEqual(items);
    const rows = independentRows(sampleFile, 5);
    expect(rows).toHaveLength(6_919);
    const t = totals(records);
    expect(t).toMatchObject({
      rows: 6_919,
      customers: 2_357,
      customerDays: 6_696,
      cents: rows.reduce((sum, r) => sum + r.cents, 0),
      first: '1997-01-01T00:00:00.000Z',
      last: '1998-06-30T00:00:00.000Z',
    });
    expect(t.cents).toBe(24_409_194);
    expect(skipped).toEqual([]);
    expect(new Set(records.map((r) => r.sampleCustomerKey)).size).toBe(2_357);

    const master = await sortItems(parseCdnow(fileSource(sharedDataFile('cdnow', 'CDNOW_master.txt')), { layout: 'master' }));
    const byKey = new Map(master.records.map((r) => [r.sourceKey, r]));
    const mismatched = records.filter((r) => {
      const m = byKey.get(r.sourceKey);
      return !m || m.customerKey !== r.customerKey || m.occurredAt !== r.occurredAt || m.amount !== r.amount || m.quantity !== r.quantity;
    });
    expect(mismatched).toEqual([]);
  });
});

describe('parseCdnow edge cases', () => {
  const parse = (text: string, layout?: 'master' | 'sample') => sortItems(parseCdnow(chunked(text, 7), { layout }));

  it('reads LF files without a header; repeated same-day rows are separate purchases with ordinals', async () => {
    const { records, notes } = await parse('00007 19970105 2 20.00\n00007 19970105 2 20.00\n7 19970106 1 0.00\n');
    expect(records.map((r) => [r.sourceKey, r.customerKey, r.quantity, r.amount])).toEqual([
      ['7-19970105-1', '7', 2, 20],
      ['7-19970105-2', '7', 2, 20],
      ['7-19970106-1', '7', 1, 0],
    ]);
    expect(notes).toEqual([{ type: 'note', reason: 'zero-amount', lines: [3], detail: 'customer 7 on 19970106: 1 CD(s) for 0.00, kept' }]);
  });

  it('skips bad rows with reasons and line numbers', async () => {
    const text = [
      ' customer_id  date number_of_cds  dollar_value',
      '00001 19970101 1 11.77',
      '',
      'garbage line here',
      '00002 19970231 1 5.00',
      '00003 19970101 0 5.00',
      '00004 19970101 1 -5.00',
      '00005 19970101 1',
      '00006 19970101 1.5 5.00',
      '00007 19970101 1 5.00',
    ].join('\r\n');
    const { records, skipped } = await parse(text);
    expect(records.map((r) => r.customerKey)).toEqual(['1', '7']);
    expect(skipped.map((s) => [s.reason, s.lines[0]])).toEqual([
      ['junk-line', 4],
      ['invalid-date', 5],
      ['non-positive-quantity', 6],
      ['negative-amount', 7],
      ['wrong-field-count', 8],
      ['invalid-number', 9],
    ]);
  });

  it('reads the sample layout, keeping the sample id', async () => {
    const { records } = await parse('00004 0001 19970101 2 29.33\r\n');
    expect(records[0]).toMatchObject({ sourceKey: '4-19970101-1', customerKey: '4', sampleCustomerKey: '1', amount: 29.33 });
  });

  it('refuses a file of another layout', async () => {
    await expect(parse('a b c\n1 2 3\n')).rejects.toThrow(ImportFormatError);
    await expect(parse('1 2 3\n')).rejects.toThrow(/line 1 has 3 fields/);
  });

  it('skips rows of the other layout when the layout is given', async () => {
    const { records, skipped } = await parse('00004 0001 19970101 2 29.33\n', 'master');
    expect(records).toEqual([]);
    expect(skipped[0]).toMatchObject({ reason: 'wrong-field-count', lines: [1] });
  });
});
