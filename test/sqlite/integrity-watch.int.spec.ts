import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { betterSqlite3Path, IntegrityWatch, type IntegrityOutcome, quickCheckOffThread } from '../../src/shared/sqlite/integrity-check';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import Database from '../../src/shared/sqlite/better-sqlite3';
import { appendNotes, overwriteMiddlePages } from '../support/sqlite-files';

describe('IntegrityWatch', () => {
  it('checks once per interval however often it is asked, and one check at a time', async () => {
    let now = 0;
    let checks = 0;
    let finish: (outcome: IntegrityOutcome) => void = () => undefined;
    const watch = new IntegrityWatch(
      () => {
        checks += 1;
        return new Promise((resolve) => (finish = resolve));
      },
      60_000,
      () => now,
    );
    for (let i = 0; i < 50; i++) expect(watch.latest()).toBeNull();
    expect(checks).toBe(1);
    finish({ state: 'ok' });
    await watch.settled();
    now += 59_999;
    for (let i = 0; i < 50; i++) expect(watch.latest()).toEqual({ state: 'ok' });
    expect(checks).toBe(1);
    now += 1;
    expect(watch.latest()).toEqual({ state: 'ok' });
    expect(checks).toBe(2);
    finish({ state: 'damaged', problems: ['Page 7: btree page has an invalid header'] });
    expect(await watch.settled()).toEqual({ state: 'damaged', problems: ['Page 7: btree page has an invalid header'] });
    await watch.stop();
    now += 600_000;
    watch.latest();
    expect(checks).toBe(2);
  });
});

describe('quick_check in a worker thread', () => {
  let directory: string;

  beforeEach(() => {
    directory = fs.mkdtempSync(join(tmpdir(), 'relata-integrity-'));
  });
  afterEach(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  function databaseWithPages(file: string): void {
    const db = new Database(file);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 400; i++) insert.run('x'.repeat(500));
    })();
    db.close();
  }

  it('finds a sound file sound', async () => {
    const file = join(directory, 'sound.sqlite');
    databaseWithPages(file);
    expect(await quickCheckOffThread(file, betterSqlite3Path())).toEqual({ state: 'ok' });
  });

  // SQLite 3.53 stops quick_check with SQLITE_CORRUPT on a page it cannot parse, rather than
  // listing "Page N: ..." as it does for subtler damage: either way the file is found damaged.
  it('finds an overwritten file damaged', async () => {
    const file = join(directory, 'damaged.sqlite');
    databaseWithPages(file);
    const handle = fs.openSync(file, 'r+');
    try {
      fs.writeSync(handle, Buffer.alloc(4096 * 2, 0xa5), 0, 4096 * 2, 4096 * 20);
    } finally {
      fs.closeSync(handle);
    }
    const outcome = await quickCheckOffThread(file, betterSqlite3Path());
    expect(outcome.state).toBe('damaged');
    expect(outcome.state === 'damaged' && outcome.problems[0]).toMatch(/^SQLITE_CORRUPT|[Pp]age \d+/);
  });

  it('reports a file that is no database at all as damaged', async () => {
    const file = join(directory, 'not-a-database.sqlite');
    fs.writeFileSync(file, Buffer.alloc(8192, 0x5a));
    expect(await quickCheckOffThread(file, betterSqlite3Path())).toMatchObject({
      state: 'damaged',
      problems: [expect.stringMatching(/^SQLITE_NOTADB/)],
    });
  });

  it('says when it could not check, without calling that damage', async () => {
    expect(await quickCheckOffThread(join(directory, 'missing.sqlite'), betterSqlite3Path())).toMatchObject({ state: 'unknown' });
  });
});

describe('the SQLite event store checks its file at start-up', () => {
  let directory: string;

  beforeEach(() => {
    directory = fs.mkdtempSync(join(tmpdir(), 'relata-integrity-store-'));
  });
  afterEach(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it("fails ping (so /ready) on damage no read has met, with the check's finding", async () => {
    const file = join(directory, 'events.sqlite');
    const writer = new SqliteEventStore({ filename: file, integrityCheckIntervalMs: 0 });
    await appendNotes(writer, 300, '2026-03-10T12:00:00.000Z');
    await writer.close();
    overwriteMiddlePages(file);

    const store = new SqliteEventStore({ filename: file });
    try {
      expect(await store.integrityChecked()).toMatchObject({ state: 'damaged' });
      await expect(store.ping()).rejects.toThrow(/the event store file is damaged \((SQLITE_CORRUPT: |[^)]*[Pp]age \d+)/);
    } finally {
      await store.close();
    }
  });

  it('passes ping on a sound file once checked', async () => {
    const store = new SqliteEventStore({ filename: join(directory, 'events.sqlite') });
    try {
      expect(await store.integrityChecked()).toEqual({ state: 'ok' });
      await expect(store.ping()).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
