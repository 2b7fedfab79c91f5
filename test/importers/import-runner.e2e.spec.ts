import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ALREADY_IMPORTED } from '../../src/importers/import-report';
import { runImport } from '../../src/importers/import-runner';
import { ImportFormatError } from '../../src/importers/import-records';
import { startTestApp, type TestApp } from '../support/test-app';
import { listAll } from './data-set-import-support';

/**
 * The import runner on small hand-made files: what the command path refuses is counted with its
 * code and appends nothing, a file of the wrong layout is rejected before any command, and an
 * interrupted import is finished by running it again. (The app's clock reads 2026-03-10.)
 */
describe('import runner', () => {
  let dir: string;
  let t: TestApp;
  let baseline: number;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-import-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 10_000 });
    baseline = await t.eventCount();
  });
  afterEach(async () => {
    await t.close();
  });

  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('counts a purchase the decider refuses (dated after now) as skipped with its code; it appends nothing, and a rerun neither', async () => {
    const file = write(
      'future.txt',
      [' 00001 19970101  1   11.77', ' 00001 20270101  1   10.00', ' 00002 19970112  2   24.00', ''].join('\r\n'),
    );
    const first = await runImport(t.app, { kind: 'cdnow-master', file });
    expect(first.summary).toMatchObject({ recordsParsed: 3, imported: 2, skipped: { count: 1 } });
    expect(first.summary.skipped.byReason['refused:OCCURRED_IN_FUTURE']).toEqual({
      count: 1,
      rows: 1,
      examples: [{ lines: [2], detail: expect.stringMatching(/^purchase 1-20270101-1: /) }],
    });
    // Two customers and two purchases: the refused purchase left no event.
    expect(await t.eventCount()).toBe(baseline + 4);

    const customers = await listAll(t, `/customers?minPosition=${first.lastPosition}`);
    const one = customers.find((c) => c.name === 'CDNOW customer 1')!;
    expect(one.currentValue).toMatchObject({ purchaseCount: 1, byCurrency: { USD: { revenue: 11.77 } } });

    const again = await runImport(t.app, { kind: 'cdnow-master', file });
    expect(await t.eventCount()).toBe(baseline + 4);
    expect(again.summary).toMatchObject({ imported: 0, skipped: { count: 1 }, duplicates: { count: 2 } });
    expect(again.summary.duplicates.byReason[ALREADY_IMPORTED].count).toBe(2);
  });

  it('applies the API request validation: a purchase of more than 500 lines is refused as VALIDATION_FAILED before its customer is registered', async () => {
    const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
    const big = Array.from({ length: 501 }, (_, i) => `536365,P${i},ITEM ${i},1,2010-12-01 08:26:00,1.00,17850,United Kingdom`);
    const file = write(
      'big-invoice.csv',
      [header, ...big, '536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,13047,United Kingdom', ''].join('\n'),
    );
    const result = await runImport(t.app, { kind: 'online-retail', file });
    expect(result.summary).toMatchObject({ recordsParsed: 2, imported: 1 });
    expect(result.summary.skipped.byReason['refused:VALIDATION_FAILED']).toMatchObject({
      count: 1,
      rows: 501,
      examples: [{ detail: expect.stringContaining('lines') }],
    });
    expect(result.customers).toEqual({ registered: 1, alreadyRegistered: 0 });
    expect(await t.eventCount()).toBe(baseline + 2);
  });

  it('rejects a CDNOW file of the other layout before any command', async () => {
    const file = write('sample-layout.txt', ' 00004 0001 19970101  2   29.33\r\n');
    await expect(runImport(t.app, { kind: 'cdnow-master', file })).rejects.toThrow(ImportFormatError);
    await expect(runImport(t.app, { kind: 'cdnow-master', file })).rejects.toThrow(/sample layout.*cdnow-sample/);
    expect(await t.eventCount()).toBe(baseline);
  });

  it('an interrupted import stops reading, finishes what is in flight, and a rerun imports the rest', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ` ${String(i + 1).padStart(5, '0')} 19970101  1   10.00`);
    const file = write('forty.txt', rows.join('\r\n'));
    const abort = new AbortController();
    const first = await runImport(t.app, {
      kind: 'cdnow-master',
      file,
      concurrency: 2,
      signal: abort.signal,
      onProgress: (progress) => {
        if (progress.imported >= 5) abort.abort();
      },
    });
    expect(first.stopped).toBe('aborted');
    expect(first.summary.imported).toBeGreaterThanOrEqual(5);
    expect(first.summary.imported).toBeLessThan(40);
    expect(await t.eventCount()).toBe(baseline + 2 * first.summary.imported);

    const rest = await runImport(t.app, { kind: 'cdnow-master', file });
    expect(rest.stopped).toBeNull();
    expect(rest.summary.imported).toBe(40 - first.summary.imported);
    expect(rest.summary.duplicates.byReason[ALREADY_IMPORTED].count).toBe(first.summary.imported);
    expect(await t.eventCount()).toBe(baseline + 80);
  });

  it('reports progress: bytes read up to the file size, records, commands', async () => {
    const file = write('two.txt', ' 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n');
    const seen: { bytesRead: number; totalBytes: number | null; records: number; commands: number }[] = [];
    const result = await runImport(t.app, { kind: 'cdnow-master', file, onProgress: (p) => seen.push(p) });
    const size = fs.statSync(file).size;
    expect(seen.at(-1)).toMatchObject({ bytesRead: size, totalBytes: size, records: 2, commands: 4 });
    expect(result).toMatchObject({ commands: 4, progress: { imported: 2, records: 2 } });
  });
});
