import type BetterSqlite3 from 'better-sqlite3';
import { enableWal } from '../../src/shared/sqlite/wal';

/** A database whose `journal_mode = WAL` answers the given errors in turn, then succeeds. */
function dbFailing(...codes: string[]): { db: BetterSqlite3.Database; calls: () => number } {
  let calls = 0;
  const db = {
    pragma: (statement: string) => {
      expect(statement).toBe('journal_mode = WAL');
      const code = codes[calls++];
      if (code !== undefined) throw Object.assign(new Error(code === 'SQLITE_BUSY' ? 'database is locked' : 'disk I/O error'), { code });
      return 'wal';
    },
  } as unknown as BetterSqlite3.Database;
  return { db, calls: () => calls };
}

describe('enableWal: switching a file to WAL while other processes do the same', () => {
  it('given another process holding the switch, when it is busy twice, then it retries and succeeds', () => {
    const { db, calls } = dbFailing('SQLITE_BUSY', 'SQLITE_BUSY');
    enableWal(db, 5000);
    expect(calls()).toBe(3);
  });

  it('given an error other than busy, then it fails at once', () => {
    const { db, calls } = dbFailing('SQLITE_IOERR');
    expect(() => enableWal(db, 5000)).toThrow('disk I/O error');
    expect(calls()).toBe(1);
  });

  it('given a lock that is never released, then it gives up after its timeout with the busy error', () => {
    const { db, calls } = dbFailing(...Array.from({ length: 1000 }, () => 'SQLITE_BUSY'));
    expect(() => enableWal(db, 50)).toThrow('database is locked');
    expect(calls()).toBeGreaterThan(1);
    expect(calls()).toBeLessThan(1000);
  });
});
