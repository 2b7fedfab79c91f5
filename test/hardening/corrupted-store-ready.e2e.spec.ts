import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * A damaged events.sqlite: /ready answers 503 naming the event store once a read has met the
 * damage, and /audit/verify reports where the log could not be read, instead of a 500.
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
    const first = await startTestApp({}, { dataDir });
    const at = first.clock.now().toISOString();
    for (let i = 0; i < 300; i++) {
      await first.eventStore.appendToStream(`note-${i}`, [
        { id: randomUUID(), type: 'Noted', data: { text: 'n'.repeat(600) }, metadata: { actor: 'system:test', correlationId: 'c', causationId: 'c', occurredAt: at, recordedAt: at, schemaVersion: 1 } },
      ]);
    }
    expect((await first.request('GET', '/ready', undefined, {}, { auth: false })).status).toBe(200);
    await first.close();

    const file = path.join(dataDir, 'events.sqlite');
    const size = fs.statSync(file).size;
    const handle = fs.openSync(file, 'r+');
    try {
      fs.writeSync(handle, Buffer.alloc(4096 * 4, 0xa5), 0, 4096 * 4, Math.floor(size / 2 / 4096) * 4096);
    } finally {
      fs.closeSync(handle);
    }

    t = await startTestApp({}, { dataDir, clock: first.clock });
    const verify = await t.request('GET', '/audit/verify');
    expect(verify.status).toBe(200);
    expect(verify.json).toMatchObject({ ok: false, corrupted: { error: expect.stringMatching(/^SQLITE_CORRUPT/) } });
    const ready = await t.request('GET', '/ready', undefined, {}, { auth: false });
    expect(ready.status).toBe(503);
    expect(JSON.stringify(ready.json)).toContain('eventStore');
    expect(JSON.stringify(ready.json)).toMatch(/damaged/);
  });
});
