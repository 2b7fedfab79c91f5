import type { FastifyReply } from 'fastify';

/**
 * CSV export of list responses (RFC 4180): a header row, then one row per item; CRLF line ends;
 * fields holding a comma, a double quote, CR or LF are quoted, with quotes doubled.
 *
 * Items are flattened: nested objects and arrays become dotted columns (`currentValue.revenue`,
 * `distribution.1`); the columns are the union of every item's paths, in the order first met.
 * null and missing values are empty fields; numbers and booleans are written as JSON writes them.
 *
 * Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) is
 * prefixed with a single quote: names and product labels come from users (CSV injection).
 */

export type CsvScalar = string | number | boolean | null;

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** True when the client asked for CSV (`Accept: text/csv`, possibly among other types). */
export function wantsCsv(accept: string | string[] | undefined): boolean {
  const values = Array.isArray(accept) ? accept : accept === undefined ? [] : [accept];
  return values.some((value) =>
    value
      .split(',')
      .map((part) => part.split(';')[0].trim().toLowerCase())
      .includes('text/csv'),
  );
}

/** The item as path -> scalar, nested objects and arrays flattened with dots. */
export function flattenItem(item: unknown, prefix = '', out: Map<string, CsvScalar> = new Map()): Map<string, CsvScalar> {
  if (item === null || item === undefined) {
    if (prefix !== '') out.set(prefix, null);
    return out;
  }
  if (Array.isArray(item)) {
    if (item.length === 0 && prefix !== '') out.set(prefix, null);
    item.forEach((value, index) => flattenItem(value, prefix === '' ? String(index) : `${prefix}.${index}`, out));
    return out;
  }
  if (typeof item === 'object') {
    const entries = Object.entries(item as Record<string, unknown>);
    if (entries.length === 0 && prefix !== '') out.set(prefix, null);
    for (const [key, value] of entries) flattenItem(value, prefix === '' ? key : `${prefix}.${key}`, out);
    return out;
  }
  if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
    out.set(prefix === '' ? 'value' : prefix, item);
    return out;
  }
  // bigint and the like: as text.
  out.set(prefix === '' ? 'value' : prefix, String(item));
  return out;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field, quoted when it has to be. */
export function csvField(value: CsvScalar | undefined): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'string') text = FORMULA_START.test(value) ? `'${value}` : value;
  else if (typeof value === 'number') text = Number.isFinite(value) ? String(value) : '';
  else text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The CSV document of the items. `columns` fixes the header (so an empty list still has one, and
 * columns appear in a chosen order); paths not listed are appended after them, in the order met.
 */
export function toCsv(items: readonly unknown[], columns: readonly string[] = []): string {
  const rows = items.map((item) => flattenItem(item));
  const seen = new Set(columns);
  const extra: string[] = [];
  for (const row of rows) {
    for (const key of row.keys()) {
      if (!seen.has(key)) {
        seen.add(key);
        extra.push(key);
      }
    }
  }
  // A null where other rows have an object (e.g. `predictive` before any model) adds no column of its own.
  const all = [...columns, ...extra];
  const header = [...columns, ...extra.filter((name) => !all.some((other) => other.startsWith(`${name}.`)))];
  const lines = [header.map((name) => csvField(name)).join(',')];
  for (const row of rows) lines.push(header.map((name) => csvField(row.get(name))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * Sets the CSV headers on the reply and returns the body to send. The next page's cursor, if
 * any, travels in `X-Next-Cursor` (a CSV body has no room for it).
 */
export function csvReply(
  reply: FastifyReply,
  items: readonly unknown[],
  options: { columns?: readonly string[]; nextCursor?: string | null; filename?: string } = {},
): string {
  void reply.header('Content-Type', CSV_CONTENT_TYPE);
  void reply.header('Vary', 'Accept');
  if (options.filename)
    void reply.header('Content-Disposition', `attachment; filename="${options.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
  if (options.nextCursor) void reply.header('X-Next-Cursor', options.nextCursor);
  return toCsv(items, options.columns);
}
