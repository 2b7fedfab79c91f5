import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { complaintStream } from '../../src/complaints/complaint.events';
import { WEBHOOK_SECRETS_COLLECTION } from '../../src/departments/webhook-secrets';
import { WebhookDispatcher } from '../../src/departments/webhook-dispatcher';
import { ManualClock } from '../../src/shared/clock';
import { SequentialIdGenerator } from '../../src/shared/ids';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { READ_STORE, type ReadStore } from '../../src/shared/read-store/read-store.port';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';
import { expectProblem, expectRefused } from '../support/http-spec';
import { WebhookReceiver as Receiver, webhookSignatureIsValid as signatureIsValid } from '../support/webhook-receiver';

describe('departments and webhooks over HTTP (embedded stores, real receiver)', () => {
  let t: TestApp;
  const receivers: Receiver[] = [];

  const receiver = async (): Promise<Receiver> => {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  };

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 300, webhookDispatcherEnabled: false });
  });
  afterEach(async () => {
    await t.close();
    await Promise.all(receivers.splice(0).map((r) => r.stop()));
  });

  const refused = (send: () => Promise<TestResponse>, status: number, code: string) => expectRefused(t, send, status, code);

  const createDepartment = async (name: string, supervisorId: string | null = null): Promise<string> => {
    const created = await t.request('POST', '/departments', { name, supervisorId });
    expect(created.status).toBe(201);
    return created.json.id as string;
  };

  const subscribe = async (departmentId: string, body: Record<string, unknown>): Promise<TestResponse> => {
    const response = await t.request('POST', `/departments/${departmentId}/webhooks`, body);
    expect(response.status).toBe(201);
    return response;
  };

  /** Complaint events through the complaints HTTP API; each helper returns the id of the event it caused. */
  const lastEventId = async (app: TestApp, complaintId: string): Promise<string> =>
    (await app.eventStore.readStream(complaintStream(complaintId), { direction: 'backwards', maxCount: 1 }))[0].id;
  const ok = (response: TestResponse, status: number): TestResponse => {
    expect({ status: response.status, body: response.body }).toEqual({ status, body: expect.anything() });
    return response;
  };
  const register = async (app: TestApp): Promise<{ complaintId: string; eventId: string }> => {
    const customer = ok(await app.request('POST', '/customers', { name: 'Ana Lima', kind: 'customer' }), 201);
    const complaint = ok(
      await app.request('POST', '/complaints', {
        customerId: customer.json.id,
        channel: 'phone',
        category: 'billing',
        description: 'Charged twice',
      }),
      201,
    );
    const complaintId = complaint.json.id as string;
    return { complaintId, eventId: await lastEventId(app, complaintId) };
  };
  const assign = async (app: TestApp, complaintId: string, department: string): Promise<string> => {
    ok(await app.request('POST', `/complaints/${complaintId}/assign`, { department }, { 'x-correlation-id': 'corr-1' }), 200);
    return lastEventId(app, complaintId);
  };
  const escalate = async (app: TestApp, complaintId: string): Promise<string> => {
    ok(await app.request('POST', `/complaints/${complaintId}/escalate`, { reason: 'customer called three times' }), 200);
    return lastEventId(app, complaintId);
  };

  /** Lets the projection take in everything appended, then runs one dispatcher pass. */
  const dispatch = async (app: TestApp = t): Promise<number> => {
    await app.app.get(ProjectionRunner).catchUp();
    return app.app.get(WebhookDispatcher).dispatchDue();
  };

  const deliveries = (app: TestApp, departmentId: string, webhookId: string, query = '') =>
    app.request('GET', `/departments/${departmentId}/webhooks/${webhookId}/deliveries${query}`);

  /** The webhook's delivery counts (pending, delivered, failed, cancelled), as the webhook's own resource reads them. */
  const deliveryCounts = async (departmentId: string, webhookId: string): Promise<unknown> =>
    (await t.request('GET', `/departments/${departmentId}/webhooks/${webhookId}`)).json.deliveries;

  /** Given Billing subscribed to every event at this URL, and a complaint assigned to Billing. */
  const billingWithAssignedComplaint = async (url: string): Promise<{ billing: string; sub: TestResponse; complaintId: string }> => {
    const billing = await createDepartment('Billing');
    const sub = await subscribe(billing, { url, eventTypes: ['*'] });
    const { complaintId } = await register(t);
    await assign(t, complaintId, billing);
    return { billing, sub, complaintId };
  };

  describe('departments', () => {
    it('creates, reads, lists and updates departments', async () => {
      const created = await t.request('POST', '/departments', { name: 'Billing', supervisorId: 'sup-1' });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({
        id: expect.any(String),
        revision: 0,
        position: expect.stringMatching(/^\d+$/),
        replayed: false,
      });
      expect(created.headers.location).toBe(`/departments/${created.json.id}`);
      await createDepartment('after-sales');

      const read = await t.request('GET', `/departments/${created.json.id}?minPosition=${created.json.position}`);
      expect(read.status).toBe(200);
      expect(read.headers.etag).toBe('"0"');
      expect(read.json).toEqual({
        id: created.json.id,
        name: 'Billing',
        supervisorId: 'sup-1',
        activeWebhooks: 0,
        createdAt: '2026-03-10T12:00:00.000Z',
        updatedAt: '2026-03-10T12:00:00.000Z',
        revision: 0,
      });

      const updated = await t.request('PATCH', `/departments/${created.json.id}`, { name: 'Billing & Refunds', supervisorId: null });
      expect(updated.status).toBe(200);
      expect(updated.json.revision).toBe(1);
      const list = await t.request('GET', `/departments?minPosition=${updated.json.position}`);
      expect(list.json.items.map((d: { name: string }) => d.name)).toEqual(['after-sales', 'Billing & Refunds']);
      expect(list.json.items[1]).toMatchObject({ supervisorId: null, revision: 1 });

      // Nothing changes, nothing is recorded.
      const before = await t.eventCount();
      const same = await t.request('PATCH', `/departments/${created.json.id}`, { name: 'Billing & Refunds' });
      expect(same.status).toBe(200);
      expect(same.json.revision).toBe(1);
      expect(await t.eventCount()).toBe(before);
    });

    it('refuses bad input and unknown departments, appending nothing', async () => {
      const id = await createDepartment('Billing');
      const unknown = 'd0000000-0000-4000-8000-00000000ffff';
      await refused(() => t.request('POST', '/departments', { supervisorId: 'sup-1' }), 400, 'VALIDATION_FAILED');
      await refused(() => t.request('POST', '/departments', { name: 'X', colour: 'red' }), 400, 'VALIDATION_FAILED');
      await refused(() => t.request('PATCH', `/departments/${id}`, {}), 400, 'VALIDATION_FAILED');
      await refused(() => t.request('PATCH', `/departments/${id}`, { name: '' }), 400, 'VALIDATION_FAILED');
      await refused(() => t.request('PATCH', '/departments/not-a-uuid', { name: 'X' }), 400, 'VALIDATION_FAILED');
      await refused(() => t.request('PATCH', `/departments/${unknown}`, { name: 'X' }), 404, 'DEPARTMENT_NOT_FOUND');
      expectProblem(await t.request('GET', `/departments/${unknown}`), 404, 'DEPARTMENT_NOT_FOUND');
      expectProblem(await t.request('GET', `/departments/${unknown}/webhooks`), 404, 'DEPARTMENT_NOT_FOUND');
    });
  });

  describe('webhook subscriptions', () => {
    it('shows a generated secret once, and never on GET routes or in the event log', async () => {
      const billing = await createDepartment('Billing');
      const hook = await subscribe(billing, {
        url: 'https://hooks.example.com/relata',
        eventTypes: ['ComplaintAssigned', 'EscalationRaised'],
      });
      expect(hook.json).toMatchObject({
        id: expect.any(String),
        departmentId: billing,
        eventTypes: ['ComplaintAssigned', 'EscalationRaised'],
        scope: 'assigned',
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
      });
      expect(hook.headers.location).toBe(`/departments/${billing}/webhooks/${hook.json.id}`);
      expect(hook.headers['cache-control']).toBe('no-store');
      const secret = hook.json.secret as string;

      const own = await subscribe(billing, {
        url: 'http://127.0.0.7:8080/in',
        eventTypes: ['*', 'ComplaintAssigned'],
        secret: 'a-secret-of-my-own-choosing',
        scope: 'all',
      });
      expect(own.json.secret).toBeUndefined();
      expect(own.json.eventTypes).toEqual(['*']);

      const list = await t.request('GET', `/departments/${billing}/webhooks?minPosition=${own.json.position}`);
      expect(list.json.items).toEqual([
        expect.objectContaining({
          id: hook.json.id,
          url: 'https://hooks.example.com/relata',
          active: true,
          secretSource: 'generated',
          deliveries: { pending: 0, delivered: 0, failed: 0, cancelled: 0 },
        }),
        expect.objectContaining({ id: own.json.id, scope: 'all', secretSource: 'provided' }),
      ]);
      const single = await t.request('GET', `/departments/${billing}/webhooks/${hook.json.id}`);
      expect((await t.request('GET', `/departments/${billing}`)).json.activeWebhooks).toBe(2);
      const events = JSON.stringify(await t.eventStore.readAll(), (_, value: unknown) =>
        typeof value === 'bigint' ? value.toString() : value,
      );
      for (const text of [JSON.stringify(list.json), JSON.stringify(single.json), events]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain('a-secret-of-my-own-choosing');
      }
    });

    it('a retried subscribe (same Idempotency-Key) lands on the same webhook and secret', async () => {
      const billing = await createDepartment('Billing');
      const body = { url: 'https://hooks.example.com/relata', eventTypes: ['*'] };
      const first = await subscribe(billing, body);
      const before = await t.eventCount();
      const headers = { 'idempotency-key': 'subscribe-1' };
      const keyed = await t.request('POST', `/departments/${billing}/webhooks`, { ...body, url: 'https://other.example.com/' }, headers);
      const again = await t.request('POST', `/departments/${billing}/webhooks`, { ...body, url: 'https://other.example.com/' }, headers);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json).toMatchObject({ id: keyed.json.id, secret: keyed.json.secret, replayed: true });
      expect(keyed.json.id).not.toBe(first.json.id);
      expect(await t.eventCount()).toBe(before + 1);
    });

    it('refuses bad URLs and event types (400), unknown departments (404) and duplicates (422), appending nothing', async () => {
      const billing = await createDepartment('Billing');
      const unknown = 'd0000000-0000-4000-8000-00000000ffff';
      const post =
        (body: Record<string, unknown>, department = billing) =>
        () =>
          t.request('POST', `/departments/${department}/webhooks`, body);
      const valid = { url: 'https://hooks.example.com/relata', eventTypes: ['ComplaintAssigned'] };

      for (const url of [
        'ftp://hooks.example.com/x',
        'hooks.example.com/x',
        'https://user:pw@hooks.example.com/x',
        'javascript:alert(1)',
        '',
      ]) {
        const response = await refused(post({ ...valid, url }), 400, 'VALIDATION_FAILED');
        expect(response.json.errors).toEqual([expect.objectContaining({ field: 'url' })]);
      }
      await refused(post({ ...valid, eventTypes: ['NoSuchEvent'] }), 400, 'VALIDATION_FAILED');
      await refused(post({ ...valid, eventTypes: [] }), 400, 'VALIDATION_FAILED');
      await refused(post({ ...valid, scope: 'everything' }), 400, 'VALIDATION_FAILED');
      await refused(post({ ...valid, secret: 'short' }), 400, 'VALIDATION_FAILED');
      await refused(post(valid, unknown), 404, 'DEPARTMENT_NOT_FOUND');
      await subscribe(billing, valid);
      await refused(post(valid), 422, 'WEBHOOK_URL_ALREADY_SUBSCRIBED');
      // A refused subscription leaves no secret behind either.
      expect(await t.app.get<ReadStore>(READ_STORE).collection(WEBHOOK_SECRETS_COLLECTION).count()).toBe(1);
    });

    it('unsubscribes: the webhook leaves the list, its secret is erased, a second DELETE is a 404', async () => {
      const billing = await createDepartment('Billing');
      const hook = await subscribe(billing, { url: 'https://hooks.example.com/relata', eventTypes: ['*'] });
      const removed = await t.request('DELETE', `/departments/${billing}/webhooks/${hook.json.id}`);
      expect(removed.status).toBe(200);
      expect(removed.json).toMatchObject({ id: hook.json.id, revision: 2 });
      expect((await t.request('GET', `/departments/${billing}/webhooks?minPosition=${removed.json.position}`)).json.items).toEqual([]);
      expect((await t.request('GET', `/departments/${billing}/webhooks/${hook.json.id}`)).json).toMatchObject({
        active: false,
        unsubscribedAt: expect.any(String),
      });
      expect(await t.app.get<ReadStore>(READ_STORE).collection(WEBHOOK_SECRETS_COLLECTION).get(hook.json.id)).toBeNull();

      await refused(() => t.request('DELETE', `/departments/${billing}/webhooks/${hook.json.id}`), 404, 'WEBHOOK_NOT_FOUND');
      await refused(
        () => t.request('DELETE', `/departments/d0000000-0000-4000-8000-00000000ffff/webhooks/${hook.json.id}`),
        404,
        'DEPARTMENT_NOT_FOUND',
      );
      const other = await createDepartment('Sales');
      await t.app.get(ProjectionRunner).catchUp();
      expectProblem(await deliveries(t, other, hook.json.id), 404, 'WEBHOOK_NOT_FOUND');
    });
  });

  describe('delivery', () => {
    it('sends signed events of the complaints a department holds, and new complaints to scope "all"', async () => {
      const [billingHook, salesHook, triageHook] = [await receiver(), await receiver(), await receiver()];
      const billing = await createDepartment('Billing', 'sup-billing');
      const sales = await createDepartment('Sales');
      const triage = await createDepartment('Triage');
      const b = await subscribe(billing, { url: billingHook.url, eventTypes: ['*'] });
      await subscribe(sales, { url: salesHook.url, eventTypes: ['ComplaintAssigned', 'EscalationRaised'] });
      await subscribe(triage, { url: triageHook.url, eventTypes: ['ComplaintRegistered'], scope: 'all' });

      const { complaintId, eventId: registered } = await register(t);
      expect(await dispatch()).toBe(1);
      expect(triageHook.types()).toEqual(['ComplaintRegistered']);
      expect(billingHook.received).toEqual([]);

      const assigned = await assign(t, complaintId, billing);
      const escalated = await escalate(t, complaintId);
      await assign(t, complaintId, sales);
      await escalate(t, complaintId);
      expect(await dispatch()).toBe(5);
      // Billing held it for an assignment and an escalation, and hears that it moved on; Sales takes it from there.
      expect(billingHook.types().sort()).toEqual(['ComplaintAssigned', 'ComplaintAssigned', 'EscalationRaised']);
      expect(salesHook.types().sort()).toEqual(['ComplaintAssigned', 'EscalationRaised']);
      expect(triageHook.types()).toEqual(['ComplaintRegistered']);
      expect(await dispatch()).toBe(0);

      const first = billingHook.received.find((r) => r.headers['webhook-id'] === assigned)!;
      expect(signatureIsValid(first, b.json.secret as string)).toBe(true);
      expect(signatureIsValid(first, 'whsec_not-the-secret')).toBe(false);
      expect(first.headers['content-type']).toBe('application/json');
      expect(first.headers['webhook-timestamp']).toBe(String(Date.parse('2026-03-10T12:00:00.000Z') / 1000));
      expect(JSON.parse(first.body)).toEqual({
        id: assigned,
        type: 'ComplaintAssigned',
        streamName: complaintStream(complaintId),
        position: expect.stringMatching(/^\d+$/),
        occurredAt: '2026-03-10T12:00:00.000Z',
        data: expect.objectContaining({ complaintId, department: billing, previousDepartment: null }),
        metadata: { correlationId: 'corr-1', causationId: expect.any(String), recordedAt: '2026-03-10T12:00:00.000Z', schemaVersion: 1 },
      });
      expect(JSON.parse(billingHook.received.find((r) => r.headers['webhook-id'] === escalated)!.body).data).toMatchObject({
        notify: 'sup-billing',
      });
      expect(registered).not.toBe(assigned);

      const log = await deliveries(t, billing, b.json.id);
      expect(log.json.items).toHaveLength(3);
      expect(log.json.items[0]).toEqual({
        deliveryId: expect.any(String),
        eventId: expect.any(String),
        eventType: expect.any(String),
        attempt: 1,
        outcome: 'delivered',
        statusCode: 200,
        error: null,
        durationMs: expect.any(Number),
        at: '2026-03-10T12:00:00.000Z',
        nextAttemptAt: null,
      });
      const byEvent = await deliveries(t, billing, b.json.id, `?eventId=${escalated}`);
      expect(byEvent.json.items.map((i: { eventType: string }) => i.eventType)).toEqual(['EscalationRaised']);
      const paged = await deliveries(t, billing, b.json.id, '?limit=2');
      expect(paged.json.items).toHaveLength(2);
      expect(paged.json.nextCursor).toEqual(expect.any(String));
    });

    it('retries a failing receiver after the backoff, and logs every attempt', async () => {
      const hook = await receiver();
      hook.answer(500);
      const billing = await createDepartment('Billing');
      const sub = await subscribe(billing, { url: hook.url, eventTypes: ['ComplaintAssigned'] });
      const { complaintId } = await register(t);
      const assigned = await assign(t, complaintId, billing);

      expect(await dispatch()).toBe(1);
      const afterFirst = await deliveries(t, billing, sub.json.id);
      expect(afterFirst.json.items).toEqual([
        expect.objectContaining({
          eventId: assigned,
          attempt: 1,
          outcome: 'retrying',
          statusCode: 500,
          error: 'HTTP 500',
          at: '2026-03-10T12:00:00.000Z',
        }),
      ]);
      const nextAttemptAt = afterFirst.json.items[0].nextAttemptAt as string;
      const delay = Date.parse(nextAttemptAt) - t.clock.now().getTime();
      expect(delay).toBeGreaterThanOrEqual(1000);
      expect(delay).toBeLessThanOrEqual(1200);

      // Not due yet.
      t.clock.advance(delay - 1);
      expect(await dispatch()).toBe(0);
      t.clock.set(nextAttemptAt);
      expect(await dispatch()).toBe(1);

      const log = await deliveries(t, billing, sub.json.id);
      expect(log.json.items).toEqual([
        expect.objectContaining({
          eventId: assigned,
          attempt: 2,
          outcome: 'delivered',
          statusCode: 200,
          error: null,
          at: nextAttemptAt,
          nextAttemptAt: null,
        }),
        expect.objectContaining({ eventId: assigned, attempt: 1, outcome: 'retrying', statusCode: 500 }),
      ]);
      expect(hook.received.map((r) => [r.headers['webhook-id'], r.answered])).toEqual([
        [assigned, 500],
        [assigned, 200],
      ]);
      expect(hook.received.every((r) => signatureIsValid(r, sub.json.secret as string))).toBe(true);
      expect(await deliveryCounts(billing, sub.json.id)).toEqual({
        pending: 0,
        delivered: 1,
        failed: 0,
        cancelled: 0,
      });
    });

    it('gives up after the last attempt on an unreachable receiver, with the error in the log', async () => {
      const gone = await new Receiver().start();
      await gone.stop();
      const { billing, sub } = await billingWithAssignedComplaint(gone.url);

      let attempts = 0;
      for (let pass = 0; pass < 20; pass++) {
        attempts += await dispatch();
        t.clock.advance(2 * 3_600_000);
      }
      expect(attempts).toBe(15);
      const log = await deliveries(t, billing, sub.json.id, '?limit=1');
      expect(log.json.items[0]).toMatchObject({
        attempt: 15,
        outcome: 'failed',
        statusCode: null,
        error: 'the receiver could not be reached (no connection, or no answer in time)',
        nextAttemptAt: null,
      });
      expect(await deliveryCounts(billing, sub.json.id)).toMatchObject({
        pending: 0,
        failed: 1,
      });
    });

    it('cancels pending deliveries of an unsubscribed webhook', async () => {
      const hook = await receiver();
      hook.answer(503);
      const { billing, sub, complaintId } = await billingWithAssignedComplaint(hook.url);
      expect(await dispatch()).toBe(1);
      const removed = await t.request('DELETE', `/departments/${billing}/webhooks/${sub.json.id}`);
      expect(removed.status).toBe(200);
      await escalate(t, complaintId);

      t.clock.advance(3_600_000);
      expect(await dispatch()).toBe(0);
      expect(hook.received).toHaveLength(1);
      expect(await deliveryCounts(billing, sub.json.id)).toEqual({
        pending: 0,
        delivered: 0,
        failed: 0,
        cancelled: 1,
      });
    });
  });

  it('with RELATA_WEBHOOKS on, the timer sends deliveries by itself', async () => {
    const hook = await receiver();
    const timed = await startTestApp({ webhookDispatcherEnabled: true });
    try {
      const billing = (await timed.request('POST', '/departments', { name: 'Billing' })).json.id as string;
      ok(await timed.request('POST', `/departments/${billing}/webhooks`, { url: hook.url, eventTypes: ['ComplaintAssigned'] }), 201);
      const { complaintId } = await register(timed);
      const assigned = await assign(timed, complaintId, billing);
      // The timer polls every second: wait for it, bounded.
      const deadline = Date.now() + 10_000;
      while (hook.received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([assigned]);
    } finally {
      await timed.close();
    }
  });

  describe('across a restart', () => {
    let dataDir: string;
    beforeEach(() => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-webhooks-restart-'));
    });
    afterEach(() => {
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('delivers what was pending before the restart, exactly once per event id', async () => {
      const hook = await receiver();
      hook.answer(503);
      const clock = new ManualClock('2026-03-10T12:00:00.000Z');
      const before = await startTestApp({ webhookDispatcherEnabled: false }, { dataDir, clock });
      let billing: string;
      let sub: TestResponse;
      let assigned: string;
      let escalated: string;
      try {
        billing = (await before.request('POST', '/departments', { name: 'Billing' })).json.id as string;
        sub = await before.request('POST', `/departments/${billing}/webhooks`, { url: hook.url, eventTypes: ['*'] });
        const { complaintId } = await register(before);
        assigned = await assign(before, complaintId, billing);
        // One delivery failed once and waits for its retry...
        expect(await dispatch(before)).toBe(1);
        // ...another is in the outbox, not yet taken over by the dispatcher.
        escalated = await escalate(before, complaintId);
        await before.app.get(ProjectionRunner).catchUp();
      } finally {
        await before.close();
      }
      expect(fs.existsSync(dataDir)).toBe(true);

      clock.advance(60_000);
      const after = await startTestApp(
        { webhookDispatcherEnabled: false },
        { dataDir, clock, ids: new SequentialIdGenerator('00000000-0000-4000-8001-') },
      );
      try {
        expect(await dispatch(after)).toBe(2);
        expect(await dispatch(after)).toBe(0);
        expect(hook.acceptedIds()).toEqual(
          new Map([
            [assigned, 1],
            [escalated, 1],
          ]),
        );
        expect(hook.received.every((r) => signatureIsValid(r, sub.json.secret as string))).toBe(true);
        const log = await deliveries(after, billing, sub.json.id as string, `?eventId=${assigned}`);
        expect(log.json.items.map((i: { attempt: number; outcome: string }) => [i.attempt, i.outcome])).toEqual([
          [2, 'delivered'],
          [1, 'retrying'],
        ]);
      } finally {
        await after.close();
      }
    });
  });
});
