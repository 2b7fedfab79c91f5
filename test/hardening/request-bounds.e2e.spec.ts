import { MAX_BODY_KEYS, MAX_KEYS_PER_OBJECT } from '../../src/shared/http/body-limits';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';

/**
 * Bounded work per request and odd input: bodies too wide are refused before class-transformer
 * runs, fields named like Object.prototype's members are refused, and null is only accepted where
 * a field is declared nullable. Each refusal is a 400 problem+json that appends nothing.
 */
describe('request bounds and odd input (HTTP)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function refused(send: () => Promise<TestResponse>, fields: string[]): Promise<TestResponse> {
    const before = await t.eventCount();
    const response = await send();
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json.code).toBe('VALIDATION_FAILED');
    expect(response.json.errors.map((e: { field: string }) => e.field)).toEqual(fields);
    expect(await t.eventCount()).toBe(before);
    return response;
  }

  const customer = async (): Promise<string> => {
    const created = await t.request('POST', '/customers', { name: 'Ana Lima', email: `ana.${Math.random()}@example.com` });
    expect(created.status).toBe(201);
    return created.json.id as string;
  };

  describe('wide bodies', () => {
    it('refuses an object with more fields than the cap, naming the cap', async () => {
      const wide: Record<string, number> = { name: 1 } as never;
      for (let i = 0; i < MAX_KEYS_PER_OBJECT; i++) wide[`k${i}`] = i;
      const response = await refused(() => t.request('POST', '/customers', wide), ['body']);
      expect(response.json.errors[0].messages[0]).toContain(String(MAX_KEYS_PER_OBJECT));
    });

    it('refuses a nested object that is too wide, by its path', async () => {
      const line: Record<string, unknown> = { product: 'p', quantity: 1, amount: 1 };
      for (let i = 0; i < MAX_KEYS_PER_OBJECT; i++) line[`x${i}`] = i;
      const id = await customer();
      await refused(() => t.request('POST', `/customers/${id}/purchases`, { lines: [line] }), ['lines.0']);
    });

    it('refuses a body with more fields and items in all than the total cap', async () => {
      const lines = Array.from({ length: Math.ceil(MAX_BODY_KEYS / 4) + 1 }, () => ({ product: 'p', quantity: 1, amount: 1 }));
      const id = await customer();
      const response = await refused(() => t.request('POST', `/customers/${id}/purchases`, { lines }), ['body']);
      expect(response.json.errors[0].messages[0]).toContain(String(MAX_BODY_KEYS));
    });

    it('answers the 60,000-key body of the report with a 400 naming the body', async () => {
      const wide: Record<string, string> = {};
      for (let i = 0; i < 60_000; i++) wide[`field${i}`] = 'x';
      await refused(() => t.request('POST', '/customers', wide), ['body']);
    });
  });

  describe('prototype-ish names', () => {
    it.each(['toString', 'constructor', 'valueOf', 'hasOwnProperty'])('refuses a body field named %s', async (name) => {
      await refused(() => t.request('POST', '/customers', `{"name":"Ana","${name}":"x"}`), [name]);
    });

    it('refuses a nested field named constructor', async () => {
      const id = await customer();
      await refused(
        () => t.request('POST', `/customers/${id}/purchases`, { lines: [{ product: 'p', quantity: 1, amount: 1, constructor: 1 }] }),
        ['lines.0.constructor'],
      );
    });

    it('refuses ?__proto__= and ?constructor= in a query string', async () => {
      for (const name of ['__proto__', 'constructor', 'toString']) {
        for (const url of [`/customers?${name}=x`, `/health?${name}=x`, `/admin/keys?${name}=x`]) {
          const response = await t.request('GET', url);
          expect(response.status).toBe(400);
          expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(response.json).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: name }] });
        }
      }
    });
  });

  describe('null where a field may only be left out', () => {
    it('PATCH /departments/:id {"name":null} is a 400 that appends nothing; supervisorId:null still clears', async () => {
      const created = await t.request('POST', '/departments', { name: 'Billing', supervisorId: 'sup-1' });
      expect(created.status).toBe(201);
      await refused(() => t.request('PATCH', `/departments/${created.json.id}`, { name: null }), ['name']);
      const cleared = await t.request('PATCH', `/departments/${created.json.id}`, { supervisorId: null });
      expect(cleared.status).toBe(200);
    });

    it('PATCH /customers/:id/contact {"email":null} is a 400: the email and its claim stay as they are', async () => {
      const email = 'claim.keeper@example.com';
      const created = await t.request('POST', '/customers', { name: 'Bea', email });
      expect(created.status).toBe(201);
      await refused(() => t.request('PATCH', `/customers/${created.json.id}/contact`, { email: null }), ['email']);
      // The claim is still held: the address cannot be registered twice.
      expect((await t.request('POST', '/customers', { name: 'Other', email })).json.code).toBe('EMAIL_ALREADY_IN_USE');
      // phone and company are declared nullable: null clears them.
      expect((await t.request('PATCH', `/customers/${created.json.id}/contact`, { phone: null })).status).toBe(200);
    });

    it('refuses null in an optional field on registration and on a purchase', async () => {
      await refused(() => t.request('POST', '/customers', { name: 'Cid', kind: null, email: null }), ['kind', 'email']);
      const id = await customer();
      await refused(
        () =>
          t.request('POST', `/customers/${id}/purchases`, {
            lines: [{ product: 'p', quantity: 1, amount: 1 }],
            margin: null,
            currency: null,
          }),
        ['margin', 'currency'],
      );
    });
  });
});
