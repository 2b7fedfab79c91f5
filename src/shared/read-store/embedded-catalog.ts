/**
 * The catalog of the embedded read store: which table holds which collection, and its indexes.
 *
 * Several processes (servers, CLIs) may open one read-store file, and any of them may create or
 * drop collections and indexes. So the catalog a connection caches is only trusted together with
 * the schema version it was read at: every transaction on the connection starts by comparing
 * SQLite's `PRAGMA schema_version` (raised by every CREATE and DROP, whoever ran it) with that
 * version, and reloads the catalog from the same snapshot when they differ. Each connection has its
 * own catalog, since the read-only connection sees only committed schema changes and the writer
 * also sees those of its own running transaction.
 *
 * Schema changes run only inside a write transaction (BEGIN IMMEDIATE, which holds SQLite's write
 * lock across processes) on a freshly checked catalog, so they decide on the current state and are
 * no-ops when another process got there first. Table ids come from an AUTOINCREMENT key, never
 * reused, so a stale table name can only name a table that is gone, never another collection's.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { DuplicateKeyError, InvalidQueryError } from './read-store.port';
import { keyExpression, quoteIdentifier } from './embedded-key-expression';

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

const STATEMENT_CACHE_LIMIT = 2000;
export const COLLECTIONS_TABLE = '_relata_collections';
export const INDEXES_TABLE = '_relata_indexes';

/** A connection with its prepared statements cached by SQL text, and its view of the catalog. */
export class Connection {
  private readonly statements = new Map<string, Statement>();
  readonly catalog: Catalog;

  constructor(readonly db: BetterSqlite3.Database) {
    this.catalog = new Catalog(this);
  }

  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) {
        // Drop the oldest entry; shapes of ad-hoc queries ($in lists of many lengths) are unbounded.
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
      this.statements.set(sql, statement);
    }
    return statement;
  }

  forget(table: string): void {
    const needle = quoteIdentifier(table);
    for (const sql of [...this.statements.keys()]) if (sql.includes(needle)) this.statements.delete(sql);
  }
}

export interface IndexMeta {
  name: string;
  sqlName: string;
  keys: Array<[string, 1 | -1]>;
  unique: boolean;
}

export interface IndexDefinition {
  name: string;
  keys: Array<[string, 1 | -1]>;
  unique: boolean;
}

export class CollectionMeta {
  readonly indexes: IndexMeta[] = [];
  /** Fields with a declared index: declared scalar, so SQL comparisons on them are exact. */
  readonly indexed = new Set<string>();
  readonly table: string;
  readonly sql: {
    get: string;
    getForUpdate: string;
    getPosition: string;
    insert: string;
    update: string;
    upsert: string;
    delete: string;
  };

  constructor(
    readonly id: number,
    readonly name: string,
  ) {
    this.table = `c_${id}`;
    const t = quoteIdentifier(this.table);
    this.sql = {
      get: `SELECT doc FROM ${t} WHERE id = ?`,
      getForUpdate: `SELECT rowid AS r, doc, pos FROM ${t} WHERE id = ?`,
      getPosition: `SELECT pos FROM ${t} WHERE id = ?`,
      insert: `INSERT INTO ${t} (id, doc, pos) VALUES (?, ?, ?)`,
      update: `UPDATE ${t} SET doc = ?, pos = ? WHERE rowid = ?`,
      upsert: `INSERT INTO ${t} (id, doc, pos) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, pos = excluded.pos`,
      delete: `DELETE FROM ${t} WHERE id = ?`,
    };
  }

  addIndex(index: IndexMeta): void {
    this.indexes.push(index);
    for (const [field] of index.keys) if (field !== '_id') this.indexed.add(field);
  }
}

