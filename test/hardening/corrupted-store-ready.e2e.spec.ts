import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendNotes, overwriteMiddlePages } from '../support/sqlite-files';
import { startTestApp, type TestApp } from '../support/test-app';

/** Writes 300 events of ~600 bytes, closes the app, and overwrites four pages in the middle of the file. */
async function damagedDataDir(dataDir: string) {
  const first = await startTestApp({}, { dataDir });
  await appendNotes(first.eventStore, 300, first.clock.now().toISOString());
  expect((await first.request('GET', '/ready', undefined, {}, { auth: false })).status).toBe(200);
  await first.close();
  overwriteMiddlePages(path.join(dataDir, 'events.sqlite'));
  return first.clock;
}

/**
 * A damaged events.sqlite: /ready answers 503 naming the event store (found by the integrity check
 * the store runs at start-up, or by the first read that meets the damage), and /audit/verify
 * reports where the log could not be read, instead of a 500.
 */
describe('a corrupted events.sqlite', () => {
  let dataDir: string;
  let t: TestApp | undefined;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-corrupt-'));
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('is reported by /ready (503) and by /audit/verify', async () => {
    const clock = await damagedDataDir(dataDir);
    t = await startTestApp({}, { dataDir, clock });
    const verify = await t.request('GET', '/audit/verify');
    expect(verify.status).toBe(200);
    expect(verify.json).toMatchObject({ ok: false, corrupted: { error: expect.stringMatching(/^SQLITE_CORRUPT/) } });
    const ready = await t.request('GET', '/ready', undefined, {}, { auth: false });
    expect(ready.status).toBe(503);
    expect(JSON.stringify(ready.json)).toContain('eventStore');
    expect(JSON.stringify(ready.json)).toMatch(/damaged/);
  });

  it('is reported by /ready before any request reads the damaged pages', async () => {
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-corrupt-'));
    let second: TestApp | undefined;
    try {
      const clock = await damagedDataDir(otherDir);
      second = await startTestApp({}, { dataDir: otherDir, clock });
      // The check runs in a worker thread: /ready reads its outcome once it is in (bounded retries).
      let ready = await second.request('GET', '/ready', undefined, {}, { auth: false });
      for (let attempt = 0; attempt < 100 && ready.status === 200; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        ready = await second.request('GET', '/ready', undefined, {}, { auth: false });
      }
      expect(ready.status).toBe(503);
      const eventStore = (ready.json.error ?? ready.json.details)?.eventStore;
      expect(eventStore).toMatchObject({ status: 'down' });
      // Found by the start-up check (quick_check's report names the damaged pages) or by a start-up
      // read (the projections resuming: SQLITE_CORRUPT), whichever came first; which one depends on
      // timing. test/sqlite/integrity-watch.int.spec.ts shows the check finding it with no read.
      expect(JSON.stringify(eventStore)).toMatch(/the event store file is damaged \((SQLITE_CORRUPT|\*\*\* in database main \*\*\*)/);
    } finally {
      await second?.close();
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
