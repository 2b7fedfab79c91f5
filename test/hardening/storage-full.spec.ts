import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toProblem } from '../../src/shared/errors/problem-details.filter';
import Database from '../../src/shared/sqlite/better-sqlite3';

/** Captures what a call throws. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/**
 * A full disk is not an internal error: the request changed nothing and may be retried once space
 * is freed. The errors are real ones: SQLite's when a database cannot grow, the kernel's when a
 * write finds no space.
 */
describe('storage full', () => {
  it('answers SQLite\'s "database or disk is full" with 503 STORAGE_FULL', () => {
    const directory = fs.mkdtempSync(join(tmpdir(), 'relata-full-'));
    const db = new Database(join(directory, 'full.sqlite'));
    try {
      db.exec('CREATE TABLE t (x BLOB)');
      const pages = Number(db.pragma('page_count', { simple: true }));
      db.pragma(`max_page_count = ${pages + 1}`);
      const error = thrownBy(() => db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(64 * 1024)));
      expect((error as { code: string }).code).toBe('SQLITE_FULL');
      expect(toProblem(error, '/customers')).toMatchObject({ status: 503, code: 'STORAGE_FULL', type: 'urn:relata:problem:storage-full', instance: '/customers' });
    } finally {
      db.close();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  it('answers the file system\'s ENOSPC with 503 STORAGE_FULL', () => {
    const error = thrownBy(() => fs.writeFileSync('/dev/full', 'x'));
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(toProblem(error)).toMatchObject({ status: 503, code: 'STORAGE_FULL' });
  });

  it('leaves other storage errors a 500', () => {
    expect(toProblem(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }))).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
  });
});
