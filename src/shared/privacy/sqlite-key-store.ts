import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Clock } from '../clock';
import Database from '../sqlite/better-sqlite3';
import { enableWal } from '../sqlite/wal';
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
 * - WAL mode with synchronous FULL: a new key is durable (the WAL is synced at commit) before
 *   getOrCreate returns it, so before any event encrypted with it is written; losing a key would
 *   lose that customer's data. The event store itself runs at NORMAL; one fsync per new customer
 *   is the price, paid once per customer.
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

  constructor(options: SqliteKeyStoreOptions) {
    if (options.filename !== ':memory:' && options.filename !== '') {
      mkdirSync(dirname(options.filename), { recursive: true });
    }
    this.clock = options.clock;
    this.wrapping = new KeyWrapping(options.masterKey ?? null);
    this.db = new Database(options.filename, { timeout: options.busyTimeoutMs ?? 5000 });
    try {
      enableWal(this.db);
      this.db.pragma('synchronous = FULL');
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
    this.forgetTx = this.db.transaction((subjectId: string, now: string): boolean => {
      const before = this.stmt.get.get(subjectId);
      this.stmt.forget.run(subjectId, now, now);
      return before?.key != null;
    }).immediate;
  }

  async getOrCreate(subjectId: string): Promise<Buffer> {
    const found = this.lookup(subjectId);
    if (found.state === 'active') return found.key;
    if (found.state === 'forgotten') throw new SubjectForgottenError(subjectId);
    const key = randomBytes(DATA_KEY_BYTES);
    this.stmt.insert.run(subjectId, this.wrapping.seal(subjectId, key), this.clock.now().toISOString());
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
    if (this.db.open) this.db.close();
  }

  private lookup(subjectId: string): KeyLookup {
    const row = this.stmt.get.get(subjectId);
    if (row === undefined) return { state: 'missing' };
    if (row.key === null) return { state: 'forgotten', forgottenAt: row.forgotten_at ?? '' };
    return { state: 'active', key: this.wrapping.open(subjectId, row.key) };
  }
}
