import { ALREADY_IMPORTED, formatImportSummary, ImportReport } from '../../src/importers/import-report';

describe('ImportReport', () => {
  it('counts rows read, records, skips and duplicates by reason, keeping the first examples', () => {
    const report = new ImportReport('online-retail', { maxExamples: 2 });
    report.add({ type: 'skipped', reason: 'junk-line', lines: [1], detail: 'before the header: "Archive"' });
    report.add({ type: 'record', record: { id: 'a' }, lines: [3, 4, 9] });
    report.add({ type: 'note', reason: 'mixed-invoice-times', lines: [3, 4, 9], detail: 'earliest used' });
    for (const line of [5, 6, 7]) report.add({ type: 'skipped', reason: 'cancellation', lines: [line], detail: `C${line}` });
    report.add({ type: 'duplicate', reason: 'duplicate-row', lines: [8], detail: 'same as line 3' });
    report.add({ type: 'record', record: { id: 'b' }, lines: [10] });
    report.imported();
    report.alreadyImported([10], 'purchase b');
    report.refused('refused:OCCURRED_IN_FUTURE', [11], 'purchase c');

    expect(report.summary()).toEqual({
      kind: 'online-retail',
      rowsRead: 9,
      recordsParsed: 2,
      imported: 1,
      skipped: {
        count: 5,
        rows: 5,
        byReason: {
          'junk-line': { count: 1, rows: 1, examples: [{ lines: [1], detail: 'before the header: "Archive"' }] },
          cancellation: {
            count: 3,
            rows: 3,
            examples: [
              { lines: [5], detail: 'C5' },
              { lines: [6], detail: 'C6' },
            ],
          },
          'refused:OCCURRED_IN_FUTURE': { count: 1, rows: 1, examples: [{ lines: [11], detail: 'purchase c' }] },
        },
      },
      duplicates: {
        count: 2,
        rows: 2,
        byReason: {
          'duplicate-row': { count: 1, rows: 1, examples: [{ lines: [8], detail: 'same as line 3' }] },
          [ALREADY_IMPORTED]: { count: 1, rows: 1, examples: [{ lines: [10], detail: 'purchase b' }] },
        },
      },
      notes: { 'mixed-invoice-times': { count: 1, rows: 3, examples: [{ lines: [3, 4, 9], detail: 'earliest used' }] } },
    });
  });

  it('hands out snapshots that later tallies do not change', () => {
    const report = new ImportReport('cfpb');
    report.add({ type: 'skipped', reason: 'junk-line', lines: [1], detail: 'x' });
    const before = report.summary();
    report.add({ type: 'skipped', reason: 'junk-line', lines: [2], detail: 'y' });
    expect(before.skipped.byReason['junk-line'].count).toBe(1);
    expect(report.summary().skipped.byReason['junk-line'].count).toBe(2);
  });

  it('formats the summary for the terminal, reasons by frequency, with line numbers', () => {
    const report = new ImportReport('cfpb');
    report.add({ type: 'skipped', reason: 'junk-line', lines: [1], detail: 'before the header: "Archive"' });
    report.add({ type: 'skipped', reason: 'invalid-date', lines: [40], detail: 'date received "2019-02-30"' });
    report.add({ type: 'skipped', reason: 'invalid-date', lines: [41], detail: 'date received "x"' });
    report.add({ type: 'record', record: {}, lines: [3] });
    report.add({ type: 'record', record: {}, lines: [4, 5, 6, 7] });
    report.add({ type: 'note', reason: 'mixed-invoice-times', lines: [4, 5, 6, 7], detail: 'earliest used' });
    report.imported();
    report.alreadyImported([4, 5, 6, 7], 'already there');
    expect(formatImportSummary(report.summary())).toBe(
      [
        'Import cfpb: 8 rows read, 2 records, 1 imported, 3 skipped, 1 duplicates',
        'Skipped:',
        '  invalid-date: 2',
        '    line 40: date received "2019-02-30"',
        '    line 41: date received "x"',
        '  junk-line: 1',
        '    line 1: before the header: "Archive"',
        'Duplicates:',
        '  already-imported: 1 (4 rows)',
        '    lines 4, 5, 6, … (4): already there',
        'Notes (kept):',
        '  mixed-invoice-times: 1 (4 rows)',
        '    lines 4, 5, 6, … (4): earliest used',
      ].join('\n'),
    );
  });
});
