import * as fs from 'node:fs';
import { Int32, MongoBulkWriteError, MongoServerError, MongoWriteConcernError } from 'mongodb';
// The driver builds a bulk write's per-document errors from this class; it is not re-exported at the top.
import { WriteError } from 'mongodb/lib/bulk/common';
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
      expect(toProblem(error, '/customers')).toMatchObject({
        status: 503,
        code: 'STORAGE_FULL',
        type: 'urn:relata:problem:storage-full',
        instance: '/customers',
      });
    } finally {
      db.close();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  it("answers the file system's ENOSPC with 503 STORAGE_FULL", () => {
    const error = thrownBy(() => fs.writeFileSync('/dev/full', 'x'));
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(toProblem(error)).toMatchObject({ status: 503, code: 'STORAGE_FULL' });
  });

  it('leaves other storage errors a 500', () => {
    expect(toProblem(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }))).toMatchObject({
      status: 500,
      code: 'INTERNAL_ERROR',
    });
  });

  /**
   * MongoDB's OutOfDiskSpace is code 14031 (src/mongo/base/error_codes.yml in mongodb/mongo). The
   * errors below are the driver's own classes, built the way mongodb 7 builds them from a server's
   * reply (lib/operations/insert.js, lib/bulk/common.js, lib/error.js).
   */
  describe('MongoDB out of disk space', () => {
    const errmsg = 'Write failed: No space left on device';
    /** One document's failure in a bulk write, as the server reports it (the failed operation included). */
    const writeError = (index: number, code: number, message: string) =>
      new WriteError({ index, code, errmsg: message, errInfo: {}, op: { _id: `doc-${index}` } });

    it.each<[string, () => unknown]>([
      [
        'a command the server failed (createIndexes, a write in a transaction)',
        () => new MongoServerError({ ok: 0, errmsg, code: 14031, codeName: 'OutOfDiskSpace' }),
      ],
      ["insertOne's first write error, which carries no codeName", () => new MongoServerError({ index: 0, code: 14031, errmsg })],
      ['a code read without promoting BSON values', () => new MongoServerError({ ok: 0, errmsg, code: new Int32(14031) })],
      [
        'a bulk write whose documents failed',
        () =>
          new MongoBulkWriteError(
            { message: errmsg, code: 14031, writeErrors: [writeError(0, 14031, errmsg), writeError(1, 14031, errmsg)] },
            {} as never,
          ),
      ],
      [
        'a write concern the server could not satisfy',
        () => new MongoWriteConcernError({ ok: 1, n: 0, writeConcernError: { code: 14031, codeName: 'OutOfDiskSpace', errmsg } }),
      ],
      [
        'any of these wrapped as the cause of another error',
        () => new Error('projection batch failed', { cause: new MongoServerError({ index: 0, code: 14031, errmsg }) }),
      ],
    ])('answers %s with 503 STORAGE_FULL', (_case, make) => {
      expect(toProblem(make(), '/customers')).toMatchObject({ status: 503, code: 'STORAGE_FULL', instance: '/customers' });
    });

    it('finds the code in a bulk write error whose own code is another failure', () => {
      const error = new MongoBulkWriteError(
        { message: 'write operation failed', code: 8, writeErrors: [writeError(0, 8, 'x'), writeError(1, 14031, errmsg)] },
        {} as never,
      );
      expect(toProblem(error)).toMatchObject({ status: 503, code: 'STORAGE_FULL' });
    });

    it('leaves other server errors a 500', () => {
      expect(toProblem(new MongoServerError({ index: 0, code: 11000, errmsg: 'E11000 duplicate key error' }))).toMatchObject({
        status: 500,
        code: 'INTERNAL_ERROR',
      });
      expect(
        toProblem(
          new MongoWriteConcernError({
            ok: 1,
            writeConcernError: { code: 64, codeName: 'WriteConcernTimeout', errmsg: 'waiting for replication timed out' },
          }),
        ),
      ).toMatchObject({ status: 500 });
    });
  });
});
