/**
 * The embedded read store: collections of JSON documents in one SQLite file (better-sqlite3, WAL),
 * queried with MongoDB filter and update syntax.
 *
 * Layout: a catalog table maps collection names (arbitrary strings) to tables `c_<n>`, each
 * (id TEXT PRIMARY KEY, doc TEXT JSON, pos TEXT copy of doc._position). Collections are created on
 * first write. Declared indexes are SQLite expression indexes on the "key expression" of a field:
 * json_extract(doc, path), with null/missing mapped to -Infinity and booleans to the BLOBs x'00' and
 * x'01'. It is never NULL (keyset comparisons need no NULL cases) and SQLite's order of the results
 * (-Infinity < numbers < text < blobs) is BSON's: null/missing < numbers < strings < booleans.
 * Objects and arrays come out as JSON text and sort among strings (MongoDB puts them between
 * strings and booleans, arrays by their smallest element): sort keys are meant to be scalars.
 *
 * Queries: the parts of a filter that are plain comparisons on indexed fields (or _id) become SQL
 * (an index range), everything is then checked by the JS matcher (mongo-filter.ts), which defines
 * the semantics. Sorting is ORDER BY key expressions with _id last; pages are keyset-paginated.
 *
 * Concurrency: one writer connection; an async mutex lets one transaction or write run at a time.
 * File-backed stores read outside transactions through a second, read-only connection, which sees
 * only committed data (WAL snapshot) and never waits for a running transaction. In-memory stores
 * have a single connection, so their reads wait for the mutex instead.
 *
 * Several processes may share the file: every read and write runs in a transaction that first
 * checks the connection's cached catalog against SQLite's schema version, and schema changes are
 * decided under the write lock (embedded-catalog.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import Database from '../sqlite/better-sqlite3';
import { enableWal } from '../sqlite/wal';
import { cursorPositionOf, decodeCursor, encodeCursor, normalizeSort, resolvePageSize, type CursorPosition, type SortKey } from './cursor';
import { type CollectionMeta, Connection, createCatalogTables, type IndexDefinition, isUniqueViolation } from './embedded-catalog';
import { keyExpression, keyValue, NULL_KEY, quoteIdentifier, type SqlValue } from './embedded-key-expression';
import { excludedFields } from './excluded-fields';
import { compileFilter, isOperatorObject, type DocumentMatcher } from './mongo-filter';
import { applyUpdate, isOperatorUpdate } from './mongo-update';
import {
  DuplicateKeyError,
  InvalidQueryError,
  type Collection,
  type Document,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type Page,
  type ReadStore,
  type ReadStoreTransaction,
  type SortSpec,
  type Update,
  type UpdateOptions,
} from './read-store.port';

export interface EmbeddedReadStoreOptions {
  /** Path of the SQLite file (e.g. `<dataDir>/read-store.sqlite`), or ':memory:'. */
  filename: string;
}

const FIND_ALL_BATCH = 500;

const POSITION_PATTERN = /^-?\d+$/;

function assertPosition(position: string): void {
  if (typeof position !== 'string' || !POSITION_PATTERN.test(position)) {
    throw new InvalidQueryError(`position must be a decimal integer string, got ${String(position)}`);
  }
}

