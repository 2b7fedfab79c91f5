/**
 * The embedded read store's connections, lock and transactions: one writer connection, and for
 * file-backed stores a read-only reader connection that sees only committed data (WAL snapshot)
 * and never waits for a running transaction. In memory there is a single connection, so reads wait
 * for the lock instead. Every read and write runs in a transaction that first checks the
 * connection's cached catalog against SQLite's schema version (embedded-catalog.ts); writes take
 * SQLite's write lock first (BEGIN IMMEDIATE), so schema changes are decided under it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import Database from '../sqlite/better-sqlite3';
import { enableWal } from '../sqlite/wal';
import { Connection, createCatalogTables, type IndexDefinition } from './embedded-catalog';
import { assertCollectionName } from './embedded-document-rules';
import { Mutex, TransactionState } from './embedded-locking';

/** Routing of reads and writes to a connection, in the right kind of transaction; the work itself is in embedded-queries.ts and embedded-writes.ts. */
export class Engine {
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

  /** Runs fn in one writer transaction; fn's collection handles carry `tx` (embedded-collection.ts). */
  async withTransaction<R>(fn: (tx: TransactionState) => Promise<R>): Promise<R> {
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
      const result = await this.txContext.run(tx, () => fn(tx));
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

  ping(): void {
    this.assertOpen();
    this.writer.prepare('SELECT 1').get();
  }
}
