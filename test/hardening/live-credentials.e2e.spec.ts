import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditFeedStreams } from '../../src/audit/audit-feed-streams';
import { startTestApp, type TestApp } from '../support/test-app';

/** An SSE connection to the app: everything it received, and whether the server ended it. */
interface OpenFeed {
  text(): string;
  ended: Promise<void>;
  close(): void;
}

function openFeed(port: number, token: string): Promise<OpenFeed> {
  let text = '';
  return new Promise((resolve, reject) => {
    const request = http.get({
      host: '127.0.0.1',
      port,
      path: '/audit/feed/stream',
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      if (response.statusCode !== 200) reject(new Error(`the feed answered ${response.statusCode}`));
      response.setEncoding('utf8');
      const ended = new Promise<void>((done) => response.on('end', done));
      response.on('data', (chunk: string) => (text += chunk));
      // The first comment says the stream is open.
      response.once('data', () => resolve({ text: () => text, ended, close: () => request.destroy() }));
    });
  });
}

/**
 * Live credentials: the audit SSE feed outlives its request, so the credential that opened it is
 * checked again (every few seconds by a timer; here on demand through checkCredentials(), so the
 * test does not wait on a time window). Revoked or expired API keys and expired JWTs end it.
 */
describe('audit feed stream with live credentials', () => {
  let t: TestApp;
  let port: number;
  let streams: AuditFeedStreams;

  beforeEach(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    streams = t.app.get(AuditFeedStreams);
  });
  afterEach(async () => {
    await t.close();
  });

  async function expectEndedByCheck(feed: OpenFeed): Promise<void> {
    await streams.checkCredentials();
    await feed.ended;
    expect(feed.text()).toContain('event: credentials-ended');
    expect(streams.openCount).toBe(0);
  }

  it('keeps the stream of a valid credential open, and ends it once its API key is revoked', async () => {
    const auditor = await t.createKey(['auditor'], { pii: true });
    const feed = await openFeed(port, auditor.key);
    await streams.checkCredentials();
    expect(streams.openCount).toBe(1);

    expect((await t.request('POST', `/admin/keys/${auditor.id}/revoke`, {}, {}, { auth: t.adminKey })).status).toBe(200);
    await expectEndedByCheck(feed);
    // Nothing written after the revocation reaches the closed stream.
    await t.request('POST', '/customers', { name: 'Ana Lima', email: 'ana@example.com' });
    expect(feed.text()).not.toContain('Ana');
  });

  it('ends the stream once its API key expires', async () => {
    const expiresAt = new Date(t.clock.now().getTime() + 60_000).toISOString();
    const auditor = await t.createKey(['auditor'], { pii: true, expiresAt });
    const feed = await openFeed(port, auditor.key);
    await streams.checkCredentials();
    expect(streams.openCount).toBe(1);
    t.clock.advance(61_000);
    await expectEndedByCheck(feed);
  });

  it('ends the stream once its JWT expires (after the allowed clock skew)', async () => {
    const exp = Math.floor(t.clock.now().getTime() / 1000) + 120;
    const feed = await openFeed(port, t.jwt({ sub: 'auditor-1', roles: ['auditor', 'pii'], exp }));
    t.clock.advance(100_000);
    await streams.checkCredentials();
    expect(streams.openCount).toBe(1);
    t.clock.advance(60_000);
    await expectEndedByCheck(feed);
  });

  it('ends every stream of a revoked key and leaves the others open', async () => {
    const revoked = await t.createKey(['auditor'], { pii: true, name: 'revoked' });
    const kept = await t.createKey(['auditor'], { pii: true, name: 'kept' });
    const feeds = [await openFeed(port, revoked.key), await openFeed(port, revoked.key), await openFeed(port, kept.key)];
    await t.request('POST', `/admin/keys/${revoked.id}/revoke`, {}, {}, { auth: t.adminKey });
    await streams.checkCredentials();
    await Promise.all([feeds[0].ended, feeds[1].ended]);
    expect(streams.openCount).toBe(1);
    feeds[2].close();
  });
});
