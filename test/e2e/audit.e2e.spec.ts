import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditFeedStreams } from '../../src/audit/audit-feed-streams';
import { replayMain } from '../../src/cli/replay';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';
import { testStoreEnv } from '../support/test-stores';
import { expectProblem } from '../support/http-spec';
import { type CustomerBody, registerCustomer } from '../support/customer-builder';

/**
 * The auditors' read side over HTTP on the embedded stores: stream histories with metadata,
 * states as of a time or revision, the change feed (paged and live over SSE), the events of one
 * request, and the log of refused commands.
 */
describe('audit over HTTP (embedded stores)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 300 });
  });
  afterEach(async () => {
    await t.close();
  });

  const register = (body: CustomerBody = {}, headers: Record<string, string> = {}) => registerCustomer(t, body, headers);

  /** Polls until `check` passes (the rejection log is written after the response goes out). */
  async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, deadlineMs = 3000): Promise<T> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const value = await read();
      if (check(value) || Date.now() > until) return value;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  describe('stream history', () => {
    it("lists a stream with each event's metadata, paged by revision", async () => {
      t.clock.set('2026-03-10T14:00:00.000Z');
      const ana = (await register({}, { 'X-Correlation-Id': 'req-register' })).json.id as string;
      t.clock.set('2026-03-10T14:05:00.000Z');
      await t.request('PATCH', `/customers/${ana}/contact`, { phone: '+351 911 111 111' }, { 'X-Correlation-Id': 'req-phone' });
      await t.request('POST', `/customers/${ana}/interactions`, {
        channel: 'call',
        direction: 'inbound',
        summary: 'Asked about prices',
        agent: 'agent-7',
        occurredAt: '2026-03-10T13:00:00.000Z',
      });

      const first = await t.request('GET', `/audit/streams/customer-${ana}?limit=2`);
      expect(first.status).toBe(200);
      expect(first.json).toMatchObject({ stream: `customer-${ana}`, kind: 'customer', nextRevision: 2 });
      expect(first.json.events).toHaveLength(2);
      expect(first.json.events[0]).toMatchObject({
        stream: `customer-${ana}`,
        revision: 0,
        position: expect.stringMatching(/^\d+$/),
        id: expect.any(String),
        type: 'CustomerRegistered',
        data: { customerId: ana, name: 'Ana Lima' },
        metadata: {
          actor: 'test-user',
          correlationId: 'req-register',
          causationId: expect.any(String),
          occurredAt: '2026-03-10T14:00:00.000Z',
          recordedAt: '2026-03-10T14:00:00.000Z',
          schemaVersion: 1,
        },
      });
      expect(first.json.events[1]).toMatchObject({
        revision: 1,
        type: 'ContactDetailsUpdated',
        metadata: { correlationId: 'req-phone', recordedAt: '2026-03-10T14:05:00.000Z' },
      });

      const second = await t.request('GET', `/audit/streams/customer-${ana}?limit=2&fromRevision=2`);
      expect(second.json.nextRevision).toBeNull();
      // The interaction happened before it was keyed in: occurredAt and recordedAt tell both.
      expect(second.json.events).toEqual([
        expect.objectContaining({
          revision: 2,
          type: 'InteractionRecorded',
          metadata: expect.objectContaining({ occurredAt: '2026-03-10T13:00:00.000Z', recordedAt: '2026-03-10T14:05:00.000Z' }),
        }),
      ]);
      expect((await t.request('GET', `/audit/streams/customer-${ana}?fromRevision=9`)).json).toMatchObject({
        events: [],
        nextRevision: null,
      });
    });

    it('answers 404 for an unknown stream and 400 naming bad parameters', async () => {
      expectProblem(await t.request('GET', '/audit/streams/customer-nobody'), 404, 'STREAM_NOT_FOUND');
      const bad = await t.request('GET', '/audit/streams/customer-x?limit=0&fromRevision=-1&sort=up');
      expectProblem(bad, 400, 'VALIDATION_FAILED');
      expect(bad.json.errors.map((e: { field: string }) => e.field).sort()).toEqual(['fromRevision', 'limit', 'sort']);
    });
  });

  describe('state as of a point', () => {
    it('folds what the system had recorded at a time: the agent at 14:02 saw the old phone', async () => {
      t.clock.set('2026-03-10T14:00:00.000Z');
      const ana = (await register({ phone: '+351 910 000 000' })).json.id as string;
      t.clock.set('2026-03-10T14:05:00.000Z');
      await t.request('PATCH', `/customers/${ana}/contact`, { phone: '+351 911 111 111' });
      t.clock.set('2026-03-10T14:10:00.000Z');
      const purchase = await t.request('POST', `/customers/${ana}/purchases`, {
        purchaseId: 'INV-1',
        lines: [{ product: 'CD', quantity: 1, amount: 20 }],
        margin: 5,
        occurredAt: '2026-03-10T14:06:00.000Z',
      });
      expect(purchase.status).toBe(201);
      const stream = `customer-${ana}`;

      const at1402 = await t.request('GET', `/audit/streams/${stream}/state?asOf=2026-03-10T14:02:00Z`);
      expect(at1402.status).toBe(200);
      expect(at1402.json).toMatchObject({
        stream,
        kind: 'customer',
        asOf: '2026-03-10T14:02:00.000Z',
        basis: 'recorded',
        revision: 0,
        eventsFolded: 1,
        currentRevision: 3,
        lastEvent: { type: 'CustomerRegistered', recordedAt: '2026-03-10T14:00:00.000Z' },
        state: {
          status: 'prospect',
          customerId: ana,
          contact: { phone: '+351 910 000 000', name: 'Ana Lima' },
          purchases: {},
          suggestions: {},
        },
      });

      const at1406 = await t.request('GET', `/audit/streams/${stream}/state?asOf=2026-03-10T14:06:00Z`);
      expect(at1406.json).toMatchObject({ revision: 1, state: { contact: { phone: '+351 911 111 111' }, purchases: {} } });
      // A time zone offset is the same instant; an unencoded "+" arrives as a space and is read back.
      const offset = await t.request('GET', `/audit/streams/${stream}/state?asOf=2026-03-10T15:06:00+01:00`);
      expect(offset.json).toMatchObject({ asOf: '2026-03-10T14:06:00.000Z', revision: 1 });
      // By occurrence, the purchase (keyed in at 14:10) had happened by 14:07.
      // (Its conversion, recorded and occurring at 14:10, is left out: such a state was never on screen.)
      const occurred = await t.request('GET', `/audit/streams/${stream}/state?asOf=2026-03-10T14:07:00Z&basis=occurred`);
      expect(occurred.json).toMatchObject({
        basis: 'occurred',
        state: { purchases: { 'INV-1': { currency: 'USD', amountMinor: 2000, refundedMinor: 0 } }, status: 'prospect' },
      });
      const recorded = await t.request('GET', `/audit/streams/${stream}/state?asOf=2026-03-10T14:07:00Z`);
      expect(recorded.json).toMatchObject({ basis: 'recorded', state: { purchases: {}, status: 'prospect' } });

      const byRevision = await t.request('GET', `/audit/streams/${stream}/state?revision=0`);
      expect(byRevision.json).toMatchObject({ requestedRevision: 0, revision: 0, state: { contact: { phone: '+351 910 000 000' } } });
      const latest = await t.request('GET', `/audit/streams/${stream}/state`);
      expect(latest.json).toMatchObject({
        revision: 3,
        state: { status: 'customer', purchases: { 'INV-1': expect.any(Object) }, contact: { phone: '+351 911 111 111' } },
      });

      // Before the registration the customer did not exist yet.
      const before = await t.request('GET', `/audit/streams/${stream}/state?asOf=2026-03-10T13:00:00Z`);
      expect(before.json).toMatchObject({
        revision: null,
        position: null,
        eventsFolded: 0,
        state: { status: 'unknown', customerId: null },
      });
    });

    it('folds complaints and departments with their own deciders, Maps and Sets as JSON', async () => {
      const ana = (await register()).json.id as string;
      const complaint = await t.request('POST', '/complaints', {
        customerId: ana,
        channel: 'email',
        category: 'billing',
        description: 'Charged twice for March',
      });
      expect(complaint.status).toBe(201);
      const state = await t.request('GET', `/audit/streams/complaint-${complaint.json.id}/state`);
      expect(state.json).toMatchObject({
        kind: 'complaint',
        state: { complaintId: complaint.json.id, customerId: ana, status: 'acknowledged', actions: {}, breached: [] },
      });

      const department = await t.request('POST', '/departments', { name: 'Billing' });
      expect(department.status).toBe(201);
      const departmentState = await t.request('GET', `/audit/streams/department-${department.json.id}/state`);
      expect(departmentState.json).toMatchObject({ kind: 'department', state: { exists: true, name: 'Billing', webhooks: {} } });

      // The bootstrap admin key's audit trail folds too.
      const keyEvent = (await t.request('GET', '/audit/feed')).json.events.find((e: any) => e.type === 'AccessKeyCreated');
      const key = await t.request('GET', `/audit/streams/${keyEvent.stream}/state`);
      expect(key.json).toMatchObject({ kind: 'access-key', state: { roles: ['admin'], revoked: false } });

      // The complaint number counter has no decider: its history is all there is.
      const counter = await t.request('GET', '/audit/streams/complaint-numbers-2026/state');
      expectProblem(counter, 422, 'STREAM_STATE_NOT_AVAILABLE');
      expect((await t.request('GET', '/audit/streams/complaint-numbers-2026')).json.events).toHaveLength(1);
    });

    it('refuses bad points: 400 with the fields, 404 for unknown streams and revisions', async () => {
      const ana = (await register()).json.id as string;
      const stream = `customer-${ana}`;
      const badTime = await t.request('GET', `/audit/streams/${stream}/state?asOf=yesterday`);
      expectProblem(badTime, 400, 'VALIDATION_FAILED');
      expect(badTime.json.errors).toEqual([expect.objectContaining({ field: 'asOf' })]);
      // Without a time zone the instant would depend on the server's.
      expectProblem(await t.request('GET', `/audit/streams/${stream}/state?asOf=2026-03-10T14:02:00`), 400, 'VALIDATION_FAILED');
      const both = await t.request('GET', `/audit/streams/${stream}/state?asOf=2026-03-10T14:02:00Z&revision=1`);
      expect(both.json.errors.map((e: { field: string }) => e.field)).toEqual(['asOf', 'revision']);
      expectProblem(await t.request('GET', `/audit/streams/${stream}/state?revision=abc`), 400, 'VALIDATION_FAILED');
      expectProblem(await t.request('GET', `/audit/streams/${stream}/state?revision=1&basis=occurred`), 400, 'VALIDATION_FAILED');
      expectProblem(await t.request('GET', `/audit/streams/${stream}/state?revision=7`), 404, 'REVISION_NOT_FOUND');
      expectProblem(await t.request('GET', '/audit/streams/customer-nobody/state'), 404, 'STREAM_NOT_FOUND');
    });
  });

  describe('change feed', () => {
    it('pages through the whole log in order', async () => {
      await register({}, { 'X-Correlation-Id': 'feed-1' });
      await register({ name: 'Bruno Reis', email: 'bruno@example.com' });
      await register({ name: 'Carla Dias', email: undefined });
      const total = await t.eventCount();

      const seen: any[] = [];
      let from: string | null = null;
      for (let page = 0; page < 10; page++) {
        const response: TestResponse = await t.request('GET', `/audit/feed?limit=2${from === null ? '' : `&fromPosition=${from}`}`);
        expect(response.status).toBe(200);
        seen.push(...response.json.events);
        from = response.json.nextPosition;
        if (!response.json.hasMore) break;
      }
      expect(seen).toHaveLength(total);
      const positions = seen.map((e) => BigInt(e.position));
      expect(positions.every((p, i) => i === 0 || p > positions[i - 1])).toBe(true);
      // (The app may write events of its own at start-up, e.g. the bootstrap admin key.)
      expect(seen.slice(-5).map((e) => e.type)).toEqual([
        'EmailClaimed',
        'CustomerRegistered',
        'EmailClaimed',
        'CustomerRegistered',
        'CustomerRegistered',
      ]);
      expect(seen.find((e) => e.type === 'EmailClaimed')).toMatchObject({ metadata: { correlationId: 'feed-1' } });
      expect(from).toBe(seen[seen.length - 1].position);
      // Polling from the last position finds nothing new, and says where to poll from again.
      expect((await t.request('GET', `/audit/feed?fromPosition=${from}`)).json).toEqual({ events: [], nextPosition: from, hasMore: false });
      expectProblem(await t.request('GET', '/audit/feed?fromPosition=-5&limit=5000'), 400, 'VALIDATION_FAILED');
    });

    it('streams the feed live as Server-Sent Events, resumes from Last-Event-ID and stops when the client leaves', async () => {
      const start = (await t.request('GET', '/audit/feed')).json.nextPosition as string | null;
      await register();
      const all = (await t.request('GET', `/audit/feed${start === null ? '' : `?fromPosition=${start}`}`)).json.events as {
        position: string;
        type: string;
      }[];
      expect(all.map((e) => e.type)).toEqual(['EmailClaimed', 'CustomerRegistered']);
      await t.app.listen(0, '127.0.0.1');
      const port = (t.app.getHttpServer().address() as AddressInfo).port;
      const streams = t.app.get(AuditFeedStreams);

      // A real connection carries its own credentials: an auditor allowed to see personal data.
      const auth = { Authorization: `Bearer ${t.jwt({ sub: 'auditor-1', roles: ['auditor', 'pii'] })}` };
      const client = openSse(port, `/audit/feed/stream?fromPosition=${all[0].position}`, auth);
      const head = await client.response;
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(head.headers['x-correlation-id']).toEqual(expect.any(String));
      const caughtUp = await client.next();
      expect(caughtUp).toMatchObject({ id: all[1].position, event: 'CustomerRegistered' });
      expect(JSON.parse(caughtUp.data)).toMatchObject({
        position: all[1].position,
        type: 'CustomerRegistered',
        metadata: { actor: 'test-user' },
      });

      // Live: a command appended now reaches the open stream.
      const bruno = await register({ name: 'Bruno Reis', email: 'bruno@example.com' });
      const live = [await client.next(), await client.next()];
      expect(live.map((e) => e.event)).toEqual(['EmailClaimed', 'CustomerRegistered']);
      expect(live[1].id).toBe(bruno.json.position);
      expect(streams.openCount).toBe(1);

      client.close();
      await eventually(
        async () => streams.openCount,
        (count) => count === 0,
      );
      expect(streams.openCount).toBe(0);

      // A reconnecting EventSource sends the id of the last event it got.
      const resumed = openSse(port, '/audit/feed/stream', { ...auth, 'Last-Event-ID': live[0].id });
      expect((await resumed.next()).id).toBe(live[1].id);
      resumed.close();

      expectProblem(await t.request('GET', '/audit/feed/stream', undefined, { 'Last-Event-ID': 'latest' }), 400, 'VALIDATION_FAILED');
      expectProblem(await t.request('GET', '/audit/feed/stream?fromPosition=x'), 400, 'VALIDATION_FAILED');
    });
  });

  describe('correlations', () => {
    it('lists every event one request caused, across streams, in order, paged', async () => {
      const created = await register({}, { 'X-Correlation-Id': 'req-42' });
      await register({ name: 'Bruno Reis', email: 'bruno@example.com' }, { 'X-Correlation-Id': 'req-43' });
      await t.app.get(ProjectionRunner).catchUp();

      const all = await t.request('GET', '/audit/correlations/req-42');
      expect(all.status).toBe(200);
      expect(all.json).toMatchObject({ correlationId: 'req-42', nextCursor: null, rejections: [] });
      expect(all.json.events.map((e: any) => [e.type, e.stream.replace(/-[0-9a-f-]+$/, '-*')])).toEqual([
        ['EmailClaimed', 'customer-email-*'],
        ['CustomerRegistered', 'customer-*'],
      ]);
      expect(all.json.events[1].position).toBe(created.json.position);
      expect(all.json.events.every((e: any) => e.metadata.correlationId === 'req-42')).toBe(true);

      const first = await t.request('GET', '/audit/correlations/req-42?limit=1');
      expect(first.json.events.map((e: any) => e.type)).toEqual(['EmailClaimed']);
      const second = await t.request('GET', `/audit/correlations/req-42?limit=1&after=${first.json.nextCursor}`);
      expect(second.json).toMatchObject({ nextCursor: null, events: [{ type: 'CustomerRegistered' }] });

      expectProblem(await t.request('GET', '/audit/correlations/req-nothing'), 404, 'CORRELATION_NOT_FOUND');
    });

    it('finds the events the audit index has not caught up with yet', async () => {
      await t.app.get(ProjectionRunner).stop();
      await register({}, { 'X-Correlation-Id': 'req-unindexed' });
      const response = await t.request('GET', '/audit/correlations/req-unindexed');
      expect(response.json.events.map((e: any) => e.type)).toEqual(['EmailClaimed', 'CustomerRegistered']);
    });
  });

  describe('rejections', () => {
    it('records refused commands with who, what and why, never the submitted values', async () => {
      t.clock.set('2026-03-10T14:00:00.000Z');
      const invalid = await t.request(
        'POST',
        '/customers',
        { name: 'Ana Secret-Name', email: 'not-an-email-secret', kind: 'prospect', acquisitionChannel: 'web' },
        { 'X-Correlation-Id': 'req-bad' },
      );
      expectProblem(invalid, 400, 'VALIDATION_FAILED');
      t.clock.set('2026-03-10T14:01:00.000Z');
      const ana = await register();
      const taken = await register({ name: 'Other Person' });
      expectProblem(taken, 422, 'EMAIL_ALREADY_IN_USE');
      t.clock.set('2026-03-10T14:02:00.000Z');
      const stale = await t.request('PATCH', `/customers/${ana.json.id}/contact`, { phone: '+351 912 345 678' }, { 'If-Match': '"7"' });
      expectProblem(stale, 409, 'REVISION_CONFLICT');
      t.clock.set('2026-03-10T14:03:00.000Z');
      const analyst = { Authorization: `Bearer ${t.jwt({ sub: 'analyst-1', roles: ['analyst'] })}` };
      expectProblem(
        await t.request('POST', '/customers', { name: 'Eve Secret', kind: 'prospect', acquisitionChannel: 'web' }, analyst),
        403,
        'FORBIDDEN',
      );
      // Queries that fail change nothing and are not recorded.
      expectProblem(await t.request('GET', '/customers?limit=0'), 400, 'VALIDATION_FAILED');

      const listed = await eventually(
        () => t.request('GET', '/audit/rejections'),
        (r) => r.json.items?.length >= 4,
      );
      expect(listed.status).toBe(200);
      expect(listed.json.items).toEqual([
        expect.objectContaining({
          at: '2026-03-10T14:03:00.000Z',
          actor: 'analyst-1',
          method: 'POST',
          route: '/customers',
          status: 403,
          code: 'FORBIDDEN',
        }),
        expect.objectContaining({
          at: '2026-03-10T14:02:00.000Z',
          actor: 'test-user',
          method: 'PATCH',
          route: `/customers/${ana.json.id}/contact`,
          status: 409,
          code: 'REVISION_CONFLICT',
          fields: [],
        }),
        expect.objectContaining({
          at: '2026-03-10T14:01:00.000Z',
          method: 'POST',
          route: '/customers',
          status: 422,
          code: 'EMAIL_ALREADY_IN_USE',
        }),
        expect.objectContaining({
          at: '2026-03-10T14:00:00.000Z',
          method: 'POST',
          route: '/customers',
          status: 400,
          code: 'VALIDATION_FAILED',
          fields: ['email'],
          correlationId: 'req-bad',
          detail: expect.any(String),
        }),
      ]);
      expect(listed.json.nextCursor).toBeNull();
      const text = JSON.stringify(listed.json);
      expect(text).not.toContain('Secret');
      expect(text).not.toContain('+351');

      const byCode = await t.request('GET', '/audit/rejections?code=VALIDATION_FAILED');
      expect(byCode.json.items.map((r: any) => r.correlationId)).toEqual(['req-bad']);
      const window = await t.request('GET', '/audit/rejections?from=2026-03-10T14:00:30Z&to=2026-03-10T14:01:30Z');
      expect(window.json.items.map((r: any) => r.code)).toEqual(['EMAIL_ALREADY_IN_USE']);
      expect((await t.request('GET', '/audit/rejections?actor=someone-else')).json.items).toEqual([]);
      expect((await t.request('GET', '/audit/rejections?status=409')).json.items.map((r: any) => r.code)).toEqual(['REVISION_CONFLICT']);
      expect((await t.request('GET', '/audit/rejections?actor=analyst-1')).json.items.map((r: any) => r.code)).toEqual(['FORBIDDEN']);
      const page1 = await t.request('GET', '/audit/rejections?limit=3');
      expect(page1.json.items).toHaveLength(3);
      const page2 = await t.request('GET', `/audit/rejections?limit=3&cursor=${encodeURIComponent(page1.json.nextCursor)}`);
      expect(page2.json).toMatchObject({ items: [{ code: 'VALIDATION_FAILED' }], nextCursor: null });

      // The refused request's correlation shows its refusal (it caused no event).
      const correlation = await t.request('GET', '/audit/correlations/req-bad');
      expect(correlation.json).toMatchObject({ events: [], rejections: [{ code: 'VALIDATION_FAILED', fields: ['email'] }] });

      const bad = await t.request('GET', '/audit/rejections?from=monday&code=lower&status=404&limit=501');
      expectProblem(bad, 400, 'VALIDATION_FAILED');
      expect(bad.json.errors.map((e: { field: string }) => e.field).sort()).toEqual(['code', 'from', 'limit', 'status']);
    });
  });

  describe('replay CLI', () => {
    it('prints the events up to a point and the folded state, as text or JSON', async () => {
      t.clock.set('2026-03-10T14:00:00.000Z');
      const ana = (await register({ phone: '+351 910 000 000' }, { 'X-Correlation-Id': 'req-cli' })).json.id as string;
      t.clock.set('2026-03-10T14:05:00.000Z');
      await t.request('PATCH', `/customers/${ana}/contact`, { phone: '+351 911 111 111' });
      const env = { RELATA_DATA_DIR: t.dataDir, ...testStoreEnv(t.dataDir) };
      const run = async (...args: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await replayMain(args, { out: (s) => out.push(s), err: (s) => err.push(s) }, env);
        return { code, out: out.join('\n'), err: err.join('\n') };
      };

      const text = await run('--stream', `customer-${ana}`, '--to', '2026-03-10T14:02:00Z');
      expect(text.code).toBe(0);
      expect(text.out).toContain(`customer-${ana} (customer) as of 2026-03-10T14:02:00.000Z (recorded time): revision 0 of 1`);
      expect(text.out).toContain('CustomerRegistered');
      expect(text.out).toContain('correlation req-cli');
      expect(text.out).not.toContain('ContactDetailsUpdated');
      expect(text.out).toContain('"phone": "+351 910 000 000"');

      const json = await run('--stream', `customer-${ana}`, '--to', '1', '--json');
      expect(json.code).toBe(0);
      const parsed = JSON.parse(json.out);
      expect(parsed).toMatchObject({ revision: 1, state: { contact: { phone: '+351 911 111 111' } } });
      expect(parsed.events.map((e: any) => e.type)).toEqual(['CustomerRegistered', 'ContactDetailsUpdated']);

      expect((await run('--to', '1')).code).toBe(2);
      expect((await run('--stream', `customer-${ana}`, '--to', 'noon')).code).toBe(2);
      const missing = await run('--stream', 'customer-nobody');
      expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('STREAM_NOT_FOUND') });
    });
  });
});

interface SseMessage {
  id: string;
  event: string;
  data: string;
}

/** A minimal EventSource: reads frames off a real HTTP connection. */
function openSse(port: number, path: string, headers: Record<string, string> = {}) {
  const messages: SseMessage[] = [];
  const waiters: (() => void)[] = [];
  let buffer = '';
  const request = http.get({ host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream', ...headers } });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(': ');
            if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 2);
          }
          if (fields.id !== undefined) messages.push({ id: fields.id, event: fields.event, data: fields.data });
          waiters.splice(0).forEach((wake) => wake());
        }
      });
      resolve(res);
    });
    request.on('error', reject);
  });
  let taken = 0;
  return {
    response,
    async next(timeoutMs = 5000): Promise<SseMessage> {
      const deadline = Date.now() + timeoutMs;
      while (messages.length <= taken) {
        if (Date.now() > deadline) throw new Error('no SSE message arrived in time');
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return messages[taken++];
    },
    close() {
      request.destroy();
    },
  };
}
