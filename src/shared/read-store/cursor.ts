/**
 * Page cursors and sort/limit normalisation shared by the read store adapters.
 *
 * A cursor is opaque to callers: base64url JSON holding the sort key values of the last item of a
 * page plus its `_id`. The next page holds the documents strictly after that position in sort order
 * (keyset pagination), so inserts and deletes between pages never shift or repeat items.
 */
import { InvalidQueryError, type JsonValue, type SortSpec } from './read-store.port';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** One sort key: a (possibly dotted) field path and its direction. */
export type SortKey = readonly [field: string, direction: 1 | -1];

/** Where the previous page ended. `values` has one entry per sort key before `_id`. */
export interface CursorPosition {
  values: JsonValue[];
  id: string;
}

/**
 * The sort keys in order, always ending with `_id` (ascending unless the caller sorted on `_id`
 * itself); keys after an explicit `_id` are dropped since `_id` is unique.
 */
export function normalizeSort(sort?: SortSpec): SortKey[] {
  const keys: SortKey[] = [];
  if (sort !== undefined) {
    if (sort === null || typeof sort !== 'object' || Array.isArray(sort)) {
      throw new InvalidQueryError('sort must be an object of field: 1 | -1');
    }
    for (const field of Object.keys(sort)) {
      const direction = sort[field];
      if (direction !== 1 && direction !== -1) {
        throw new InvalidQueryError(`sort direction for "${field}" must be 1 or -1`);
      }
      if (field === '' || field.startsWith('$') || field.split('.').some((part) => part === '')) {
        throw new InvalidQueryError(`invalid sort field "${field}"`);
      }
      keys.push([field, direction]);
      if (field === '_id') return keys;
    }
  }
  keys.push(['_id', 1]);
  return keys;
}

/** The page size to use: default 50, capped at 1000; anything but a positive integer is invalid. */
export function resolvePageSize(limit?: number): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new InvalidQueryError('limit must be a positive integer');
  }
  return Math.min(limit, MAX_PAGE_SIZE);
}

/** The value at a dotted path, following objects and numeric array indexes; undefined when missing. */
export function valueAtPath(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(current)) {
      current = /^\d+$/.test(part) ? current[Number(part)] : undefined;
    } else if (current !== null && typeof current === 'object') {
      current = (current as Record<string, unknown>)[part];
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

/** The cursor position of a document under the given (normalised) sort; missing values become null. */
export function cursorPositionOf(doc: { _id: string }, sort: readonly SortKey[]): CursorPosition {
  const values: JsonValue[] = [];
  for (const [field] of sort) {
    if (field === '_id') break;
    const value = valueAtPath(doc, field);
    values.push(value === undefined ? null : (value as JsonValue));
  }
  return { values, id: doc._id };
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ v: position.values, id: position.id }), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by encodeCursor. `expectedValues` (the number of sort keys before `_id`)
 * rejects a cursor that came from a query with a different sort.
 */
export function decodeCursor(cursor: string, expectedValues?: number): CursorPosition {
  if (typeof cursor !== 'string' || cursor === '' || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidQueryError('malformed cursor');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidQueryError('malformed cursor');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidQueryError('malformed cursor');
  }
  const { v, id } = parsed as { v?: unknown; id?: unknown };
  if (!Array.isArray(v) || typeof id !== 'string') throw new InvalidQueryError('malformed cursor');
  if (expectedValues !== undefined && v.length !== expectedValues) {
    throw new InvalidQueryError('cursor does not belong to this sort');
  }
  return { values: v as JsonValue[], id };
}