/** Creates the catalog tables of a new file; safe when several processes open it at once. */
export function createCatalogTables(db: BetterSqlite3.Database): void {
  db.transaction(() => {
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${COLLECTIONS_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE);
       CREATE TABLE IF NOT EXISTS ${INDEXES_TABLE} (collection_id INTEGER NOT NULL, name TEXT NOT NULL,
         sql_name TEXT NOT NULL, keys TEXT NOT NULL, is_unique INTEGER NOT NULL, PRIMARY KEY (collection_id, name));`,
    );
  }).immediate();
}

/** One connection's cached view of the catalog, valid for the schema version it was read at. */
export class Catalog {
  private readonly metas = new Map<string, CollectionMeta>();
  /** The schema version the cached catalog reflects; -1: reload before use. */
  private version = -1;

  constructor(private readonly conn: Connection) {}

  /** Must run inside a transaction on the connection: reloads when the schema changed since the last look. */
  refresh(): void {
    const version = this.schemaVersion();
    if (version === this.version) return;
    const before = new Set([...this.metas.values()].map((meta) => meta.table));
    this.metas.clear();
    const collections = this.conn.prepare(`SELECT id, name FROM ${COLLECTIONS_TABLE}`).all() as Array<{ id: number; name: string }>;
    const byId = new Map<number, CollectionMeta>();
    for (const row of collections) {
      const meta = new CollectionMeta(row.id, row.name);
      this.metas.set(row.name, meta);
      byId.set(row.id, meta);
      before.delete(meta.table);
    }
    const indexes = this.conn
      .prepare(`SELECT collection_id, name, sql_name, keys, is_unique FROM ${INDEXES_TABLE} ORDER BY rowid`)
      .all() as Array<{ collection_id: number; name: string; sql_name: string; keys: string; is_unique: number }>;
    for (const row of indexes) {
      byId.get(row.collection_id)?.addIndex({
        name: row.name,
        sqlName: row.sql_name,
        keys: JSON.parse(row.keys) as Array<[string, 1 | -1]>,
        unique: row.is_unique === 1,
      });
    }
    // Statements on tables that are gone would only fail: free them.
    for (const table of before) this.conn.forget(table);
    this.version = version;
  }

  /** After a rolled-back transaction: what was cached may include its undone changes. */
  invalidate(): void {
    this.version = -1;
  }

  get(name: string): CollectionMeta | undefined {
    return this.metas.get(name);
  }

  names(): string[] {
    return [...this.metas.keys()].sort();
  }

  // ---- schema changes: only inside a write transaction (BEGIN IMMEDIATE) after refresh() -------

  ensureCollection(name: string): CollectionMeta {
    const existing = this.metas.get(name);
    if (existing !== undefined) return existing;
    const db = this.conn.db;
    const id = db.transaction(() => {
      const info = db.prepare(`INSERT INTO ${COLLECTIONS_TABLE} (name) VALUES (?)`).run(name);
      const newId = Number(info.lastInsertRowid);
      db.exec(`CREATE TABLE ${quoteIdentifier(`c_${newId}`)} (id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL, pos TEXT)`);
      return newId;
    })();
    const meta = new CollectionMeta(id, name);
    this.metas.set(name, meta);
    this.version = this.schemaVersion();
    return meta;
  }

  dropCollection(name: string): void {
    const meta = this.metas.get(name);
    if (meta === undefined) return;
    const db = this.conn.db;
    db.transaction(() => {
      db.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(meta.table)}`);
      db.prepare(`DELETE FROM ${INDEXES_TABLE} WHERE collection_id = ?`).run(meta.id);
      db.prepare(`DELETE FROM ${COLLECTIONS_TABLE} WHERE id = ?`).run(meta.id);
    })();
    this.metas.delete(name);
    this.conn.forget(meta.table);
    this.version = this.schemaVersion();
  }

  /**
   * Creates the indexes the collection lacks. An index with the same keys (under any name) counts
   * as present; a name already used for other keys is an error; existing documents that break a
   * new unique index are a DuplicateKeyError.
   */
  ensureIndexes(collection: string, specs: readonly IndexDefinition[]): void {
    const meta = this.ensureCollection(collection);
    for (const spec of specs) {
      const sameKeys = (index: IndexMeta): boolean =>
        index.unique === spec.unique && JSON.stringify(index.keys) === JSON.stringify(spec.keys);
      const named = meta.indexes.find((index) => index.name === spec.name);
      if (named !== undefined) {
        if (sameKeys(named)) continue;
        throw new InvalidQueryError(`an index named ${spec.name} already exists on ${collection} with other keys`);
      }
      if (meta.indexes.some(sameKeys)) continue;
      if (spec.keys.length === 1 && spec.keys[0][0] === '_id') continue; // the primary key
      const sqlName = `${meta.table}_i${meta.indexes.length + 1}`;
      const columns = spec.keys.map(([field, direction]) => `${keyExpression(field)}${direction === -1 ? ' DESC' : ''}`);
      // A trailing id makes the index deliver rows in (keys, _id) order, the store's sort order.
      if (!spec.unique && !spec.keys.some(([field]) => field === '_id')) columns.push('id');
      const db = this.conn.db;
      try {
        db.transaction(() => {
          db.exec(
            `CREATE ${spec.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(sqlName)} ON ${quoteIdentifier(meta.table)} (${columns.join(', ')})`,
          );
          db.prepare(`INSERT INTO ${INDEXES_TABLE} (collection_id, name, sql_name, keys, is_unique) VALUES (?, ?, ?, ?, ?)`).run(
            meta.id,
            spec.name,
            sqlName,
            JSON.stringify(spec.keys),
            spec.unique ? 1 : 0,
          );
        })();
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateKeyError(collection, `index ${spec.name}`);
        throw error;
      }
      meta.addIndex({ name: spec.name, sqlName, keys: spec.keys, unique: spec.unique });
      this.version = this.schemaVersion();
    }
  }

  private schemaVersion(): number {
    return (this.conn.prepare('PRAGMA schema_version').get() as { schema_version: number }).schema_version;
  }
}

/**
 * Checked by code, not by class: the native addon keeps the SqliteError class of the first copy of
 * better-sqlite3 loaded in the process, so `instanceof` fails wherever the module is loaded twice
 * (Jest's per-file module registries do exactly that).
 */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}
