import type BetterSqlite3 from 'better-sqlite3';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Puts a database file in WAL mode, waiting for other processes that are doing the same.
 *
 * Why not the busy timeout alone: switching a new file to WAL takes an exclusive lock, and SQLite
 * answers SQLITE_BUSY at once, without calling the busy handler, when another connection is in the
 * middle of the same switch or of its first schema write. Three servers started at the same instant
 * on a fresh data dir hit this (one crashed at start with "database is locked" in the 46th
 * consecutive run of test/lease/simultaneous-start.e2e.spec.ts). So the switch is retried, with a
 * short synchronous pause (the stores are opened synchronously at start-up), up to `timeoutMs`.
 */
export function enableWal(db: BetterSqlite3.Database, timeoutMs = 5000): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const busy = (error as { code?: string }).code === 'SQLITE_BUSY' || (error as { code?: string }).code === 'SQLITE_LOCKED';
      if (!busy || Date.now() >= deadline) throw error;
      Atomics.wait(sleeper, 0, 0, 20);
    }
  }
}
