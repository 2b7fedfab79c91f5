import { readFileSync } from 'node:fs';
import { ALREADY_IMPORTED } from '../../src/importers/import-report';
import { type ImportResult, runImport } from '../../src/importers/import-runner';
import type { TestApp } from '../support/test-app';
import { countBy, listAll, splitCsvRecords, IMPORT_TEST_TIMEOUT_MS, importOnceBeforeAll } from './data-set-import-support';
import { sharedDataFile } from './import-test-support';

// Whole data sets go through the command path and every projection: on a busy 2-core CI machine
// the read models may need minutes to catch up (the import itself is measured in the README).
jest.setTimeout(IMPORT_TEST_TIMEOUT_MS);

/**
 * `npm run import -- cfpb complaints_sample.csv` end to end: each complaint registered (with an
 * anonymous customer of its own) through the command bus, checked through the HTTP API against
 * figures computed from the file here with a plain quote-aware CSV scan.
 *
 * The first LIMIT complaints are imported (a deterministic prefix, holding every channel and a
 * narrative too long for the API): the whole file (6,623 complaints, a customer each) takes
 * several times as long and exercises nothing more; the README gives the full run's figures.
 */
const LIMIT = 1_000;

describe(`importing the first ${LIMIT.toLocaleString('en-US')} complaints of the CFPB sample`, () => {
  const file = sharedDataFile('cfpb', 'complaints_sample.csv');
  // The export starts with two lines of unzip output; the CSV header is the third line.
  const text = readFileSync(file, 'utf8').split('\n').slice(2).join('\n');
  const [header, ...allRows] = splitCsvRecords(text);
  const col = (name: string): number => header.indexOf(name);
  const rows = allRows.slice(0, LIMIT);
  const ids = rows.map((row) => row[col('Complaint ID')]);
  const channels: Record<string, string> = {
    Web: 'web',
    Referral: 'letter',
    Phone: 'phone',
    'Postal mail': 'letter',
    Fax: 'letter',
    Email: 'email',
  };
  const isClosed = (row: string[]): boolean => row[col('Company response to consumer')].startsWith('Closed');
  const closedRows = rows.filter(isClosed);

  let t: TestApp;
  let first: ImportResult;
  let baseline: number;

  importOnceBeforeAll({ kind: 'cfpb', file, limit: LIMIT }, (imported) => ({ t, first, baseline } = imported));

  it('the file holds what its README says (the independent reading is sound)', () => {
    expect(allRows).toHaveLength(6_623);
    expect(new Set(allRows.map((row) => row[col('Complaint ID')])).size).toBe(6_623);
    expect(countBy(allRows, (row) => row[col('Submitted via')])).toEqual({
      Web: 5_143,
      Referral: 627,
      Phone: 482,
      'Postal mail': 267,
      Fax: 102,
      Email: 2,
    });
  });

  it('registers each complaint, with a customer of its own, and stops at the limit', async () => {
    expect(first.stopped).toBe('limit');
    expect(first.summary).toMatchObject({ recordsParsed: LIMIT, imported: LIMIT, duplicates: { count: 0 } });
    // The two lines of unzip output before the header.
    expect(first.summary.skipped).toMatchObject({ count: 2, byReason: { 'junk-line': { count: 2 } } });
    expect(first.customers).toEqual({ registered: LIMIT, alreadyRegistered: 0 });
    // Per complaint: the customer, a complaint number, the registration, the acknowledgement
    // (on the date the CFPB sent it to the company) and, for a response "Closed ...", the closure.
    expect(closedRows.length).toBeGreaterThan(0);
    expect(closedRows.length).toBeLessThan(LIMIT);
    expect(await t.eventCount()).toBe(baseline + 4 * LIMIT + closedRows.length);
  });

  it('the complaints read model holds every complaint, closed when the company closed it, by product and channel as in the file', async () => {
    const complaints = await listAll(t, `/complaints?minPosition=${first.lastPosition}`);
    expect(complaints).toHaveLength(new Set(ids).size);
    expect(countBy(complaints, (c) => c.status)).toEqual({ closed: closedRows.length, acknowledged: LIMIT - closedRows.length });
    expect(countBy(complaints, (c) => c.category)).toEqual(countBy(rows, (row) => row[col('Product')]));
    expect(countBy(complaints, (c) => c.product ?? '(none)')).toEqual(countBy(rows, (row) => row[col('Sub-product')] || '(none)'));
    expect(countBy(complaints, (c) => c.channel)).toEqual(countBy(rows, (row) => channels[row[col('Submitted via')]]));
  });

  /** The complaint of a row, found through its customer as an agent would. */
  async function complaintOf(row: string[]): Promise<Record<string, any>> {
    const id = row[col('Complaint ID')];
    const [customer] = await listAll(t, `/customers?q=${encodeURIComponent(`CFPB consumer ${id}`)}`);
    expect(customer).toMatchObject({ name: `CFPB consumer ${id}`, email: null, phone: null, company: null, acquisitionChannel: 'import' });
    const [listed] = await listAll(t, `/complaints?customerId=${customer.id}`);
    const complaint = (await t.request('GET', `/complaints/${listed.id}`)).json;
    expect(complaint).toMatchObject({
      customerId: customer.id,
      status: isClosed(row) ? 'closed' : 'acknowledged',
      category: row[col('Product')],
      subCategory: row[col('Issue')],
      product: row[col('Sub-product')] || null,
      occurredAt: `${row[col('Date received')]}T00:00:00.000Z`,
      // Business times from the file, whatever the day of the import.
      receivedAt: `${row[col('Date received')]}T00:00:00.000Z`,
      acknowledgement: { automatic: false, acknowledgedAt: `${row[col('Date sent to company')]}T00:00:00.000Z` },
    });
    return complaint;
  }

  it('a complaint with a narrative: the narrative is the description, cut to the API limit when longer (with a note)', async () => {
    const narrative = (row: string[]): string => row[col('Consumer complaint narrative')];
    const row = rows.find((r) => narrative(r) !== '')!;
    const complaint = await complaintOf(row);
    expect(complaint.description).toBe(narrative(row));

    const long = rows.filter((r) => narrative(r).length > 10_000);
    expect(long.length).toBeGreaterThan(0);
    expect(first.summary.notes['description-truncated'].count).toBe(long.length);
    const cut = await complaintOf(long[0]);
    expect(cut.description).toHaveLength(10_000);
    expect(narrative(long[0]).startsWith(cut.description.slice(0, -1))).toBe(true);
  });

  it('a referred complaint without a narrative: described by its issue, filed as a letter, acknowledged when sent to the company', async () => {
    const row = rows.find(
      (r) => r[col('Submitted via')] === 'Referral' && r[col('Consumer complaint narrative')] === '' && r[col('Sub-issue')] !== '',
    )!;
    const complaint = await complaintOf(row);
    expect(complaint).toMatchObject({
      channel: 'letter',
      description: `${row[col('Issue')]} / ${row[col('Sub-issue')]}`,
      acknowledgement: expect.objectContaining({ automatic: false }),
    });
  });

  it('finds every complaint by its Complaint ID, received on "Date received"', async () => {
    for (const row of rows) {
      const found = await t.request('GET', `/sources/cfpb/${row[col('Complaint ID')]}?minPosition=${first.lastPosition}`);
      expect(found.status).toBe(200);
      expect(found.json.records).toEqual([
        {
          kind: 'complaint',
          id: expect.any(String),
          since: `${row[col('Date received')]}T00:00:00.000Z`,
          href: `/complaints/${found.json.records[0].id}`,
        },
      ]);
    }
    const row = rows[7];
    const found = await t.request('GET', `/sources/cfpb/${row[col('Complaint ID')]}`);
    const complaint = (await t.request('GET', found.json.records[0].href)).json;
    expect(complaint).toMatchObject({
      category: row[col('Product')],
      subCategory: row[col('Issue')],
      receivedAt: `${row[col('Date received')]}T00:00:00.000Z`,
    });
  });

  /** The complaint statistics over every complaint imported (registered on its Date received). */
  async function statistics(query = ''): Promise<Record<string, any>> {
    const answer = await t.request(
      'GET',
      `/analytics/complaints?from=2011-01-01T00:00:00.000Z&to=2025-01-01T00:00:00.000Z${query}&minPosition=${first.lastPosition}`,
    );
    expect(answer.status).toBe(200);
    return answer.json;
  }
  const yesNo = (value: string): string => (value === 'Yes' ? 'yes' : value === 'No' ? 'no' : '(none)');

  it('complaint statistics count by company, state, company response, timely, disputed and channel as the file does', async () => {
    const file = {
      company: countBy(rows, (row) => row[col('Company')] || '(none)'),
      state: countBy(rows, (row) => row[col('State')] || '(none)'),
      companyResponse: countBy(rows, (row) => row[col('Company response to consumer')] || '(none)'),
      timely: countBy(rows, (row) => yesNo(row[col('Timely response?')])),
      disputed: countBy(rows, (row) => yesNo(row[col('Consumer disputed?')])),
      sourceChannel: countBy(rows, (row) => row[col('Submitted via')]),
      issue: countBy(rows, (row) => row[col('Issue')]),
      subIssue: countBy(rows, (row) => row[col('Sub-issue')] || '(none)'),
    };
    // The sample spreads over many values: a count that put everything in one bucket would not pass.
    for (const dimension of ['company', 'state', 'companyResponse', 'timely', 'disputed', 'sourceChannel'] as const) {
      expect(Object.keys(file[dimension]).length).toBeGreaterThan(1);
    }
    const { totals, counts } = await statistics();
    expect(totals.complaints).toBe(LIMIT);
    for (const [dimension, expected] of Object.entries(file)) expect({ [dimension]: counts[dimension] }).toEqual({ [dimension]: expected });
    expect(counts.sourceChannel.Referral).toBeGreaterThan(0);
  });

  it('complaint statistics filter and group by the source values', async () => {
    const untimely = rows.filter((row) => row[col('Timely response?')] === 'No');
    expect(untimely.length).toBeGreaterThan(0);
    const filtered = await statistics('&timely=no');
    expect(filtered.totals.complaints).toBe(untimely.length);
    expect(filtered.counts.companyResponse).toEqual(countBy(untimely, (row) => row[col('Company response to consumer')]));

    const grouped = await statistics('&groupBy=companyResponse');
    expect(Object.fromEntries(grouped.groups.map((g: { group: string; complaints: number }) => [g.group, g.complaints]))).toEqual(
      countBy(rows, (row) => row[col('Company response to consumer')]),
    );
    const bigState = Object.entries(countBy(rows, (row) => row[col('State')])).sort((p, q) => q[1] - p[1])[0];
    expect((await statistics(`&state=${bigState[0]}`)).totals.complaints).toBe(bigState[1]);
  });

  it(
    'a second import appends nothing and reports every complaint as already imported',
    async () => {
      const before = await t.eventCount();
      const again = await runImport(t.app, { kind: 'cfpb', file, limit: LIMIT });
      expect(await t.eventCount()).toBe(before);
      expect(again.summary.imported).toBe(0);
      expect(again.summary.duplicates.byReason[ALREADY_IMPORTED].count).toBe(LIMIT);
      expect(again.customers).toEqual({ registered: 0, alreadyRegistered: LIMIT });
    },
    IMPORT_TEST_TIMEOUT_MS,
  );
});
