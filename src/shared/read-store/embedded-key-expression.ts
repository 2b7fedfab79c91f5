/**
 * The key expression of the embedded read store: the SQL expression a document field is indexed,
 * compared and sorted by (see embedded-read-store.ts for why it looks like this).
 */
import { InvalidQueryError } from './read-store.port';

export type SqlValue = string | number | Buffer | null;

/** What the key expression yields for null and missing values, false and true. */
export const NULL_KEY = -Infinity;
export const FALSE_KEY = Buffer.from([0]);
export const TRUE_KEY = Buffer.from([1]);

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The SQL expression a field is indexed, compared and sorted by (identical text, so indexes apply). */
export function keyExpression(field: string): string {
  if (field === '_id') return 'id';
  const parts = field.split('.');
  for (const part of parts) {
    if (part === '' || part.includes('"') || part.startsWith('$')) {
      throw new InvalidQueryError(`unsupported field path "${field}"`);
    }
  }
  const path = sqlString(`$${parts.map((part) => `."${part}"`).join('')}`);
  return `CASE json_type(doc,${path}) WHEN 'true' THEN x'01' WHEN 'false' THEN x'00' ELSE ifnull(json_extract(doc,${path}),-9e999) END`;
}

/** A JSON value as the key expression sees it. */
export function keyValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return NULL_KEY;
  if (typeof value === 'boolean') return value ? TRUE_KEY : FALSE_KEY;
  if (typeof value === 'string' || typeof value === 'number') return value;
  return JSON.stringify(value);
}
