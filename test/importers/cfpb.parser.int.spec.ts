import { readFileSync } from 'node:fs';
import { parseCfpbComplaints } from '../../src/importers/cfpb.parser';
import { fileSource } from '../../src/importers/csv-reader';
import { type ImportedComplaint, ImportFormatError } from '../../src/importers/import-records';
import { formatImportSummary, ImportReport } from '../../src/importers/import-report';
import { chunked, collect, countBy, sharedDataFile, sortItems } from './import-test-support';

/**
 * Records found by quote parity instead of a CSV parser: a record ends at the first line break
 * with an even number of quotes behind it. Its Complaint ID is the text after its last comma.
 */
function recordsByQuoteParity(text: string, headerLine: number) {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const found: { line: number; complaintId: string }[] = [];
  let start = -1;
  let quotes = 0;
  lines.forEach((line, i) => {
    if (i + 1 <= headerLine) return;
    if (start < 0) start = i + 1;
    quotes += line.split('"').length - 1;
    if (quotes % 2 === 0) {
      found.push({ line: start, complaintId: line.slice(line.lastIndexOf(',') + 1).trim() });
      start = -1;
      quotes = 0;
    }
  });
  return { physicalLines: lines.length, records: found };
}

describe('parseCfpbComplaints on the real sample', () => {
  it('reads every complaint, skips and reports the two junk lines, and matches the README counts', async () => {
    const file = sharedDataFile('cfpb', 'complaints_sample.csv');
    const report = new ImportReport('cfpb');
    const items = await collect(parseCfpbComplaints(fileSource(file)));
    items.forEach((item) => report.add(item));
    const { records, recordLines, skipped, duplicates, notes } = await sortItems(items);

    const independent = recordsByQuoteParity(readFileSync(file, 'utf8'), 3);
    expect(independent.physicalLines).toBe(9_967);
    expect(independent.records).toHaveLength(6_623);
    expect(records).toHaveLength(6_623);
    expect(recordLines.map((lines) => lines[0])).toEqual(independent.records.map((r) => r.line));
    expect(records.map((r) => r.sourceKey)).toEqual(independent.records.map((r) => r.complaintId));
    expect(new Set(records.map((r) => r.sourceKey)).size).toBe(6_623);

    expect(skipped).toEqual([
      { type: 'skipped', reason: 'junk-line', lines: [1], detail: 'before the header: "Archive: /Users/hvo/Downloads/complaints.csv.zip"' },
      { type: 'skipped', reason: 'junk-line', lines: [2], detail: 'before the header: "inflating: complaints.csv"' },
    ]);
    expect(duplicates).toEqual([]);
    expect(notes).toEqual([]);

    const narratives = records.filter((r) => r.narrative !== null);
    expect(narratives).toHaveLength(1_532);
    expect(narratives.filter((r) => r.narrative?.includes('\n'))).toHaveLength(602);
    expect(countBy(records, (r) => r.sourceChannel)).toEqual({
      Web: 5_143,
      Referral: 627,
      Phone: 482,
      'Postal mail': 267,
      Fax: 102,
      Email: 2,
    });
    expect(countBy(records, (r) => r.channel)).toEqual({ web: 5_143, letter: 627 + 267 + 102, phone: 482, email: 2 });
    expect(countBy(records, (r) => String(r.timely))).toEqual({ true: 6_529, false: 94 });
    expect(countBy(records, (r) => String(r.disputed))).toEqual({ null: 6_591, false: 23, true: 9 });
    expect(countBy(records, (r) => r.tags.join('|'))).toEqual({
      '': 5_809,
      Servicemember: 502,
      'Older American': 239,
      'Older American|Servicemember': 73,
    });
    expect(countBy(records, (r) => r.companyResponse ?? '')).toEqual({
      'Closed with explanation': 5_557,
      'Closed with non-monetary relief': 779,
      'Closed with monetary relief': 211,
      'Untimely response': 37,
      'In progress': 35,
      Closed: 4,
    });
    expect(countBy(records, (r) => r.product)['Debt collection']).toBe(1_231);
    expect(Object.keys(countBy(records, (r) => r.product))).toHaveLength(13);
    expect(records.filter((r) => r.subProduct === null)).toHaveLength(6);
    expect(records.filter((r) => r.subIssue === null)).toHaveLength(742);
    expect(records.filter((r) => r.companyPublicResponse === null)).toHaveLength(2_520);
    expect(records.filter((r) => r.state === null)).toHaveLength(273);
    expect(new Set(records.map((r) => r.company)).size).toBe(710);

    const received = records.map((r) => r.receivedAt).sort();
    expect([received[0], received[received.length - 1]]).toEqual(['2015-04-06T00:00:00.000Z', '2020-03-19T00:00:00.000Z']);
    expect(countBy(records, (r) => r.receivedAt.slice(0, 4))).toEqual({ 2015: 7, 2016: 19, 2017: 30, 2018: 393, 2019: 5_975, 2020: 199 });
    const days = records.map((r) => (Date.parse(r.sentToCompanyAt ?? '') - Date.parse(r.receivedAt)) / 86_400_000);
    expect([Math.min(...days), Math.max(...days), days.filter((d) => d === 0).length]).toEqual([0, 215, 5_400]);

    const summary = report.summary();
    expect(summary).toMatchObject({ rowsRead: 6_625, recordsParsed: 6_623, skipped: { count: 2, rows: 2 }, duplicates: { count: 0 } });
    expect(formatImportSummary(summary)).toContain('line 1: before the header: "Archive:');

    // Another run, cut into other chunks (splitting quotes and line breaks), yields the very same items.
    const again = await collect(parseCfpbComplaints(chunked(readFileSync(file, 'utf8'), 1_021)));
    expect(again).toEqual(items);
  });
});

