import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookDispatcher } from '../../src/departments/webhook-dispatcher';
import { RelataMetrics } from '../../src/operations/metrics';
import { EVENT_STORE, type EventStore } from '../../src/shared/event-store/event-store.port';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { READ_STORE, type ReadStore } from '../../src/shared/read-store/read-store.port';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';

/** The value of one sample line of a Prometheus exposition, or undefined when the line is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (wanted.every(([key, value]) => present.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}

describe('health, readiness and metrics', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  const register = (email: string, headers: Record<string, string> = {}): Promise<TestResponse> =>
    t.request('POST', '/customers', { name: 'Ana Lima', email, kind: 'prospect', acquisitionChannel: 'web' }, headers);

  describe('GET /health and GET /ready', () => {
    beforeEach(async () => {
      t = await startTestApp({ readyMaxLagEvents: 2, consistencyTimeoutMs: 300 });
    });

    it('answers /health without credentials and without asking the stores', async () => {
      const ping = jest.spyOn(t.app.get<ReadStore>(READ_STORE), 'ping').mockRejectedValue(new Error('read store down'));
      const response = await t.request('GET', '/health', undefined, {}, { auth: false });
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ status: 'ok', info: { process: { status: 'up' } } });
      expect(ping).not.toHaveBeenCalled();
    });

    it('answers /ready 200 when both stores answer and the projections are caught up', async () => {
      expect((await register('ana@example.com')).status).toBe(201);
      await t.app.get(ProjectionRunner).catchUp();
      const response = await t.request('GET', '/ready', undefined, {}, { auth: false });
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({
        status: 'ok',
        info: {
          eventStore: { status: 'up' },
          readStore: { status: 'up' },
          projections: { status: 'up', maxLagEvents: 2, largestLagEvents: 0 },
        },
      });
    });

    it.each([
      ['eventStore', EVENT_STORE],
      ['readStore', READ_STORE],
    ] as const)('answers /ready 503 naming the %s when it does not answer', async (key, token) => {
      jest.spyOn(t.app.get<EventStore | ReadStore>(token), 'ping').mockRejectedValueOnce(new Error('connection refused'));
      const response = await t.request('GET', '/ready', undefined, {}, { auth: false });
      expect(response.status).toBe(503);
      expect(response.json).toMatchObject({ status: 'error', error: { [key]: { status: 'down' } } });
      expect(response.json.details[key === 'eventStore' ? 'readStore' : 'eventStore']).toEqual(expect.objectContaining({ status: 'up' }));
    });

    it('answers /ready 503 while a projection lags beyond RELATA_READY_MAX_LAG_EVENTS, and 200 once it caught up', async () => {
      const runner = t.app.get(ProjectionRunner);
      await runner.stop();
      for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) expect((await register(email)).status).toBe(201);

      const lagging = await t.request('GET', '/ready', undefined, {}, { auth: false });
      expect(lagging.status).toBe(503);
      expect(lagging.json).toMatchObject({ status: 'error', error: { projections: { status: 'down', maxLagEvents: 2 } } });
      // Three registrations hold more than two events (customer and email claim streams).
      expect(lagging.json.error.projections.behind['customer-profile']).toMatchObject({ lagEvents: expect.any(Number), state: 'stopped' });
      expect(lagging.json.error.projections.behind['customer-profile'].lagEvents).toBeGreaterThan(2);
      expect(lagging.json.info).toMatchObject({ eventStore: { status: 'up' }, readStore: { status: 'up' } });

      await runner.start();
      await runner.catchUp();
      expect((await t.request('GET', '/ready', undefined, {}, { auth: false })).status).toBe(200);
    });
  });

  describe('GET /metrics', () => {
    /** Answers the queued statuses, then 200. */
    let receiver: http.Server;
    const answers: number[] = [];
    beforeEach(async () => {
      t = await startTestApp({ consistencyTimeoutMs: 300, webhookDispatcherEnabled: false });
      receiver = http.createServer((request, response) => {
        request.resume();
        request.on('end', () => response.writeHead(answers.shift() ?? 200).end());
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    });
    afterEach(async () => {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    });

    it('counts commands by type and outcome, times appends, and exposes projection and process metrics', async () => {
      const created = await register('ana@example.com');
      expect(created.status).toBe(201);
      expect((await register('ana@example.com')).status).toBe(422);
      const id = created.json.id as string;
      expect((await t.request('PATCH', `/customers/${id}/contact`, { phone: '+351 910 000 001' }, { 'If-Match': '"7"' })).status).toBe(409);
      await t.app.get(ProjectionRunner).catchUp();

      const response = await t.request('GET', '/metrics', undefined, {}, { auth: false });
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = String(response.body);
      expect(sample(text, 'relata_commands_total', { command: 'RegisterCustomer', outcome: 'accepted', code: '' })).toBe(1);
      expect(sample(text, 'relata_commands_total', { outcome: 'refused', code: 'EMAIL_ALREADY_IN_USE' })).toBe(1);
      // The decider's commands: registration claims the email first (ClaimEmail), then registers.
      expect(sample(text, 'relata_commands_total', { command: 'ClaimEmail', outcome: 'accepted', code: '' })).toBe(1);
      // The stale If-Match is refused by the handler before the command path: the HTTP histogram shows it.
      expect(
        sample(text, 'relata_http_request_duration_seconds_count', { method: 'PATCH', route: '/customers/:id/contact', status: '409' }),
      ).toBe(1);
      expect(sample(text, 'relata_http_request_duration_seconds_count', { method: 'POST', route: '/customers', status: '201' })).toBe(1);
      expect(sample(text, 'relata_event_store_append_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(2);
      expect(sample(text, 'relata_event_store_append_duration_seconds_bucket', { outcome: 'ok', le: '+Inf' })).toBeGreaterThanOrEqual(2);
      expect(sample(text, 'relata_events_appended_total')).toBe(await t.eventCount());
      // Group commit of the embedded store: every accepted append went through a commit.
      const commits = sample(text, 'relata_event_store_commits_total');
      const committedAppends = sample(text, 'relata_event_store_committed_appends_total');
      expect(commits).toBeGreaterThanOrEqual(1);
      expect(committedAppends).toBeGreaterThanOrEqual(commits!);
      expect(committedAppends).toBeGreaterThanOrEqual(sample(text, 'relata_event_store_append_duration_seconds_count', { outcome: 'ok' })!);
      expect(sample(text, 'relata_projection_lag_events', { projection: 'customer-profile' })).toBe(0);
      expect(sample(text, 'relata_projection_lag_seconds', { projection: 'customer-profile' })).toBe(0);
      expect(sample(text, 'relata_projection_parked_events', { projection: 'customer-profile' })).toBe(0);
      expect(sample(text, 'relata_projection_up', { projection: 'customer-profile' })).toBe(1);
      expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    });

    it('shows projection lag in events and seconds while the runner is held', async () => {
      const runner = t.app.get(ProjectionRunner);
      await runner.stop();
      expect((await register('ana@example.com')).status).toBe(201);
      t.clock.advance(90_000);
      const text = String((await t.request('GET', '/metrics', undefined, {}, { auth: false })).body);
      expect(sample(text, 'relata_projection_lag_events', { projection: 'customer-profile' })).toBeGreaterThan(0);
      expect(sample(text, 'relata_projection_lag_seconds', { projection: 'customer-profile' })).toBe(90);
      expect(sample(text, 'relata_projection_up', { projection: 'customer-profile' })).toBe(0);
    });

    it('counts webhook deliveries by outcome', async () => {
      answers.push(500);
      const department = await t.request('POST', '/departments', { name: 'Triage', supervisorId: null });
      expect(department.status).toBe(201);
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const hook = await t.request('POST', `/departments/${department.json.id}/webhooks`, {
        url,
        eventTypes: ['ComplaintRegistered'],
        scope: 'all',
      });
      expect(hook.status).toBe(201);
      const customer = await t.request('POST', '/customers', { name: 'Ana Lima', kind: 'customer' });
      const complaint = await t.request('POST', '/complaints', {
        customerId: customer.json.id,
        channel: 'phone',
        category: 'billing',
        description: 'Charged twice',
      });
      expect(complaint.status).toBe(201);

      const dispatch = async (): Promise<number> => {
        await t.app.get(ProjectionRunner).catchUp();
        return t.app.get(WebhookDispatcher).dispatchDue();
      };
      expect(await dispatch()).toBe(1);
      t.clock.advance(60_000);
      expect(await dispatch()).toBe(1);

      const text = String((await t.request('GET', '/metrics', undefined, {}, { auth: false })).body);
      expect(sample(text, 'relata_webhook_deliveries_total', { outcome: 'retrying' })).toBe(1);
      expect(sample(text, 'relata_webhook_deliveries_total', { outcome: 'delivered' })).toBe(1);
      expect(sample(text, 'relata_webhook_deliveries_total', { outcome: 'failed' })).toBeUndefined();
    });

    it('keeps each app its own registry', async () => {
      const other = await startTestApp();
      try {
        expect(other.app.get(RelataMetrics).registry).not.toBe(t.app.get(RelataMetrics).registry);
        expect((await register('ana@example.com')).status).toBe(201);
        const text = String((await other.request('GET', '/metrics', undefined, {}, { auth: false })).body);
        expect(sample(text, 'relata_commands_total', { command: 'RegisterCustomer' })).toBeUndefined();
      } finally {
        await other.close();
      }
    });
  });
});
