import { readFileSync } from 'node:fs';
import { type ImportOptions, type ImportResult, runImport } from '../../src/importers/import-runner';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Support for the import tests against the real data sets: the expected figures are computed
 * here straight from the files, with deliberately simple code that shares nothing with the
 * importer's parsers, so the two can only agree by both being right.
 */

/**
 * How long a data-set test may take. Whole data sets go through the command path and every
 * projection; on a busy 2-core CI machine that has taken minutes. These are bounds on waiting,
 * not expectations: speed is measured by the benchmarks and the README, never asserted here.
 */
export const IMPORT_TEST_TIMEOUT_MS = 600_000;

/** The app on a fresh data dir; queries with ?minPosition= may wait long enough for a whole data set to be projected. */
export function startImportApp(): Promise<TestApp> {
  return startTestApp({ consistencyTimeoutMs: IMPORT_TEST_TIMEOUT_MS - 60_000 });
}

/** What a data-set test reads once the file has been imported. */
export interface ImportedOnce {
  t: TestApp;
  /** The result of the import. */
  first: ImportResult;
  /** Events the app appended by itself on start, before the import. */
  baseline: number;
}

/**
 * Given this file imported once into a fresh import app, before all the tests of the calling
 * describe block (the app is closed after them): `set` receives the app, the import's result and
 * the events there were before it.
 */
export function importOnceBeforeAll(options: ImportOptions, set: (imported: ImportedOnce) => void): void {
  let t: TestApp | undefined;
  beforeAll(async () => {
    t = await startImportApp();
    const baseline = await t.eventCount();
    set({ t, baseline, first: await runImport(t.app, options) });
  }, IMPORT_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await t?.close();
  });
}

/** Every item of a paged list endpoint (`items` + `nextCursor`). */
export async function listAll(t: TestApp, url: string): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let cursor: string | null = null;
  do {
    const separator = url.includes('?') ? '&' : '?';
    const page = await t.request('GET', `${url}${separator}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (page.status !== 200) throw new Error(`GET ${url}: ${page.status} ${JSON.stringify(page.json)}`);
    items.push(...page.json.items);
    cursor = page.json.nextCursor;
  } while (cursor);
  return items;
}

export function countBy<T>(values: Iterable<T>, key: (value: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[key(value)] = (counts[key(value)] ?? 0) + 1;
  return counts;
}

/** A money amount in whole cents, float noise (2.675 * 100 = 267.49999...) removed first. */
export const toCents = (amount: number): number => Math.round(Number((amount * 100).toPrecision(12)));

/** A UTC midnight ISO string from YYYYMMDD. */
export const compactDateToIso = (yyyymmdd: string): string =>
  `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}T00:00:00.000Z`;

export interface ExpectedCustomer {
  purchases: number;
  cents: number;
  first: string;
  last: string;
}

/** CDNOW rows: split lines on whitespace; the customer is the master id without its zero padding. */
export function readCdnowRows(file: string): { customer: string; date: string; cds: number; dollars: number }[] {
  return readFileSync(file, 'latin1')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/[a-z]/i.test(line))
    .map((line) => {
      const fields = line.split(/\s+/);
      // The sample has a second id column (the customer's id within the sample).
      const [customer, date, cds, dollars] = fields.length === 5 ? [fields[0], fields[2], fields[3], fields[4]] : fields;
      return { customer: String(Number(customer)), date, cds: Number(cds), dollars: Number(dollars) };
    });
}

/** Splits one CSV line (no line breaks inside quotes), honouring quotes and doubled quotes. */
export function splitCsvLine(line: string): string[] {
  // One line is one record; an empty line has one empty field.
  return splitCsvRecords(line)[0] ?? [''];
}

/**
 * "YYYY-MM-DD HH:MM:SS" UK local time as a UTC instant in milliseconds: summer time (UTC+1) from
 * 01:00 UTC on the last Sunday of March to the last Sunday of October.
 */
export function ukLocalToUtcMs(local: string): number {
  const asUtc = Date.parse(`${local.replace(' ', 'T')}Z`);
  const year = Number(local.slice(0, 4));
  const lastSunday = (month: number): number => {
    const last = new Date(Date.UTC(year, month + 1, 0));
    return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1);
  };
  const summer = asUtc - 3_600_000 >= lastSunday(2) && asUtc - 3_600_000 < lastSunday(9);
  return summer ? asUtc - 3_600_000 : asUtc;
}

/** Every record of a CSV text whose quoted fields may hold line breaks. */
export function splitCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n') {
      fields.push(field.replace(/\r$/, ''));
      if (fields.length > 1 || fields[0] !== '') records.push(fields);
      fields = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || fields.length > 0) records.push([...fields, field]);
  return records;
}
