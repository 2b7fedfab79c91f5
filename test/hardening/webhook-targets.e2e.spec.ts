import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Subscribing a webhook to an address the network policy denies is a 422 that appends and stores
 * nothing. Nothing is connected to: the decision is taken on the URL's address (or what its name
 * resolves to) before the subscription exists.
 */
describe('webhook targets at subscription (HTTP)', () => {
  let t: TestApp;
  let department: string;
  let createdAt: string;

  beforeAll(async () => {
    // The shipped defaults: no allow or deny list configured.
    t = await startTestApp({ webhookNetworks: { allow: [], deny: [] } });
    const created = await t.request('POST', '/departments', { name: 'Billing' });
    department = created.json.id as string;
    createdAt = created.json.position as string;
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://[fe80::1]:8080/in',
    'http://127.0.0.1:8080/in',
    'http://localhost:8080/in',
    'http://[::1]:8080/in',
    'http://10.0.0.7:8080/in',
    'http://192.168.1.10/in',
  ])('refuses %s with 422 WEBHOOK_TARGET_NOT_ALLOWED', async (url) => {
    const before = await t.eventCount();
    const response = await t.request('POST', `/departments/${department}/webhooks`, { url, eventTypes: ['*'] });
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json.code).toBe('WEBHOOK_TARGET_NOT_ALLOWED');
    expect(await t.eventCount()).toBe(before);
    expect((await t.request('GET', `/departments/${department}/webhooks?minPosition=${createdAt}`)).json.items).toEqual([]);
  });
});
