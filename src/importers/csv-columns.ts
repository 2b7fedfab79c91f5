import type { CsvItem } from './csv-header-reader';
import { excerpt, ImportFormatError, type ImportItem, SKIP_REASONS } from './import-records';

// Mapping a file's header onto the columns an importer knows (by loosely compared names).

/** Column names compared loosely: case, spaces and punctuation ignored ("Sub-product" = "sub_product"). */
export function normaliseColumnName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export interface ColumnSpec {
  /** Names the column has had, in any spelling (they are normalised before comparing). */
  names: readonly string[];
  required?: boolean;
}

export interface ColumnMapping<K extends string> {
  /** Field index of each known column found in the header. */
  index: Partial<Record<K, number>>;
  /** How many known columns the header has. */
  found: number;
  /** Required columns the header lacks, by their first name in the spec. */
  missing: string[];
}

/** Maps a header onto known columns by normalised name; the first header column of a name wins. */
export function mapColumns<K extends string>(header: readonly string[], spec: Readonly<Record<K, ColumnSpec>>): ColumnMapping<K> {
  const byName = new Map<string, number>();
  header.forEach((name, i) => {
    const key = normaliseColumnName(name);
    if (key && !byName.has(key)) byName.set(key, i);
  });
  const index: Partial<Record<K, number>> = {};
  const missing: string[] = [];
  let found = 0;
  for (const key of Object.keys(spec) as K[]) {
    const column = spec[key];
    const at = column.names.map((n) => byName.get(normaliseColumnName(n))).find((i) => i !== undefined);
    if (at !== undefined) {
      index[key] = at;
      found += 1;
    } else if (column.required) {
      missing.push(column.names[0]);
    }
  }
  return { index, found, missing };
}

/** A file's header mapped onto the known columns. */
export interface AcceptedHeader<K extends string> {
  /** Where each known column is. */
  column: Partial<Record<K, number>>;
  /** How many fields the header has: rows are checked against it. */
  fieldCount: number;
  /** Whether a row is this header again (files concatenated from several exports repeat it). */
  isRepeat(fields: readonly string[]): boolean;
}

/**
 * Maps a header line onto the spec, or throws ImportFormatError naming the required columns it
 * lacks. `what` names the file kind in that message ("CFPB complaint export").
 */
export function acceptHeader<K extends string>(
  fields: readonly string[],
  line: number,
  spec: Readonly<Record<K, ColumnSpec>>,
  what: string,
): AcceptedHeader<K> {
  const mapping = mapColumns(fields, spec);
  if (mapping.missing.length > 0) {
    // One line naming each missing column, every name it is accepted under, and the way out for a layout nobody foresaw.
    const keys = Object.keys(spec) as K[];
    const described = mapping.missing.map((name) => {
      const key = keys.find((k) => spec[k].names[0] === name)!;
      return `"${name}" (accepted names: ${spec[key].names.map((n) => `"${n}"`).join(', ')}; or --map "<your column>=${key}")`;
    });
    throw new ImportFormatError(
      `${what} lacks required column ${described.join(' and ')}; header on line ${line}: ${excerpt(fields.join(','), 200)}`,
      mapping.missing,
    );
  }
  const first = normaliseColumnName(fields[0]);
  const key = fields.map(normaliseColumnName).join(',');
  return {
    column: mapping.index,
    fieldCount: fields.length,
    // The first column is compared first: a cheap miss for nearly every data row.
    isRepeat: (row) => normaliseColumnName(row[0]) === first && row.map(normaliseColumnName).join(',') === key,
  };
}

/**
 * The header of an import file as its parser reads it: lines before the header become skipped
 * items, and the header is accepted against the spec (or refused, naming what it lacks).
 */
export class ImportHeader<K extends string> {
  accepted: AcceptedHeader<K> | undefined;
  /** Where each known column is (empty before the header). */
  column: Partial<Record<K, number>> = {};
  fieldCount = 0;

  constructor(
    private readonly spec: Readonly<Record<K, ColumnSpec>>,
    private readonly what: string,
  ) {}

  /** A line before the records: a junk line is a skipped item; the header is taken in (null). */
  take(item: Exclude<CsvItem, { kind: 'record' }>): ImportItem<never> | null {
    if (item.kind === 'junk') {
      return { type: 'skipped', reason: SKIP_REASONS.junkLine, lines: [item.line], detail: `before the header: "${excerpt(item.text)}"` };
    }
    this.accepted = acceptHeader(item.fields, item.line, this.spec, this.what);
    this.column = this.accepted.column;
    this.fieldCount = this.accepted.fieldCount;
    return null;
  }
}