describe('parseCfpbComplaints edge cases', () => {
  const header =
    'Date received,Product,Sub-product,Issue,Sub-issue,Consumer complaint narrative,Company public response,Company,State,ZIP code,Tags,Consumer consent provided?,Submitted via,Date sent to company,Company response to consumer,Timely response?,Consumer disputed?,Complaint ID';
  const parse = (text: string, chunkSize = 7) => sortItems(parseCfpbComplaints(chunked(text, chunkSize)));

  it('reads M/D/YYYY and YYYY/M/D dates, quoted line breaks (LF and CRLF) and "" escapes', async () => {
    const text = [
      header,
      '3/7/2019,Mortgage,,Trouble,,"He said ""no"".\r\nThen, twice:\nno.",,BANK,NY,100XX,"Older American, Servicemember",Consent provided,Postal mail,3/9/2019,Closed,No,Yes,111',
      '2019/3/7,Debt collection,,Threats,,,,AGENCY,,,,,Referral,2019/03/07,In progress,Yes,N/A,112',
    ].join('\n');
    const { records, recordLines } = await parse(text);
    expect(recordLines).toEqual([[2], [5]]);
    expect(records[0]).toEqual<ImportedComplaint>({
      sourceKey: '111',
      receivedAt: '2019-03-07T00:00:00.000Z',
      sentToCompanyAt: '2019-03-09T00:00:00.000Z',
      product: 'Mortgage',
      subProduct: null,
      issue: 'Trouble',
      subIssue: null,
      narrative: 'He said "no".\nThen, twice:\nno.',
      companyPublicResponse: null,
      company: 'BANK',
      state: 'NY',
      zip: '100XX',
      tags: ['Older American', 'Servicemember'],
      consumerConsent: 'Consent provided',
      channel: 'letter',
      sourceChannel: 'Postal mail',
      companyResponse: 'Closed',
      timely: false,
      disputed: true,
    });
    expect(records[1]).toMatchObject({
      sourceKey: '112',
      receivedAt: '2019-03-07T00:00:00.000Z',
      channel: 'letter',
      sourceChannel: 'Referral',
      disputed: null,
      timely: true,
    });
  });

  it('maps the column names other export years use, in another order, with fewer columns', async () => {
    const text = [
      'complaint_id,date_received,PRODUCT,issue,submitted_via,complaint_what_happened,company_response,timely',
      '9,2021-01-02,Mortgage,Trouble,Web Referral,It broke,Closed with explanation,Yes',
      '10,2021-01-03,Mortgage,Trouble,Phone,,,',
    ].join('\r\n');
    const { records } = await parse(text);
    expect(
      records.map((r) => [r.sourceKey, r.receivedAt, r.channel, r.narrative, r.companyResponse, r.timely, r.company, r.disputed]),
    ).toEqual([
      ['9', '2021-01-02T00:00:00.000Z', 'web', 'It broke', 'Closed with explanation', true, null, null],
      ['10', '2021-01-03T00:00:00.000Z', 'phone', null, null, null, null, null],
    ]);
  });

  it('refuses an export lacking a required column in one line naming it and its accepted names', async () => {
    const noReceived = 'Product,Issue,Submitted via,Company,Complaint ID';
    const failure = parse(`${noReceived}\nMortgage,Trouble,Web,BANK,1\n`);
    await expect(failure).rejects.toThrow(ImportFormatError);
    await expect(failure).rejects.toThrow(
      /^CFPB complaint export lacks required column "Date received" \(accepted names: "Date received", "date_received"; or --map "<your column>=receivedAt"\); header on line 1: /,
    );
    const message = await parse(`${noReceived}\n`).catch((error: Error) => error.message);
    expect(message).not.toContain('\n');
    await expect(parse('Date received,Product,Issue,Complaint ID\n')).rejects.toThrow(
      /"Submitted via" \(accepted names: "Submitted via", "submitted_via"/,
    );
  });

  it('an export without a Complaint ID column: ids derived from each row, the same on every reading, repeats told apart', async () => {
    const noId = header.replace(',Complaint ID', '');
    const row = '2019-03-07,Mortgage,,Trouble,,,,BANK,NY,100XX,,,Web,2019-03-07,Closed,Yes,N/A';
    const other = '2019-03-08,Mortgage,,Trouble,,,,BANK,NY,100XX,,,Web,2019-03-08,Closed,Yes,N/A';
    const text = `${noId}\n${row}\n${other}\n${row}\n`;
    const first = (await parse(text)).records.map((r) => r.sourceKey);
    const again = (await parse(text)).records.map((r) => r.sourceKey);
    expect(first).toEqual(again);
    expect(first).toHaveLength(3);
    expect(new Set(first).size).toBe(3);
    expect(first[0]).toMatch(/^row-[0-9a-f]{20}$/);
    expect(first[2]).toBe(`${first[0]}-2`);
  });

  it('--map columns: a mapped column names a field in a layout nobody foresaw, and an unknown field is refused', async () => {
    const text = 'Received,Product,Issue,Via,Company,Complaint ID\n03/07/2019,Mortgage,Trouble,Referral,BANK,77\n';
    await expect(parse(text)).rejects.toThrow(/lacks required column "Date received".*and "Submitted via"/);
    const { records } = await sortItems(
      await collect(
        parseCfpbComplaints(chunked(text, 7), {
          columns: [
            { column: 'Received', field: 'receivedAt' },
            { column: 'Via', field: 'channel' },
          ],
        }),
      ),
    );
    expect(records.map((r) => [r.sourceKey, r.receivedAt, r.channel, r.sourceChannel])).toEqual([
      ['77', '2019-03-07T00:00:00.000Z', 'letter', 'Referral'],
    ]);
    await expect(collect(parseCfpbComplaints(chunked(text, 7), { columns: [{ column: 'Received', field: 'received' }] }))).rejects.toThrow(
      /--map "Received=received": a CFPB complaint export has no field "received"; its fields are complaintId, receivedAt, /,
    );
  });

  it('refuses a file with no header among its first lines', async () => {
    await expect(parse('just,some\ncsv,data\n')).rejects.toThrow(/Not a CFPB complaint export/);
  });

  it('skips junk and bad rows with reasons and line numbers; a repeated Complaint ID is a duplicate', async () => {
    const row = (id: string, date = '2019-03-07', channel = 'Web', product = 'Mortgage') =>
      `${date},${product},,Trouble,,,,BANK,NY,100XX,,,${channel},2019-03-07,Closed,Yes,N/A,${id}`;
    const text = [
      'Archive:  complaints.csv.zip',
      '  inflating: "complaints.csv  ',
      header,
      row('1'),
      'this line is junk',
      row('2', '2019-02-30'),
      row('3', '2019-03-07', 'Carrier pigeon'),
      row('4', '2019-03-07', 'Web', ''),
      row(''),
      row('1'),
      header,
      `${row('5')},,`,
      row('6').replace('Yes,N/A', 'Maybe,N/A'),
      row('7').replace(',Closed,', ',"Closed'),
    ].join('\n');
    const { records, skipped, duplicates, notes } = await parse(text, 3);
    expect(records.map((r) => r.sourceKey)).toEqual(['1', '5', '6']);
    expect(records[2].timely).toBeNull();
    expect(notes).toEqual([
      expect.objectContaining({ reason: 'unreadable-value', lines: [13], detail: expect.stringContaining('Timely response? "Maybe"') }),
    ]);
    expect(skipped.map((s) => [s.reason, s.lines[0]])).toEqual([
      ['junk-line', 1],
      ['junk-line', 2],
      ['wrong-field-count', 5],
      ['invalid-date', 6],
      ['unknown-channel', 7],
      ['missing-value', 8],
      ['missing-key', 9],
      ['repeated-header', 11],
      ['unterminated-quote', 14],
    ]);
    expect(duplicates).toEqual([{ type: 'duplicate', reason: 'duplicate-key', lines: [10], detail: 'Complaint ID 1 already on line 4' }]);
  });
});
