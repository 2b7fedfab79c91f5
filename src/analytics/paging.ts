/**
 * Cursor paging of lists computed in memory (sorted by a value the store cannot sort on, such as
 * a CLV computed at query time). Like the store's cursors it is keyset paging: the cursor holds
 * the sort key of the last item, and the next page starts strictly after it, so items changing
 * between requests never repeat or shift the pages.
 */
import { ValidationFailedError } from '../shared/errors/domain-errors';
import type { Page } from '../shared/read-store/read-store.port';

/** A sort key: compared element by element; null sorts after every value. */
export type SortKey = (string | number | null)[];

export function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

function encode(key: SortKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decode(cursor: string): SortKey {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) return key as SortKey;
  } catch {
    // Reported below.
  }
  throw new ValidationFailedError([{ field: 'cursor', messages: ['cursor must be the nextCursor of a previous page'] }]);
}

/** One page of the items sorted by their keys (ascending; negate numbers for descending). */
export function pageByKey<T>(items: readonly T[], keyOf: (item: T) => SortKey, limit: number, cursor?: string): Page<T> {
  const keyed = items.map((item) => ({ item, key: keyOf(item) })).sort((p, q) => compareKeys(p.key, q.key));
  const after = cursor === undefined ? null : decode(cursor);
  const start = after === null ? 0 : keyed.findIndex((entry) => compareKeys(entry.key, after) > 0);
  const from = start < 0 ? keyed.length : start;
  const page = keyed.slice(from, from + limit);
  const more = from + limit < keyed.length;
  return { items: page.map((entry) => entry.item), nextCursor: more && page.length > 0 ? encode(page[page.length - 1].key) : null };
}

/** How a long computation gives the event loop a turn: after every `itemsPerTurn` items, `giveWay()`. */
export interface EventLoopTurnTaker {
  readonly itemsPerTurn: number;
  giveWay(): Promise<void>;
}

/**
 * The page pageByKey would answer, from items read once as they stream in: only the page and
 * one item more are kept (the extra one says whether there is a next page), and the event loop is
 * given a turn every `turns.itemsPerTurn` items, so a list of 100 000 values computed at query
 * time neither sits in memory whole nor holds the event loop until it is sorted.
 */
export async function pageByKeyFromStream<T>(
  items: AsyncIterable<T>,
  keyOf: (item: T) => SortKey,
  limit: number,
  cursor: string | undefined,
  turns: EventLoopTurnTaker,
): Promise<Page<T>> {
  const after = cursor === undefined ? null : decode(cursor);
  const kept: { item: T; key: SortKey }[] = [];
  let seen = 0;
  for await (const item of items) {
    seen += 1;
    if (seen % turns.itemsPerTurn === 0) await turns.giveWay();
    const key = keyOf(item);
    if (after !== null && compareKeys(key, after) <= 0) continue;
    if (kept.length > limit && compareKeys(key, kept[kept.length - 1].key) >= 0) continue;
    // Binary search for the first kept key after this one: the kept list stays sorted.
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareKeys(kept[middle].key, key) <= 0) low = middle + 1;
      else high = middle;
    }
    kept.splice(low, 0, { item, key });
    if (kept.length > limit + 1) kept.pop();
  }
  const page = kept.slice(0, limit);
  const more = kept.length > limit;
  return { items: page.map((entry) => entry.item), nextCursor: more && page.length > 0 ? encode(page[page.length - 1].key) : null };
}
