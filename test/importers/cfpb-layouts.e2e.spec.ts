import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importCli, type ImportCliIo } from '../../src/cli/import';
import { runImport } from '../../src/importers/import-runner';
import { dropTestStores, testStoreEnv } from '../support/test-stores';
import type { TestApp } from '../support/test-app';
import { countBy, IMPORT_TEST_TIMEOUT_MS, splitCsvRecords, startImportApp } from './data-set-import-support';
import { sharedDataFile } from './import-test-support';

jest.setTimeout(IMPORT_TEST_TIMEOUT_MS);

/**
 * CFPB extracts in other layouts than today's export, derived here from the shared sample: an older
 * layout without Complaint ID (and without a few other columns) imports with ids derived from each
 * row, so importing it again appends nothing; a layout with columns nobody foresaw imports with
 * `--map`, and without it is refused in one line naming the missing column and its accepted names.
 */
const ROWS = 150;

const sample = (): { header: string[]; rows: string[][] } => {
  // The export starts with two lines of unzip output; the CSV header is the third line.
  const text = fs.readFileSync(sharedDataFile('cfpb', 'complaints_sample.csv'), 'utf8').split('\n').slice(2).join('\n');
  const [header, ...rows] = splitCsvRecords(text);
  return { header, rows: rows.slice(0, ROWS) };
};

const quote = (field: string): string => `"${field.replace(/"/g, '""')}"`;

/** The sample's first rows with only `keep` columns, renamed by `rename`, as an RFC 4180 file. */
function derivedFile(
  dir: string,
  name: string,
  keep: readonly string[],
  rename: Record<string, string> = {},
): { file: string; rows: string[][] } {
  const { header, rows } = sample();
  const at = keep.map((column) => header.indexOf(column));
  expect(at).not.toContain(-1);
  const kept = rows.map((row) => at.map((i) => row[i]));
  const lines = [keep.map((column) => quote(rename[column] ?? column)), ...kept.map((row) => row.map(quote))].map((fields) =>
    fields.join(','),
  );
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  return { file, rows: kept };
}

describe('CFPB extracts in other layouts', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-cfpb-layouts-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('an older layout without Complaint ID, Tags, consent, public response or dispute', () => {
    const OLD_LAYOUT = [
      'Date received',
      'Product',
      'Sub-product',
      'Issue',
      'Sub-issue',
      'Consumer complaint narrative',
      'Company',
      'State',
      'ZIP code',
      'Submitted via',
      'Date sent to company',
      'Company response to consumer',
      'Timely response?',
    ];
    let t: TestApp;
    beforeAll(async () => {
      t = await startImportApp();
    });
    afterAll(async () => {
      await t?.close();
    });

    it('imports every row with an id derived from it, and a second import appends nothing', async () => {
      const { file, rows } = derivedFile(dir, 'older-layout.csv', OLD_LAYOUT);
      const before = await t.eventCount();
      const first = await runImport(t.app, { kind: 'cfpb', file });
      expect(first.summary).toMatchObject({ recordsParsed: ROWS, imported: ROWS, skipped: { count: 0 }, duplicates: { count: 0 } });
      const afterFirst = await t.eventCount();
      expect(afterFirst).toBeGreaterThan(before);

      const again = await runImport(t.app, { kind: 'cfpb', file });
      expect(await t.eventCount()).toBe(afterFirst);
      expect(again.summary.imported).toBe(0);
      expect(again.customers).toEqual({ registered: 0, alreadyRegistered: ROWS });

      // The columns the layout has are kept: the statistics count its companies as the file does.
      const stats = await t.request(
        'GET',
        `/analytics/complaints?from=2011-01-01T00:00:00.000Z&to=2025-01-01T00:00:00.000Z&minPosition=${first.lastPosition}`,
      );
      expect(stats.json.counts.company).toEqual(countBy(rows, (row) => row[OLD_LAYOUT.indexOf('Company')]));
      expect(stats.json.counts.disputed).toEqual({ '(none)': ROWS });
    });
  });

  describe('relata import with --map', () => {
    const dataDirs: string[] = [];
    afterAll(async () => {
      for (const dataDir of dataDirs) await dropTestStores(dataDir);
    });
    function io(name: string): ImportCliIo & { out: () => string; err: () => string } {
      const dataDir = path.join(dir, name);
      dataDirs.push(dataDir);
      let out = '';
      let err = '';
      return {
        stdout: { isTTY: false, columns: 100, write: (text: string) => (out += text) },
        stderr: { write: (text: string) => (err += text) },
        env: { RELATA_DATA_DIR: dataDir, ...testStoreEnv(dataDir) },
        out: () => out,
        err: () => err,
      };
    }
    const LAYOUT = ['Complaint ID', 'Date received', 'Product', 'Issue', 'Company', 'Submitted via'];
    const RENAMED = { 'Date received': 'Received on', 'Submitted via': 'Channel used' };

    it('a required column under a name nobody foresaw: refused in one line naming it and its accepted names', async () => {
      const { file } = derivedFile(dir, 'renamed.csv', LAYOUT, RENAMED);
      const streams = io('unmapped');
      expect(await importCli(['cfpb', file], streams)).toBe(1);
      const lines = streams.err().trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(
        'lacks required column "Date received" (accepted names: "Date received", "date_received"; or --map "<your column>=receivedAt") and "Submitted via" (accepted names: "Submitted via", "submitted_via"; or --map "<your column>=channel")',
      );
    });

    it('imports with --map COLUMN=field (repeatable, as a separate or an inline argument)', async () => {
      const { file } = derivedFile(dir, 'renamed.csv', LAYOUT, RENAMED);
      const streams = io('mapped');
      expect(await importCli(['cfpb', file, '--map', 'Received on=receivedAt', '--map=Channel used=channel'], streams)).toBe(0);
      expect(streams.err()).toBe('');
      expect(streams.out()).toContain(`Import cfpb: ${ROWS} rows read, ${ROWS} records, ${ROWS} imported, 0 skipped, 0 duplicates`);
    });

    it('a field the importer does not know, a malformed mapping, or a mapping for CDNOW is refused', async () => {
      const { file } = derivedFile(dir, 'renamed.csv', LAYOUT, RENAMED);
      const unknown = io('unknown-field');
      expect(await importCli(['cfpb', file, '--map', 'Received on=received'], unknown)).toBe(1);
      expect(unknown.err()).toMatch(
        /^Cannot import .* as cfpb: --map "Received on=received": a CFPB complaint export has no field "received"; its fields are complaintId, receivedAt,/,
      );

      const malformed = io('malformed');
      expect(await importCli(['cfpb', file, '--map', 'Received on'], malformed)).toBe(2);
      expect(malformed.err()).toContain('--map needs "COLUMN=field"');

      const cdnow = path.join(dir, 'two.txt');
      fs.writeFileSync(cdnow, ' 00001 19970101  1   11.77\r\n');
      const positional = io('cdnow');
      expect(await importCli(['cdnow-master', cdnow, '--map', 'date=occurredAt'], positional)).toBe(1);
      expect(positional.err()).toContain('--map does not apply to CDNOW files');
    });
  });
});
