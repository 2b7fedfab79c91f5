import type { ImportItem } from './import-records';

/**
 * The summary printed at the end of an import: how many source rows were read, how many records
 * were imported, and what was left out, by reason, with a few examples (line numbers) each.
 *
 * Parser items are tallied with `add`; the command path then reports each record's outcome
 * (`imported`, `alreadyImported`, `refused`). A reason counts what it concerns: source rows for
 * the parser's reasons, records (e.g. purchases grouped from several rows) for the command
 * path's; `rows` gives the source rows behind either.
 */

export interface ReportExample {
  lines: number[];
  detail: string;
}

export interface ReasonTally {
  count: number;
  /** Source rows concerned. */
  rows: number;
  /** The first few occurrences. */
  examples: ReportExample[];
}

export interface ImportSummary {
  kind: string;
  /** Source rows read (blank lines and the header excluded; junk lines included). */
  rowsRead: number;
  /** Records the parser produced. */
  recordsParsed: number;
  /** Records the command path accepted (something was appended). */
  imported: number;
  skipped: { count: number; rows: number; byReason: Record<string, ReasonTally> };
  /** Repeats within the file, and records a previous run already imported. */
  duplicates: { count: number; rows: number; byReason: Record<string, ReasonTally> };
  /** Rows kept with a remark (e.g. a zero amount). */
  notes: Record<string, ReasonTally>;
}

/** Reason the command path gives for a record a previous run already imported. */
export const ALREADY_IMPORTED = 'already-imported';

class Tallies {
  readonly byReason: Record<string, ReasonTally> = {};
  count = 0;
  rows = 0;

  constructor(private readonly maxExamples: number) {}

  add(reason: string, lines: readonly number[], detail: string): void {
    const tally = (this.byReason[reason] ??= { count: 0, rows: 0, examples: [] });
    tally.count += 1;
    tally.rows += lines.length;
    this.count += 1;
    this.rows += lines.length;
    if (tally.examples.length < this.maxExamples) tally.examples.push({ lines: [...lines], detail });
  }

  snapshot(): Record<string, ReasonTally> {
    const copy: Record<string, ReasonTally> = {};
    for (const [reason, tally] of Object.entries(this.byReason)) {
      copy[reason] = {
        count: tally.count,
        rows: tally.rows,
        examples: tally.examples.map((e) => ({ lines: [...e.lines], detail: e.detail })),
      };
    }
    return copy;
  }
}

export class ImportReport {
  private rowsRead = 0;
  private recordsParsed = 0;
  private importedCount = 0;
  private readonly skippedTallies: Tallies;
  private readonly duplicateTallies: Tallies;
  private readonly noteTallies: Tallies;

  constructor(
    private readonly kind: string,
    options: { maxExamples?: number } = {},
  ) {
    const max = options.maxExamples ?? 5;
    this.skippedTallies = new Tallies(max);
    this.duplicateTallies = new Tallies(max);
    this.noteTallies = new Tallies(max);
  }

  /** Tallies a parser item. */
  add(item: ImportItem<unknown>): void {
    switch (item.type) {
      case 'record':
        this.rowsRead += item.lines.length;
        this.recordsParsed += 1;
        break;
      case 'skipped':
        this.rowsRead += item.lines.length;
        this.skippedTallies.add(item.reason, item.lines, item.detail);
        break;
      case 'duplicate':
        this.rowsRead += item.lines.length;
        this.duplicateTallies.add(item.reason, item.lines, item.detail);
        break;
      case 'note':
        // The rows belong to a record, counted there.
        this.noteTallies.add(item.reason, item.lines, item.detail);
        break;
    }
  }

  /** A record whose command appended events. */
  imported(): void {
    this.importedCount += 1;
  }

  /** A record a previous run already imported (the command appended nothing). */
  alreadyImported(lines: readonly number[], detail: string): void {
    this.duplicateTallies.add(ALREADY_IMPORTED, lines, detail);
  }

  /** A record the command path refused, e.g. reason `refused:OCCURRED_IN_FUTURE`. */
  refused(reason: string, lines: readonly number[], detail: string): void {
    this.skippedTallies.add(reason, lines, detail);
  }

  summary(): ImportSummary {
    return {
      kind: this.kind,
      rowsRead: this.rowsRead,
      recordsParsed: this.recordsParsed,
      imported: this.importedCount,
      skipped: { count: this.skippedTallies.count, rows: this.skippedTallies.rows, byReason: this.skippedTallies.snapshot() },
      duplicates: { count: this.duplicateTallies.count, rows: this.duplicateTallies.rows, byReason: this.duplicateTallies.snapshot() },
      notes: this.noteTallies.snapshot(),
    };
  }
}

function formatLines(lines: readonly number[]): string {
  if (lines.length === 1) return `line ${lines[0]}`;
  const shown = lines.slice(0, 3).join(', ');
  return `lines ${shown}${lines.length > 3 ? `, … (${lines.length})` : ''}`;
}

function formatTallies(title: string, byReason: Record<string, ReasonTally>): string[] {
  const reasons = Object.entries(byReason).sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]));
  if (reasons.length === 0) return [];
  const out = [`${title}:`];
  for (const [reason, tally] of reasons) {
    const rows = tally.rows !== tally.count ? ` (${tally.rows.toLocaleString('en-US')} rows)` : '';
    out.push(`  ${reason}: ${tally.count.toLocaleString('en-US')}${rows}`);
    for (const example of tally.examples) out.push(`    ${formatLines(example.lines)}: ${example.detail}`);
  }
  return out;
}

/** The summary as text for the terminal. */
export function formatImportSummary(summary: ImportSummary): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  return [
    `Import ${summary.kind}: ${n(summary.rowsRead)} rows read, ${n(summary.recordsParsed)} records, ${n(summary.imported)} imported, ` +
      `${n(summary.skipped.count)} skipped, ${n(summary.duplicates.count)} duplicates`,
    ...formatTallies('Skipped', summary.skipped.byReason),
    ...formatTallies('Duplicates', summary.duplicates.byReason),
    ...formatTallies('Notes (kept)', summary.notes),
  ].join('\n');
}
