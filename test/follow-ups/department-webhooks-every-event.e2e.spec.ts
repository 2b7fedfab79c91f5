import { customerSegmentsDecider, customerSegmentsStream } from '../../src/analytics/segmentation.events';
import { WebhookDispatcher } from '../../src/departments/webhook-dispatcher';
import { CommandProcessor } from '../../src/shared/decider/command-processor';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { startTestApp, type TestApp } from '../support/test-app';
import { WebhookReceiver, webhookSignatureIsValid } from '../support/webhook-receiver';
import { ok } from './follow-up-steps';

const TUESDAY_10 = '2026-03-17T10:00:00.000Z';

describe('department webhooks for customer and follow-up events (real receiver)', () => {
  let t: TestApp;
  const receivers: WebhookReceiver[] = [];

  const receiver = async (): Promise<WebhookReceiver> => {
    const r = await new WebhookReceiver().start();
    receivers.push(r);
    return r;
  };

  beforeEach(async () => {
    t = await startTestApp({ webhookDispatcherEnabled: false });
  });
  afterEach(async () => {
    await t.close();
    await Promise.all(receivers.splice(0).map((r) => r.stop()));
  });

  /** Lets the projection take in everything appended, then runs one dispatcher pass. */
  const dispatch = async (): Promise<number> => {
    await t.app.get(ProjectionRunner).catchUp();
    return t.app.get(WebhookDispatcher).dispatchDue();
  };
  const department = async (name: string): Promise<string> => (await ok(t, '/departments', { name })).id;
  const subscribe = async (departmentId: string, body: Record<string, unknown>): Promise<Record<string, any>> => {
    const response = await t.request('POST', `/departments/${departmentId}/webhooks`, body);
    expect(response.status === 201 ? 'ok' : JSON.stringify(response.json)).toBe('ok');
    return response.json;
  };
  const registerCustomer = async (name: string): Promise<string> =>
    (await ok(t, '/customers', { name, kind: 'customer', acquisitionChannel: 'web' })).id;
  const purchase = (customerId: string) =>
    ok(t, `/customers/${customerId}/purchases`, { lines: [{ product: 'CD', quantity: 1, amount: 10 }], margin: 2 });
  const deliveries = (departmentId: string, webhookId: string) =>
    t.request('GET', `/departments/${departmentId}/webhooks/${webhookId}/deliveries`);

  it('delivers a customer event signed, and retries it after the backoff like a complaint event', async () => {
    const hook = await receiver();
    hook.answer(500);
    const sales = await department('Sales');
    const sub = await subscribe(sales, { url: hook.url, eventTypes: ['CustomerRegistered'], scope: 'all' });
    expect(sub).toMatchObject({ eventTypes: ['CustomerRegistered'], scope: 'all', filter: null });
    const customerId = await registerCustomer('Ana Lima');

    expect(await dispatch()).toBe(1);
    const first = (await deliveries(sales, sub.id)).json.items;
    expect(first).toEqual([expect.objectContaining({ eventType: 'CustomerRegistered', attempt: 1, outcome: 'retrying', statusCode: 500 })]);
    const nextAttemptAt = first[0].nextAttemptAt as string;
    t.clock.set(new Date(Date.parse(nextAttemptAt) - 1).toISOString());
    expect(await dispatch()).toBe(0);
    t.clock.set(nextAttemptAt);
    expect(await dispatch()).toBe(1);

    expect((await deliveries(sales, sub.id)).json.items).toEqual([
      expect.objectContaining({ attempt: 2, outcome: 'delivered', statusCode: 200, at: nextAttemptAt }),
      expect.objectContaining({ attempt: 1, outcome: 'retrying' }),
    ]);
    expect(hook.received.map((r) => r.answered)).toEqual([500, 200]);
    expect(hook.received.every((r) => webhookSignatureIsValid(r, sub.secret as string))).toBe(true);
    expect(webhookSignatureIsValid(hook.received[1], 'whsec_not-the-secret')).toBe(false);
    // Every attempt sends the same body and id: receivers de-duplicate on Webhook-Id.
    expect(hook.received[0].body).toBe(hook.received[1].body);
    expect(JSON.parse(hook.received[1].body)).toMatchObject({
      type: 'CustomerRegistered',
      streamName: `customer-${customerId}`,
      data: expect.objectContaining({ customerId, name: 'Ana Lima' }),
    });
  });

  it("scopes customer events by the customer's owner and follow-up events by department and owner", async () => {
    const [anaHook, retentionHook, salesHook] = [await receiver(), await receiver(), await receiver()];
    const retention = await department('Retention');
    const sales = await department('Sales');
    await subscribe(sales, {
      url: anaHook.url,
      eventTypes: ['PurchaseRecorded', 'FollowUpCreated'],
      scope: 'all',
      filter: { owner: 'agent-ana' },
    });
    await subscribe(retention, { url: retentionHook.url, eventTypes: ['FollowUpCreated', 'FollowUpCompleted'] });
    await subscribe(sales, { url: salesHook.url, eventTypes: ['FollowUpCreated'] });

    const owned = await registerCustomer('Ana Client');
    const other = await registerCustomer('Other Client');
    await ok(t, `/customers/${owned}/owner`, { owner: 'agent-ana' });
    await purchase(owned);
    await purchase(other);
    const inRetention = await ok(t, '/follow-ups', {
      customerId: other,
      owner: 'agent-bo',
      department: retention,
      title: 'Win back',
      dueAt: TUESDAY_10,
    });
    await ok(t, '/follow-ups', { customerId: other, owner: 'agent-ana', title: 'Call', dueAt: TUESDAY_10 });
    await ok(t, `/follow-ups/${inRetention.id}/complete`, {});
    await dispatch();

    // Deliveries go out concurrently: compared in any order.
    const seen = anaHook.received.map((r) => JSON.parse(r.body) as { type: string; data: { customerId: string; owner?: string } });
    expect(seen.map((b) => [b.type, b.data.customerId, b.data.owner ?? null]).sort()).toEqual([
      ['FollowUpCreated', other, 'agent-ana'],
      ['PurchaseRecorded', owned, null],
    ]);
    expect(retentionHook.types().sort()).toEqual(['FollowUpCompleted', 'FollowUpCreated']);
    expect(salesHook.received).toEqual([]);
  });

  it('scopes by segment: segment changes by the segment entered, customer events by the current segment', async () => {
    const hook = await receiver();
    const retention = await department('Retention');
    await subscribe(retention, {
      url: hook.url,
      eventTypes: ['CustomerSegmentChanged', 'PurchaseRecorded'],
      scope: 'all',
      filter: { segment: 'rfm:at-risk' },
    });
    const atRisk = await registerCustomer('At Risk');
    const loyal = await registerCustomer('Loyal');
    /** Places the customer in an RFM segment as a segmentation run would. */
    const place = (customerId: string, segment: string, at: string) =>
      t.app.get(CommandProcessor).handle({
        decider: customerSegmentsDecider,
        streamName: customerSegmentsStream(customerId),
        command: { type: 'AssignSegments', data: { customerId, runId: at, at, assignments: [{ scheme: 'rfm', segment, scores: null }] } },
        context: { actor: 'test', correlationId: 'seg', commandId: '' },
      });
    await place(atRisk, 'at-risk', '2026-03-01T00:00:00.000Z');
    await place(loyal, 'loyal', '2026-03-01T00:00:00.000Z');
    await purchase(atRisk);
    await purchase(loyal);
    // Leaves the segment: the change is about the segment entered (loyal), so it is not sent; neither is the purchase after.
    await place(atRisk, 'loyal', '2026-03-08T00:00:00.000Z');
    await purchase(atRisk);
    await dispatch();

    const seen = hook.received.map(
      (r) => JSON.parse(r.body) as { type: string; position: string; data: { customerId: string; to?: string } },
    );
    seen.sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1));
    expect(seen.map((b) => [b.type, b.data.customerId, b.data.to ?? null])).toEqual([
      ['CustomerSegmentChanged', atRisk, 'at-risk'],
      ['PurchaseRecorded', atRisk, null],
    ]);
  });

  it('refuses unknown event types and bad filters, appending nothing', async () => {
    const sales = await department('Sales');
    const before = await t.eventCount();
    for (const body of [
      { url: 'https://hooks.example.com/a', eventTypes: ['CustomerTeleported'] },
      { url: 'https://hooks.example.com/a', eventTypes: ['PurchaseRecorded'], filter: { department: 'not-a-uuid' } },
      { url: 'https://hooks.example.com/a', eventTypes: ['PurchaseRecorded'], filter: { owner: '' } },
    ]) {
      const response = await t.request('POST', `/departments/${sales}/webhooks`, body);
      expect({ status: response.status, code: response.json.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    }
    expect(await t.eventCount()).toBe(before);
  });

  it("erases the forgotten customer's personal data from pending customer deliveries", async () => {
    const hook = await receiver();
    hook.answer(500);
    const sales = await department('Sales');
    await subscribe(sales, { url: hook.url, eventTypes: ['CustomerRegistered'], scope: 'all' });
    const customerId = await registerCustomer('Ana Lima');
    expect(await dispatch()).toBe(1);
    expect((await t.request('POST', `/customers/${customerId}/forget`, undefined, { authorization: `Bearer ${t.adminKey}` })).status).toBe(
      200,
    );
    t.clock.advance(60 * 60 * 1000);
    expect(await dispatch()).toBe(1);
    expect(hook.received.map((r) => r.answered)).toEqual([500, 200]);
    const retried = JSON.parse(hook.received[1].body);
    expect(retried.data).toMatchObject({ customerId, name: '[erased]' });
    expect(hook.received[1].body).not.toContain('Ana Lima');
  });
});
