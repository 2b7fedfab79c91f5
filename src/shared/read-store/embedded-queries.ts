/**
 * Reads of the embedded read store, on one connection inside a read (or write) transaction whose
 * catalog has been checked (embedded-engine.ts): SQL narrows the rows (embedded-query-plan.ts),
 * mingo decides which match unless the SQL alone is exact.
 */
import type { CursorPosition, SortKey } from './cursor';
import type { Connection } from './embedded-catalog';
import { quoteIdentifier } from './embedded-key-expression';
import { assertId } from './embedded-document-rules';
import { planFilter, selectForPage } from './embedded-query-plan';
import type { DocumentMatcher } from './mongo-filter';
import type { Document, Filter } from './read-store.port';

export interface ScanResult {
  items: Document[];
  more: boolean;
}

export function getDocument(conn: Connection, name: string, id: string): Document | null {
  assertId(id);
  const meta = conn.catalog.get(name);
  if (meta === undefined) return null;
  const row = conn.prepare(meta.sql.get).get(id) as { doc: string } | undefined;
  return row === undefined ? null : (JSON.parse(row.doc) as Document);
}

/** Up to `limit` matching documents after `after` in sort order, and whether more follow. */
export function scan(
  conn: Connection,
  name: string,
  filter: Filter | undefined,
  matcher: DocumentMatcher,
  sort: readonly SortKey[],
  after: CursorPosition | null,
  limit: number,
  exclude: readonly string[] = [],
): ScanResult {
  const meta = conn.catalog.get(name);
  if (meta === undefined) return { items: [], more: false };
  const plan = planFilter(filter, meta);
  const { sql, params } = selectForPage(meta, plan, sort, after, exclude);
  const wanted = limit + 1;
  const items: Document[] = [];
  if (plan.exact) {
    const rows = conn.prepare(`${sql} LIMIT ?`).all(...params, wanted) as Array<{ doc: string }>;
    let rejected = false;
    for (const row of rows) {
      const doc = JSON.parse(row.doc) as Document;
      if (matcher(doc)) items.push(doc);
      else rejected = true;
    }
    if (!rejected) return finishScan(items, limit);
    // SQL let through something the matcher refused (an array or object in an indexed field, which
    // the port rules out): scan without LIMIT so the page is still right.
    items.length = 0;
  }
  for (const row of conn.prepare(sql).iterate(...params) as IterableIterator<{ doc: string }>) {
    const doc = JSON.parse(row.doc) as Document;
    if (matcher(doc)) {
      items.push(doc);
      if (items.length === wanted) break;
    }
  }
  return finishScan(items, limit);
}

function finishScan(items: Document[], limit: number): ScanResult {
  const more = items.length > limit;
  if (more) items.length = limit;
  return { items, more };
}

/** SQLite's EXPLAIN QUERY PLAN rows for the page scan() would read. */
export function explainScan(
  conn: Connection,
  name: string,
  filter: Filter | undefined,
  sort: readonly SortKey[],
  after: CursorPosition | null,
  limit: number,
): Array<{ detail: string }> {
  const meta = conn.catalog.get(name);
  if (meta === undefined) return [];
  const plan = planFilter(filter, meta);
  const { sql, params } = selectForPage(meta, plan, sort, after);
  return (
    plan.exact
      ? conn.db.prepare(`EXPLAIN QUERY PLAN ${sql} LIMIT ?`).all(...params, limit + 1)
      : conn.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params)
  ) as Array<{ detail: string }>;
}

export function countMatching(conn: Connection, name: string, filter: Filter | undefined, matcher: DocumentMatcher): number {
  const meta = conn.catalog.get(name);
  if (meta === undefined) return 0;
  const plan = planFilter(filter, meta);
  const table = quoteIdentifier(meta.table);
  const whereSql = plan.where.length > 0 ? ` WHERE ${plan.where.join(' AND ')}` : '';
  if (plan.exact) {
    const row = conn.prepare(`SELECT count(*) AS n FROM ${table}${whereSql}`).get(...plan.params) as { n: number };
    return row.n;
  }
  let n = 0;
  for (const row of conn.prepare(`SELECT doc FROM ${table}${whereSql}`).iterate(...plan.params) as IterableIterator<{
    doc: string;
  }>) {
    if (matcher(JSON.parse(row.doc))) n++;
  }
  return n;
}
