import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';

/**
 * An Idempotency-Key is bound to the principal that used it and to its request (method, path,
 * body): the same request again replays the first outcome; anything else with the same key is a
 * 422 IDEMPOTENCY_KEY_REUSED that appends nothing.
 */
describe('Idempotency-Key bound to principal and request (HTTP)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  async function reused(send: () => Promise<TestResponse>): Promise<void> {
    const before = await t.eventCount();
    const response = await send();
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await t.eventCount()).toBe(before);
  }

  const purchase = (customerId: string, amount: number, key: string, auth?: string) =>
    t.request(
      'POST',
      `/customers/${customerId}/purchases`,
      { lines: [{ product: 'Plan', quantity: 1, amount }] },
      { 'Idempotency-Key': key },
      auth ? { auth } : {},
    );

  it('replays the same purchase, and refuses the key with another amount instead of dropping it', async () => {
    const ana = (await t.request('POST', '/customers', { name: 'Ana' })).json.id as string;
    const first = await purchase(ana, 10, 'purchase-1');
    expect(first.status).toBe(201);
    const retry = await purchase(ana, 10, 'purchase-1');
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json).toEqual({ ...first.json, replayed: true });
    await reused(() => purchase(ana, 999, 'purchase-1'));
    // The same body in another key order is the same request.
    const reordered = await t.request(
      'POST',
      `/customers/${ana}/purchases`,
      { lines: [{ amount: 10, quantity: 1, product: 'Plan' }] },
      { 'Idempotency-Key': 'purchase-1' },
    );
    expect(reordered.headers['idempotent-replayed']).toBe('true');
  });

  it("refuses another principal's key instead of handing it the first principal's customer id", async () => {
    const agent = t.jwt({ sub: 'agent-1', roles: ['agent'] });
    const supervisor = t.jwt({ sub: 'sup-1', roles: ['supervisor'] });
    const body = { name: 'Ana', email: 'ana@example.com' };
    const first = await t.request('POST', '/customers', body, { 'Idempotency-Key': 'register-ana' }, { auth: agent });
    expect(first.status).toBe(201);
    await reused(() => t.request('POST', '/customers', body, { 'Idempotency-Key': 'register-ana' }, { auth: supervisor }));
    const retry = await t.request('POST', '/customers', body, { 'Idempotency-Key': 'register-ana' }, { auth: agent });
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json.id).toBe(first.json.id);
  });

  it('refuses the key with another registration body', async () => {
    const created = await t.request('POST', '/customers', { name: 'Ana' }, { 'Idempotency-Key': 'k-1' });
    expect(created.status).toBe(201);
    await reused(() => t.request('POST', '/customers', { name: 'Bea' }, { 'Idempotency-Key': 'k-1' }));
  });

  describe('POST /admin/keys', () => {
    const create = (body: Record<string, unknown>, key: string, auth: string = t.adminKey) =>
      t.request('POST', '/admin/keys', body, { 'Idempotency-Key': key }, { auth });

    it('creates one key per Idempotency-Key: a retry answers its view, replayed, without the secret', async () => {
      const first = await create({ name: 'reporting', roles: ['analyst'] }, 'key-1');
      expect(first.status).toBe(201);
      expect(first.json.key).toMatch(/^rk_/);
      const countBefore = (await t.request('GET', '/admin/keys', undefined, {}, { auth: t.adminKey })).json.items.length;
      const retry = await create({ name: 'reporting', roles: ['analyst'] }, 'key-1');
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json.id).toBe(first.json.id);
      expect(retry.json.key).toBeUndefined();
      expect((await t.request('GET', '/admin/keys', undefined, {}, { auth: t.adminKey })).json.items).toHaveLength(countBefore);
    });

    it('refuses the key with another body or from another admin', async () => {
      expect((await create({ name: 'reporting', roles: ['analyst'] }, 'key-2')).status).toBe(201);
      await reused(() => create({ name: 'reporting', roles: ['admin'] }, 'key-2'));
      const otherAdmin = t.jwt({ sub: 'admin-2', roles: ['admin'] });
      await reused(() => create({ name: 'reporting', roles: ['analyst'] }, 'key-2', otherAdmin));
    });
  });
});
