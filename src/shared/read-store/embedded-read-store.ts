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
 * (an index range, embedded-query-plan.ts), everything is then checked by mingo (mongo-filter.ts),
 * which defines the semantics. Sorting is ORDER BY key expressions with _id last; pages are
 * keyset-paginated. Reads: embedded-queries.ts; writes: embedded-writes.ts; connections, lock and
 * transactions: embedded-engine.ts; collection handles: embedded-collection.ts.
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
import { decodeCursor, normalizeSort, resolvePageSize } from './cursor';
import type { Connection } from './embedded-catalog';
import { EmbeddedCollection } from './embedded-collection';
import { assertCollectionName } from './embedded-document-rules';
import { Engine } from './embedded-engine';
import { keyExpression } from './embedded-key-expression';
import { explainScan } from './embedded-queries';
import { compileFilter } from './mongo-filter';
import {
  InvalidQueryError,
  type Collection,
  type Document,
  type Filter,
  type FindOptions,
  type IndexSpec,
  type ReadStore,
  type ReadStoreTransaction,
} from './read-store.port';

export interface EmbeddedReadStoreOptions {
  /** Path of the SQLite file (e.g. `<dataDir>/read-store.sqlite`), or ':memory:'. */
  filename: string;
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
    return this.engine.withTransaction((tx) =>
      fn({
        collection: <T extends Document = Document>(name: string): Collection<T> => new EmbeddedCollection<T>(this.engine, name, tx),
      }),
    );
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
    this.engine.assertOpen();
    compileFilter(filter);
    const sort = normalizeSort(options.sort);
    const limit = resolvePageSize(options.limit);
    const after = options.cursor === undefined ? null : decodeCursor(options.cursor, sort.length - 1);
    const conn = this.engine.reader ?? this.engine.writer;
    const explainOn = (c: Connection): Array<{ detail: string }> => explainScan(c, collection, filter, sort, after, limit);
    // In memory, from inside a running transaction: its catalog is the current one.
    const rows = conn.db.inTransaction ? explainOn(conn) : this.engine.inReadTransaction(conn, explainOn);
    return rows.map((row) => row.detail).join('\n');
  }
}