/** Positions are decimal strings of bigints: compare numerically (fast path for canonical non-negatives). */
function comparePositions(a: string, b: string): number {
  if (a[0] !== '-' && b[0] !== '-' && (a.length === 1 || a[0] !== '0') && (b.length === 1 || b[0] !== '0')) {
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The position guard: apply only when the stored position is absent or lower. */
function positionAllows(incoming: string, stored: string | null): boolean {
  if (stored === null || !POSITION_PATTERN.test(stored)) return true;
  return comparePositions(incoming, stored) > 0;
}

function positionColumn(doc: Document): string | null {
  return typeof doc._position === 'string' ? doc._position : null;
}

function assertId(id: string): void {
  if (typeof id !== 'string' || id === '') throw new InvalidQueryError('a document id must be a non-empty string');
}

function assertCollectionName(name: string): void {
  if (typeof name !== 'string' || name === '') throw new InvalidQueryError('a collection name must be a non-empty string');
}

class TransactionState {
  active = true;

  assertActive(): void {
    if (!this.active) throw new Error('the read-store transaction has already finished');
  }
}

/** A FIFO async lock; synchronous work runs at once when the lock is free. */
class Mutex {
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  async acquire(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }

  async run<R>(fn: () => R): Promise<R> {
    // Synchronous work cannot interleave with anything, so it needs no hand-off when the lock is free.
    if (!this.locked) return fn();
    await this.acquire();
    try {
      return fn();
    } finally {
      this.release();
    }
  }
}

/** The SQL part of a filter. */
interface FilterPlan {
  where: string[];
  params: SqlValue[];
  /** True when SQL alone selects exactly the matching documents. */
  exact: boolean;
  /** Fields fixed to one value by an equality: sorting on them is a no-op. */
  pinned: Set<string>;
}

type Pushed = 'exact' | 'none';

const SQL_COMPARISON: Record<string, string> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

function pushEquality(expr: string, isId: boolean, value: unknown, plan: FilterPlan): Pushed {
  if (typeof value === 'string') {
    plan.where.push(`${expr} = ?`);
    plan.params.push(value);
    return 'exact';
  }
  if (isId) return 'none';
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || value === null || value === undefined) {
    plan.where.push(`${expr} = ?`);
    plan.params.push(keyValue(value));
    return 'exact';
  }
  return 'none';
}

function pushOperator(expr: string, isId: boolean, operator: string, arg: unknown, plan: FilterPlan): Pushed {
  switch (operator) {
    case '$eq':
      return pushEquality(expr, isId, arg, plan);
    case '$in': {
      if (!Array.isArray(arg)) return 'none';
      if (arg.length === 0) {
        plan.where.push('0');
        return 'exact';
      }
      for (const value of arg) {
        if (typeof value === 'string') continue;
        if (isId) return 'none';
        const scalar = (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || value === null;
        if (!scalar) return 'none';
      }
      plan.where.push(`${expr} IN (${arg.map(() => '?').join(', ')})`);
      for (const value of arg) plan.params.push(keyValue(value));
      return 'exact';
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const op = SQL_COMPARISON[operator];
      const upper = operator === '$lt' || operator === '$lte';
      if (typeof arg === 'string') {
        plan.where.push(`${expr} ${op} ?`);
        plan.params.push(arg);
        // Type bracketing, strings only: every text sorts after every number and before every blob.
        if (!isId) plan.where.push(upper ? `${expr} >= ''` : `${expr} < x''`);
        return 'exact';
      }
      if (isId) return 'none';
      if (typeof arg === 'number' && Number.isFinite(arg)) {
        plan.where.push(`${expr} ${op} ?`);
        plan.params.push(arg);
        if (upper) {
          plan.where.push(`${expr} > ?`);
          plan.params.push(NULL_KEY);
        } else {
          plan.where.push(`${expr} < ''`);
        }
        return 'exact';
      }
      if (arg === null) {
        if (upper ? operator === '$lte' : operator === '$gte') {
          plan.where.push(`${expr} = ?`);
          plan.params.push(NULL_KEY);
        } else {
          plan.where.push('0');
        }
        return 'exact';
      }
      return 'none';
    }
    default:
      return 'none';
  }
}

function planConjunction(filter: Record<string, unknown>, indexed: ReadonlySet<string>, plan: FilterPlan): void {
  for (const key of Object.keys(filter)) {
    const condition = filter[key];
    if (key === '$and' && Array.isArray(condition)) {
      for (const clause of condition) planConjunction(clause as Record<string, unknown>, indexed, plan);
      continue;
    }
    const isId = key === '_id';
    if (key.startsWith('$') || (!isId && !indexed.has(key)) || condition instanceof RegExp) {
      plan.exact = false;
      continue;
    }
    const expr = keyExpression(key);
    if (isOperatorObject(condition)) {
      for (const operator of Object.keys(condition)) {
        const pushed = pushOperator(expr, isId, operator, condition[operator], plan);
        if (pushed !== 'exact') plan.exact = false;
        if (operator === '$eq' && pushed !== 'none') plan.pinned.add(key);
      }
    } else {
      const pushed = pushEquality(expr, isId, condition, plan);
      if (pushed !== 'exact') plan.exact = false;
      if (pushed !== 'none') plan.pinned.add(key);
    }
  }
}

function planFilter(filter: Filter | undefined, meta: CollectionMeta): FilterPlan {
  const plan: FilterPlan = { where: [], params: [], exact: true, pinned: new Set() };
  if (filter) planConjunction(filter, meta.indexed, plan);
  return plan;
}

/** SELECT for one page: filter, keyset condition after the cursor, ORDER BY (no LIMIT). */
function selectForPage(
  meta: CollectionMeta,
  plan: FilterPlan,
  sort: readonly SortKey[],
  after: CursorPosition | null,
  exclude: readonly string[] = [],
): { sql: string; params: SqlValue[] } {
  const where = [...plan.where];
  // Left out by SQLite (json_remove), so the fields are never parsed in JavaScript.
  const docExpr = exclude.length === 0 ? 'doc' : `json_remove(doc${', ?'.repeat(exclude.length)}) AS doc`;
  const params: SqlValue[] = [...exclude.map((field) => `$."${field}"`), ...plan.params];
  const keys: Array<{ expr: string; direction: 1 | -1; value: SqlValue }> = [];
  sort.forEach(([field, direction], i) => {
    if (field !== '_id' && plan.pinned.has(field)) return;
    const value = after === null ? null : field === '_id' ? after.id : keyValue(after.values[i]);
    keys.push({ expr: keyExpression(field), direction, value });
  });
  if (after !== null) {
    if (keys.length > 1) {
      // A plain bound on the first key lets SQLite start the index range at the cursor.
      where.push(`${keys[0].expr} ${keys[0].direction === 1 ? '>=' : '<='} ?`);
      params.push(keys[0].value);
    }
    let condition = '';
    let conditionParams: SqlValue[] = [];
    for (let i = keys.length - 1; i >= 0; i--) {
      const { expr, direction, value } = keys[i];
      const op = direction === 1 ? '>' : '<';
      if (i === keys.length - 1) {
        condition = `${expr} ${op} ?`;
        conditionParams = [value];
      } else {
        condition = `(${expr} ${op} ? OR (${expr} = ? AND ${condition}))`;
        conditionParams = [value, value, ...conditionParams];
      }
    }
    where.push(condition);
    params.push(...conditionParams);
  }
  const orderBy = keys.map(({ expr, direction }) => `${expr}${direction === 1 ? '' : ' DESC'}`).join(', ');
  const whereSql = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  return { sql: `SELECT ${docExpr} FROM ${quoteIdentifier(meta.table)}${whereSql} ORDER BY ${orderBy}`, params };
}

interface ScanResult {
  items: Document[];
  more: boolean;
}

/** Everything the store does; EmbeddedReadStore and its collections are thin async fronts. */
class Engine {
  readonly writer: Connection;
  readonly reader: Connection | null;
  private readonly lock = new Mutex();
  private readonly txContext = new AsyncLocalStorage<TransactionState>();
  private closed = false;

  constructor(filename: string) {
    // The busy timeout first: processes opening a new file at once wait for each other's setup.
    const db = new Database(filename, { timeout: 5000 });
    try {
      enableWal(db);
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -65536');
      db.pragma('temp_store = MEMORY');
      // Checkpoint every ~40 MB of WAL instead of ~4 MB: checkpoints (and their fsyncs) dominate
      // the cost of write-heavy projection rebuilds.
      db.pragma('wal_autocheckpoint = 10000');
      // Deleted and overwritten content is zeroed in the file, so erased personal data is gone
      // from it, not just unreachable (the WAL is truncated separately: checkpoint()).
      db.pragma('secure_delete = ON');
      createCatalogTables(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.writer = new Connection(db);
    const inMemory = filename === '' || filename === ':memory:' || filename.startsWith('file::memory:');
    if (inMemory) {
      this.reader = null;
    } else {
      const readerDb = new Database(filename, { readonly: true, fileMustExist: true, timeout: 5000 });
      readerDb.pragma('cache_size = -65536');
      this.reader = new Connection(readerDb);
    }
  }

  // ---- routing -------------------------------------------------------------------------------

  assertOpen(): void {
    if (this.closed) throw new Error('the embedded read store is closed');
  }

  /** Runs a read: in the transaction, in a read transaction on the reader connection, or (in memory) behind the lock. */
  async read<R>(tx: TransactionState | null, fn: (conn: Connection) => R): Promise<R> {
    this.assertOpen();
    if (tx !== null) {
      tx.assertActive();
      return fn(this.writer);
    }
    if (this.reader !== null) return this.inReadTransaction(this.reader, fn);
    // In-memory: a read started from inside our own running transaction must not wait for it.
    if (this.txContext.getStore()?.active) return fn(this.writer);
    return this.lock.run(() => {
      this.assertOpen();
      return this.inReadTransaction(this.writer, fn);
    });
  }

  /**
   * One snapshot for the catalog check and the read: another process may drop or create tables
   * at any time, and a catalog checked in one transaction says nothing about the next.
   */
  inReadTransaction<R>(conn: Connection, fn: (conn: Connection) => R): R {
    conn.prepare('BEGIN').run();
    try {
      conn.catalog.refresh();
      return fn(conn);
    } finally {
      if (conn.db.inTransaction) conn.prepare('COMMIT').run();
    }
  }

  /** Runs a write: in the transaction, or alone behind the lock in a transaction of its own. */
  async write<R>(tx: TransactionState | null, fn: (tx: TransactionState | null) => R): Promise<R> {
    this.assertOpen();
    if (tx !== null) {
      tx.assertActive();
      return fn(tx);
    }
    this.assertNotInsideTransaction('a write outside the transaction');
    return this.lock.run(() => {
      this.assertOpen();
      this.begin();
      try {
        const result = fn(null);
        this.writer.prepare('COMMIT').run();
        return result;
      } catch (error) {
        this.rollback();
        throw error;
      }
    });
  }

  /** BEGIN IMMEDIATE takes SQLite's write lock (across processes), then the catalog is checked under it. */
  private begin(): void {
    this.writer.prepare('BEGIN IMMEDIATE').run();
    try {
      this.writer.catalog.refresh();
    } catch (error) {
      this.rollback();
      throw error;
    }
  }

  private rollback(): void {
    if (this.writer.db.inTransaction) this.writer.prepare('ROLLBACK').run();
    this.writer.catalog.invalidate();
  }

  private assertNotInsideTransaction(what: string): void {
    if (this.txContext.getStore()?.active) {
      // It would wait for the lock the running transaction holds, forever.
      throw new Error(`${what} was started inside withTransaction on the same store; use the transaction's collections`);
    }
  }

  async withTransaction<R>(fn: (tx: ReadStoreTransaction) => Promise<R>): Promise<R> {
    this.assertOpen();
    this.assertNotInsideTransaction('a nested transaction');
    await this.lock.acquire();
    const tx = new TransactionState();
    try {
      this.assertOpen();
      this.begin();
    } catch (error) {
      this.lock.release();
      throw error;
    }
    try {
      const handle: ReadStoreTransaction = {
        collection: <T extends Document = Document>(name: string): Collection<T> => new EmbeddedCollection<T>(this, name, tx),
      };
      const result = await this.txContext.run(tx, () => fn(handle));
      this.writer.prepare('COMMIT').run();
      tx.active = false;
      return result;
    } catch (error) {
      tx.active = false;
      this.rollback();
      throw error;
    } finally {
      // Off between transactions: on Node 20 an entered AsyncLocalStorage keeps promise hooks on
      // for the whole process (every HTTP request's promises), and outside a transaction the
      // store is undefined anyway. The next run() turns it on again.
      this.txContext.disable();
      this.lock.release();
    }
  }

  /** Copies the WAL into the database and truncates it to zero bytes, between transactions. */
  async checkpoint(): Promise<void> {
    this.assertOpen();
    this.assertNotInsideTransaction('checkpoint()');
    await this.lock.run(() => {
      this.assertOpen();
      this.writer.db.pragma('wal_checkpoint(TRUNCATE)');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.assertNotInsideTransaction('close()');
    await this.lock.acquire();
    try {
      if (this.closed) return;
      this.closed = true;
      this.reader?.db.close();
      this.writer.db.close();
    } finally {
      this.lock.release();
    }
  }

  // ---- catalog (schema changes run in write(), so on a checked catalog under the write lock) -----

  private ensureCollection(name: string): CollectionMeta {
    assertCollectionName(name);
    return this.writer.catalog.ensureCollection(name);
  }

  /** Names from the catalog as the connection sees it (the reader: committed collections only). */
  listCollections(conn: Connection): string[] {
    return conn.catalog.names();
  }

  dropCollection(name: string): void {
    this.writer.catalog.dropCollection(name);
    this.reader?.catalog.invalidate();
  }

  ensureIndexes(collection: string, specs: IndexDefinition[]): void {
    assertCollectionName(collection);
    this.writer.catalog.ensureIndexes(collection, specs);
  }

  // ---- reads ------------------------------------------------------------------------------------

  get(conn: Connection, name: string, id: string): Document | null {
    assertId(id);
    const meta = conn.catalog.get(name);
    if (meta === undefined) return null;
    const row = conn.prepare(meta.sql.get).get(id) as { doc: string } | undefined;
    return row === undefined ? null : (JSON.parse(row.doc) as Document);
  }

  /** Up to `limit` matching documents after `after` in sort order, and whether more follow. */
  scan(
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

  explain(name: string, filter: Filter | undefined, options: FindOptions): string {
    this.assertOpen();
    compileFilter(filter);
    const sort = normalizeSort(options.sort);
    const limit = resolvePageSize(options.limit);
    const after = options.cursor === undefined ? null : decodeCursor(options.cursor, sort.length - 1);
    const conn = this.reader ?? this.writer;
    const explainOn = (c: Connection): Array<{ detail: string }> => {
      const meta = c.catalog.get(name);
      if (meta === undefined) return [];
      const plan = planFilter(filter, meta);
      const { sql, params } = selectForPage(meta, plan, sort, after);
      return (
        plan.exact
          ? c.db.prepare(`EXPLAIN QUERY PLAN ${sql} LIMIT ?`).all(...params, limit + 1)
          : c.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params)
      ) as Array<{ detail: string }>;
    };
    // In memory, from inside a running transaction: its catalog is the current one.
    const rows = conn.db.inTransaction ? explainOn(conn) : this.inReadTransaction(conn, explainOn);
    return rows.map((row) => row.detail).join('\n');
  }

  count(conn: Connection, name: string, filter: Filter | undefined, matcher: DocumentMatcher): number {
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

  // ---- writes (run on the writer, inside the lock or a transaction) ----------------------------

  update(tx: TransactionState | null, name: string, id: string, update: Update, options: UpdateOptions): boolean {
    assertId(id);
    isOperatorUpdate(update);
    const position = options.position;
    if (position !== undefined) assertPosition(position);
    let meta = this.writer.catalog.get(name);
    const row =
      meta === undefined
        ? undefined
        : (this.writer.prepare(meta.sql.getForUpdate).get(id) as { r: number; doc: string; pos: string | null } | undefined);
    if (row === undefined) {
      // Applied even without upsert, so a malformed update fails the same way on a missing document.
      const doc = applyUpdate<Document>({ _id: id }, update, { isInsert: true });
      if (!options.upsert) return false;
      if (position !== undefined) doc._position = position;
      meta ??= this.ensureCollection(name);
      this.run(meta, meta.sql.insert, [id, JSON.stringify(doc), positionColumn(doc)], doc);
      return true;
    }
    if (position !== undefined && !positionAllows(position, row.pos)) return false;
    const doc = applyUpdate(JSON.parse(row.doc) as Document, update, { isInsert: false });
    if (position !== undefined) doc._position = position;
    this.run(meta as CollectionMeta, (meta as CollectionMeta).sql.update, [JSON.stringify(doc), positionColumn(doc), row.r], doc);
    return true;
  }

  replace(tx: TransactionState | null, name: string, id: string, replacement: Record<string, unknown>, position?: string): boolean {
    assertId(id);
    if (replacement === null || typeof replacement !== 'object' || Array.isArray(replacement)) {
      throw new InvalidQueryError('a replacement must be an object');
    }
    if (replacement._id !== undefined && replacement._id !== id) throw new InvalidQueryError('a replacement cannot change _id');
    if (position !== undefined) assertPosition(position);
    const doc: Document = { _id: id };
    for (const key of Object.keys(replacement)) {
      if (key !== '_id') doc[key] = replacement[key];
    }
    const meta = this.ensureCollection(name);
    if (position !== undefined) {
      const row = this.writer.prepare(meta.sql.getPosition).get(id) as { pos: string | null } | undefined;
      if (row !== undefined && !positionAllows(position, row.pos)) return false;
      doc._position = position;
    }
    this.run(meta, meta.sql.upsert, [id, JSON.stringify(doc), positionColumn(doc)], doc);
    return true;
  }

  delete(name: string, id: string): boolean {
    assertId(id);
    const meta = this.writer.catalog.get(name);
    if (meta === undefined) return false;
    return this.writer.prepare(meta.sql.delete).run(id).changes > 0;
  }

  deleteMany(name: string, filter: Filter, matcher: DocumentMatcher): number {
    const meta = this.writer.catalog.get(name);
    if (meta === undefined) return 0;
    const plan = planFilter(filter, meta);
    const table = quoteIdentifier(meta.table);
    const whereSql = plan.where.length > 0 ? ` WHERE ${plan.where.join(' AND ')}` : '';
    if (plan.exact) return this.writer.prepare(`DELETE FROM ${table}${whereSql}`).run(...plan.params).changes;
    const rows = this.writer.prepare(`SELECT id, doc FROM ${table}${whereSql}`).all(...plan.params) as Array<{
      id: string;
      doc: string;
    }>;
    const ids = rows.filter((row) => matcher(JSON.parse(row.doc))).map((row) => row.id);
    const remove = this.writer.prepare(meta.sql.delete);
    return this.writer.db.transaction(() => {
      let n = 0;
      for (const id of ids) n += remove.run(id).changes;
      return n;
    })();
  }

  private run(meta: CollectionMeta, sql: string, params: SqlValue[], doc: Document): void {
    try {
      this.writer.prepare(sql).run(...params);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const message = (error as Error).message;
      const index = meta.indexes.find((candidate) => message.includes(candidate.sqlName));
      if (index === undefined) throw new DuplicateKeyError(meta.name, message);
      const key: Record<string, unknown> = {};
      for (const [field] of index.keys) key[field] = cursorPositionOf(doc, [[field, 1]]).values[0];
      throw new DuplicateKeyError(meta.name, `${index.name} ${JSON.stringify(key)}`);
    }
  }

  ping(): void {
    this.assertOpen();
    this.writer.prepare('SELECT 1').get();
  }
}

function finishScan(items: Document[], limit: number): ScanResult {
  const more = items.length > limit;
  if (more) items.length = limit;
  return { items, more };
}

function normalizeIndexSpec(spec: IndexSpec): { name: string; keys: Array<[string, 1 | -1]>; unique: boolean } {
  if (spec === null || typeof spec !== 'object' || spec.keys === null || typeof spec.keys !== 'object') {
    throw new InvalidQueryError('an index needs keys');
  }
  const keys = Object.entries(spec.keys) as Array<[string, 1 | -1]>;
  if (keys.length === 0) throw new InvalidQueryError('an index needs at least one key');
  for (const [field, direction] of keys) {
    if (direction !== 1 && direction !== -1) throw new InvalidQueryError(`index direction for "${field}" must be 1 or -1`);
    keyExpression(field);
  }
  const name = spec.name ?? keys.map(([field, direction]) => `${field}_${direction}`).join('_');
  return { name, keys, unique: spec.unique === true };
}

class EmbeddedCollection<T extends Document> implements Collection<T> {
  constructor(
    private readonly engine: Engine,
    readonly name: string,
    private readonly tx: TransactionState | null,
  ) {
    assertCollectionName(name);
  }

  get(id: string): Promise<T | null> {
    return this.engine.read(this.tx, (conn) => this.engine.get(conn, this.name, id) as T | null);
  }

  async find(filter?: Filter, options: FindOptions = {}): Promise<Page<T>> {
    const matcher = compileFilter(filter);
    const sort = normalizeSort(options.sort);
    const limit = resolvePageSize(options.limit);
    const after = options.cursor === undefined ? null : decodeCursor(options.cursor, sort.length - 1);
    const exclude = excludedFields(options.exclude, filter, options.sort);
    if (exclude.some((field) => field.includes('"')))
      throw new InvalidQueryError('exclude: field names with a double quote are not supported');
    const { items, more } = await this.engine.read(this.tx, (conn) =>
      this.engine.scan(conn, this.name, filter, matcher, sort, after, limit, exclude),
    );
    const last = items[items.length - 1];
    return {
      items: items as T[],
      nextCursor: more && last !== undefined ? encodeCursor(cursorPositionOf(last, sort)) : null,
    };
  }

  async *findAll(filter?: Filter, sortSpec?: SortSpec): AsyncIterable<T> {
    const matcher = compileFilter(filter);
    const sort = normalizeSort(sortSpec);
    let after: CursorPosition | null = null;
    for (;;) {
      const from = after;
      const { items, more } = await this.engine.read(this.tx, (conn) =>
        this.engine.scan(conn, this.name, filter, matcher, sort, from, FIND_ALL_BATCH),
      );
      for (const doc of items) yield doc as T;
      const last = items[items.length - 1];
      if (!more || last === undefined) return;
      after = cursorPositionOf(last, sort);
    }
  }

  async count(filter?: Filter): Promise<number> {
    const matcher = compileFilter(filter);
    return this.engine.read(this.tx, (conn) => this.engine.count(conn, this.name, filter, matcher));
  }

  update(id: string, update: Update, options: UpdateOptions = {}): Promise<boolean> {
    return this.engine.write(this.tx, (tx) => this.engine.update(tx, this.name, id, update, options));
  }

  replace(id: string, doc: Omit<T, '_id'> & { _id?: string }, options: { position?: string } = {}): Promise<boolean> {
    return this.engine.write(this.tx, (tx) => this.engine.replace(tx, this.name, id, doc as Record<string, unknown>, options.position));
  }

  delete(id: string): Promise<boolean> {
    return this.engine.write(this.tx, () => this.engine.delete(this.name, id));
  }

  async deleteMany(filter: Filter): Promise<number> {
    const matcher = compileFilter(filter);
    return this.engine.write(this.tx, () => this.engine.deleteMany(this.name, filter, matcher));
  }
}

export class EmbeddedReadStore implements ReadStore {
  private readonly engine: Engine;

  constructor(options: EmbeddedReadStoreOptions) {
    this.engine = new Engine(options.filename);
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    return new EmbeddedCollection<T>(this.engine, name, null);
  }

  async ensureIndexes(collection: string, indexes: IndexSpec[]): Promise<void> {
    assertCollectionName(collection);
    const specs = indexes.map(normalizeIndexSpec);
    await this.engine.write(null, () => this.engine.ensureIndexes(collection, specs));
  }

  async dropCollection(name: string): Promise<void> {
    await this.engine.write(null, () => this.engine.dropCollection(name));
  }

  listCollections(): Promise<string[]> {
    return this.engine.read(null, (conn) => this.engine.listCollections(conn));
  }

  withTransaction<R>(fn: (tx: ReadStoreTransaction) => Promise<R>): Promise<R> {
    return this.engine.withTransaction(fn);
  }

  async ping(): Promise<void> {
    this.engine.ping();
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  /**
   * Copies the WAL into the database file and truncates the WAL, so old images of overwritten
   * documents leave the -wal file (see privacy/residue.ts). Called after a customer is forgotten.
   */
  checkpoint(): Promise<void> {
    return this.engine.checkpoint();
  }

  /**
   * Debugging aid: SQLite's EXPLAIN QUERY PLAN for the query find() would run, one line per step
   * (e.g. "SEARCH c_1 USING INDEX c_1_i1 (<expr>=?)"); '' for a collection that does not exist.
   */
  explain(collection: string, filter?: Filter, options: FindOptions = {}): string {
    return this.engine.explain(collection, filter, options);
  }
}
