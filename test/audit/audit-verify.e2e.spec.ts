import * as path from 'node:path';
import Database from '../../src/shared/sqlite/better-sqlite3';
import { startTestApp, type TestApp } from '../support/test-app';
import { itOnEmbeddedFiles } from '../support/test-stores';

describe('GET /audit/verify (embedded stores)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  itOnEmbeddedFiles('reports intact chains, then the first broken link once the event store file is altered', async () => {
    const created = await t.request('POST', '/customers', { name: 'Ana Lima', email: 'ana@example.com' });
    const id = created.json.id as string;
    await t.request('POST', `/customers/${id}/convert`);
    const stream = `customer-${id}`;

    const all = await t.request('GET', '/audit/verify');
    expect(all.status).toBe(200);
    expect(all.json).toMatchObject({ ok: true, brokenStreams: 0 });
    expect(all.json.checked).toBe(await t.eventCount());
    const one = await t.request('GET', `/audit/verify?stream=${stream}`);
    expect(one.json).toEqual({
      ok: true,
      checked: 2,
      streams: 1,
      brokenStreams: 0,
      head: { revision: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });

    // Someone with access to the file rewrites history: the customer registered as a customer, not a prospect.
    const db = new Database(path.join(t.dataDir, 'events.sqlite'));
    try {
      db.prepare("UPDATE events SET data = json_set(data, '$.kind', 'customer') WHERE stream_name = ? AND revision = 0").run(stream);
    } finally {
      db.close();
    }

    const broken = await t.request('GET', `/audit/verify?stream=${stream}`);
    expect(broken.status).toBe(200);
    expect(broken.json).toMatchObject({
      ok: false,
      checked: 1,
      brokenStreams: 1,
      firstBroken: { stream, revision: 0, problem: 'content-altered', expected: expect.any(String), actual: expect.any(String) },
    });
    // The whole-log check remembers what it verified: a change to an event already verified takes a full check.
    expect((await t.request('GET', '/audit/verify?full=true')).json).toMatchObject({
      ok: false,
      brokenStreams: 1,
      firstBroken: { stream, revision: 0 },
    });
  });

  it('refuses a malformed stream name', async () => {
    const response = await t.request('GET', `/audit/verify?stream=${encodeURIComponent('has space')}`);
    expect(response.status).toBe(400);
    expect(response.json.code).toBe('VALIDATION_FAILED');
  });
});
