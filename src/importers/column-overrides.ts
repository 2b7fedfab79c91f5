import type { ColumnSpec } from './csv-reader';
import { ImportFormatError } from './import-records';

/** A column mapping given by the user (`--map "Date received=receivedAt"`): the file's column name and the field it holds. */
export interface ColumnOverride {
  column: string;
  field: string;
}

/** Reads `COLUMN=field` (the last `=` separates them, so a column name may hold one). */
export function parseColumnOverride(text: string): ColumnOverride | null {
  const at = text.lastIndexOf('=');
  if (at <= 0 || at === text.length - 1) return null;
  const column = text.slice(0, at).trim();
  const field = text.slice(at + 1).trim();
  return column === '' || field === '' ? null : { column, field };
}

/**
 * The spec with the user's mappings first among their fields' names, so a mapped column wins over
 * the usual names (an override) or names a field in a layout nobody foresaw (an addition). A field
 * the importer does not know stops the import with the fields it knows.
 */
export function withColumnOverrides<K extends string>(
  spec: Readonly<Record<K, ColumnSpec>>,
  overrides: readonly ColumnOverride[],
  what: string,
): Record<K, ColumnSpec> {
  const result = { ...spec } as Record<K, ColumnSpec>;
  for (const { column, field } of overrides) {
    if (!Object.prototype.hasOwnProperty.call(spec, field)) {
      throw new ImportFormatError(
        `--map "${column}=${field}": a ${what} has no field "${field}"; its fields are ${Object.keys(spec).join(', ')}`,
      );
    }
    const key = field as K;
    result[key] = { ...result[key], names: [column, ...result[key].names] };
  }
  return result;
}
