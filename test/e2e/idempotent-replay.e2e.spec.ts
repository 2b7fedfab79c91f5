import type { RecordedEvent } from '../../src/shared/event-store/event-store.port';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';

/**
 * Idempotency-Key over HTTP for commands that append to two streams (a registration with an email
 * claims it in its own stream) or several events to one (a prospect's first purchase converts them):
 * the first answer is not marked replayed, a retry answers the same with Idempotent-Replayed: true,
 * and every event is where the first answer said, once.
 */
describe('idempotent replay over HTTP', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const eventsSince = async (count: number): Promise<RecordedEvent[]> => (await t.eventStore.readAll()).slice(count);
  const replayHeader = (response: TestResponse) => response.headers['idempotent-replayed'];

  it('a registration that claims an email: two streams on the first call, the same answer and nothing new on the retry', async () => {
    const body = { name: 'Ana Lima', email: 'ana@example.com', kind: 'prospect', acquisitionChannel: 'web' };
    const before = await t.eventCount();
    const first = await t.request('POST', '/customers', body, { 'Idempotency-Key': 'reg-1' });
    expect(first.status).toBe(201);
    expect(replayHeader(first)).toBeUndefined();
    expect(first.json.replayed).toBe(false);

    const appended = await eventsSince(before);
    const customerStream = `customer-${first.json.id}`;
    expect(appended.map((e) => [e.streamName.startsWith('customer-email-') ? 'email claim' : e.streamName, e.type])).toEqual([
      ['email claim', 'EmailClaimed'],
      [customerStream, 'CustomerRegistered'],
    ]);
    expect(new Set(appended.map((e) => e.id)).size).toBe(2);
    const registered = appended[1];
    expect(first.json).toMatchObject({ id: first.json.id, revision: 0, position: registered.position.toString() });
    expect(first.headers.etag).toBe('"0"');

    const retry = await t.request('POST', '/customers', body, { 'Idempotency-Key': 'reg-1' });
    expect(retry.status).toBe(201);
    expect(replayHeader(retry)).toBe('true');
    expect(retry.headers.etag).toBe('"0"');
    expect(retry.json).toEqual({ ...first.json, replayed: true });
    expect(await eventsSince(before)).toEqual(appended);
  });

  it("a prospect's first purchase appends two events; the retry answers with the last one's position", async () => {
    const id = (await t.request('POST', '/customers', { name: 'Bruno Reis', kind: 'prospect', acquisitionChannel: 'web' })).json
      .id as string;
    const before = await t.eventCount();
    const body = { lines: [{ product: 'CD', quantity: 1, amount: 12 }], occurredAt: '2026-03-09T10:00:00.000Z' };
    const first = await t.request('POST', `/customers/${id}/purchases`, body, { 'Idempotency-Key': 'buy-1' });
    expect(first.status).toBe(201);
    expect(replayHeader(first)).toBeUndefined();

    const appended = await eventsSince(before);
    expect(appended.map((e) => [e.streamName, e.revision, e.type])).toEqual([
      [`customer-${id}`, 1n, 'ProspectConverted'],
      [`customer-${id}`, 2n, 'PurchaseRecorded'],
    ]);
    expect(first.json).toMatchObject({ revision: 2, position: appended[1].position.toString(), replayed: false });
    expect(first.headers.etag).toBe('"2"');

    const retry = await t.request('POST', `/customers/${id}/purchases`, body, { 'Idempotency-Key': 'buy-1' });
    expect(retry.status).toBe(201);
    expect(replayHeader(retry)).toBe('true');
    expect(retry.headers.etag).toBe('"2"');
    expect(retry.json).toEqual({ ...first.json, replayed: true });
    expect(await eventsSince(before)).toEqual(appended);
  });

  it('one key used on two customers is two requests: both are carried out, with distinct event ids', async () => {
    const ids: string[] = [];
    for (const name of ['Carla Dias', 'Duarte Silva'])
      ids.push((await t.request('POST', '/customers', { name, kind: 'customer' })).json.id as string);
    const before = await t.eventCount();
    const note = { channel: 'chat', direction: 'inbound', summary: 'hello', agent: 'bot' };
    const answers = [];
    for (const id of ids) answers.push(await t.request('POST', `/customers/${id}/interactions`, note, { 'Idempotency-Key': 'same-key' }));
    expect(answers.map((a) => [a.status, replayHeader(a), a.json.replayed])).toEqual([
      [201, undefined, false],
      [201, undefined, false],
    ]);
    const appended = await eventsSince(before);
    expect(appended.map((e) => e.streamName)).toEqual(ids.map((id) => `customer-${id}`));
    expect(new Set((await t.eventStore.readAll()).map((e) => e.id)).size).toBe(await t.eventCount());
  });

  it('commands without a key, and refused ones, are never marked replayed', async () => {
    const plain = await t.request('POST', '/customers', { name: 'Eva Lima', kind: 'customer' });
    expect(plain.status).toBe(201);
    expect(replayHeader(plain)).toBeUndefined();
    const refused = await t.request('POST', '/customers', { name: '', kind: 'customer' }, { 'Idempotency-Key': 'bad-1' });
    expect(refused.status).toBe(400);
    expect(replayHeader(refused)).toBeUndefined();
  });
});
