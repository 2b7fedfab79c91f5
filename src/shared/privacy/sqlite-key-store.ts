import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Clock } from '../clock';
import Database from '../sqlite/better-sqlite3';
import { DATA_KEY_BYTES, type KeyLookup, type KeyStore, SubjectForgottenError } from './key-store.port';
import { KeyWrapping } from './key-wrapping';

export interface SqliteKeyStoreOptions {
  /** Path of the database file (`keys.sqlite` in the data dir), or ':memory:'. */
  filename: string;
  clock: Clock;
  /** 32 bytes to wrap data keys with (RELATA_MASTER_KEY); null or absent: stored plain. */
  masterKey?: Buffer | null;
  busyTimeoutMs?: number;
}

interface KeyRow {
  key: Buffer | null;
  forgotten_at: string | null;
}

/**
 * The embedded key store: one SQLite file, one row per subject.
 *
 * - A new key is durable before getOrCreate returns it, so before any event encrypted with it is
 *   written (losing a key would lose that customer's data). WAL mode with synchronous NORMAL plus
 *   an fsync of the WAL after the insert gives the durability of synchronous FULL, but the fsync
 *   runs off the event loop and is shared by every key created meanwhile (group commit): an
 *   import registering customers 16 at a time pays one fsync per batch, not one per customer.
 * - secure_delete ON: a deleted key's bytes are overwritten with zeros in the page; delete() then
 *   checkpoints the WAL and truncates it, so no old page image keeps the key either.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly db: BetterSqlite3.Database;
  private readonly wrapping: KeyWrapping;
  private readonly clock: Clock;
  private readonly stmt: {
    get: BetterSqlite3.Statement<[string], KeyRow>;
    insert: BetterSqlite3.Statement<[string, Buffer, string]>;
    forget: BetterSqlite3.Statement<[string, string, string]>;
  };
  private readonly forgetTx: (subjectId: string, now: string) => boolean;
  private readonly walPath: string | null;
  private wal: Promise<FileHandle> | null = null;
  /** The fsync in flight, and the next one, which callers arriving meanwhile share. */
  private syncing: Promise<void> | null = null;
  private nextSync: Promise<void> | null = null;

  constructor(options: SqliteKeyStoreOptions) {
    const inMemory = options.filename === ':memory:' || options.filename === '';
    if (!inMemory) mkdirSync(dirname(options.filename), { recursive: true });
    this.walPath = inMemory ? null : `${options.filename}-wal`;
    this.clock = options.clock;
    this.wrapping = new KeyWrapping(options.masterKey ?? null);
    this.db = new Database(options.filename, { timeout: options.busyTimeoutMs ?? 5000 });
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('secure_delete = ON');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS data_keys (
          subject_id   TEXT PRIMARY KEY,
          key          BLOB,
          created_at   TEXT NOT NULL,
          forgotten_at TEXT
        ) WITHOUT ROWID;
      `);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.stmt = {
      get: this.db.prepare('SELECT key, forgotten_at FROM data_keys WHERE subject_id = ?'),
      // Of two processes creating a key at once the first wins; the other reads it back.
      insert: this.db.prepare('INSERT INTO data_keys (subject_id, key, created_at) VALUES (?, ?, ?) ON CONFLICT (subject_id) DO NOTHING'),
      forget: this.db.prepare(
        `INSERT INTO data_keys (subject_id, key, created_at, forgotten_at) VALUES (?, NULL, ?, ?)
         ON CONFLICT (subject_id) DO UPDATE SET key = NULL, forgotten_at = coalesce(forgotten_at, excluded.forgotten_at)`,
      ),
    };
    this.forgetTx = this.db
      .transaction((subjectId: string, now: string): boolean => {
        const before = this.stmt.get.get(subjectId);
        this.stmt.forget.run(subjectId, now, now);
        return before?.key != null;
      })
      .immediate;
  }

  async getOrCreate(subjectId: string): Promise<Buffer> {
    const found = this.lookup(subjectId);
    if (found.state === 'active') return found.key;
    if (found.state === 'forgotten') throw new SubjectForgottenError(subjectId);
    const key = randomBytes(DATA_KEY_BYTES);
    const inserted = this.stmt.insert.run(subjectId, this.wrapping.seal(subjectId, key), this.clock.now().toISOString());
    if (inserted.changes > 0) await this.syncWal();
    const stored = this.lookup(subjectId);
    if (stored.state === 'active') return stored.key;
    throw new SubjectForgottenError(subjectId);
  }

  async get(subjectId: string): Promise<KeyLookup> {
    return this.lookup(subjectId);
  }

  async delete(subjectId: string): Promise<boolean> {
    const deleted = this.forgetTx(subjectId, this.clock.now().toISOString());
    // Durable, and the WAL's image of the page that held the key is gone.
    await this.checkpoint();
    return deleted;
  }

  /** Copies the WAL into the database (synced) and truncates it. */
  async checkpoint(): Promise<void> {
    if (this.db.open) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.nextSync?.catch(() => undefined);
    await this.syncing?.catch(() => undefined);
    const wal = this.wal;
    this.wal = null;
    await (await wal?.catch(() => null))?.close();
    if (this.db.open) this.db.close();
  }

  /**
   * Makes every commit so far durable: fsync of the WAL file (what synchronous FULL does at each
   * commit). A caller arriving while an fsync runs waits for the next one, which may not have
   * seen its commit otherwise; all callers arriving meanwhile share that next one.
   */
  private syncWal(): Promise<void> {
    if (this.walPath === null) return Promise.resolve();
    if (this.nextSync !== null) return this.nextSync;
    const walPath = this.walPath;
    const next = (async (): Promise<void> => {
      await this.syncing?.catch(() => undefined);
      this.nextSync = null;
      this.wal ??= open(walPath, 'r');
      const flush = this.wal.then((handle) => handle.sync());
      this.syncing = flush;
      try {
        await flush;
      } finally {
        if (this.syncing === flush) this.syncing = null;
      }
    })();
    this.nextSync = next;
    return next;
  }

  private lookup(subjectId: string): KeyLookup {
    const row = this.stmt.get.get(subjectId);
    if (row === undefined) return { state: 'missing' };
    if (row.key === null) return { state: 'forgotten', forgottenAt: row.forgotten_at ?? '' };
    return { state: 'active', key: this.wrapping.open(subjectId, row.key) };
  }
}
