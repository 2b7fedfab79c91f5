import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';
import { expectRefused } from '../support/http-spec';

/** Issue 12 item 6: one referrer per customer, and department names unique ignoring case and spaces. */
describe('one referrer per customer, unique department names (HTTP)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 300 });
  });
  afterEach(async () => {
    await t.close();
  });

  const register = async (name: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const created = await t.request('POST', '/customers', { name, kind: 'customer', ...extra });
    expect(created.status).toBe(201);
    return created.json.id as string;
  };

  const refused = (send: () => Promise<TestResponse>, status: number, code: string) => expectRefused(t, send, status, code);

  describe('referrals', () => {
    it('refuses a second referrer for a customer registered with referredBy', async () => {
      const ana = await register('Ana');
      const bruno = await register('Bruno');
      const carla = await t.request('POST', '/customers', { name: 'Carla', kind: 'customer', referredBy: ana });

      const second = await refused(
        () => t.request('POST', `/customers/${bruno}/referrals`, { referredCustomerId: carla.json.id }),
        422,
        'REFERRER_ALREADY_CREDITED',
      );
      expect(second.json.referredBy).toBe(ana);

      expect((await t.request('GET', `/customers/${carla.json.id}?minPosition=${carla.json.position}`)).json.referredBy).toBe(ana);
      expect((await t.request('GET', `/customers/${ana}`)).json.referralsMade).toEqual([carla.json.id]);
      expect((await t.request('GET', `/customers/${bruno}`)).json.referralsMade).toEqual([]);
    });

    it('refuses a second referrer after a recorded referral, on either referrer', async () => {
      const ana = await register('Ana');
      const bruno = await register('Bruno');
      const carla = await register('Carla');

      const first = await t.request('POST', `/customers/${ana}/referrals`, { referredCustomerId: carla });
      expect(first.status).toBe(201);
      await refused(
        () => t.request('POST', `/customers/${bruno}/referrals`, { referredCustomerId: carla }),
        422,
        'REFERRER_ALREADY_CREDITED',
      );
      await refused(
        () => t.request('POST', `/customers/${ana}/referrals`, { referredCustomerId: carla }),
        422,
        'REFERRAL_ALREADY_RECORDED',
      );

      const carlaView = await t.request('GET', `/customers/${carla}?minPosition=${first.json.position}`);
      expect(carlaView.json.referredBy).toBe(ana);
      expect((await t.request('GET', `/customers/${ana}?minPosition=${first.json.position}`)).json.referralsMade).toEqual([carla]);
      expect((await t.request('GET', `/customers/${bruno}?minPosition=${first.json.position}`)).json.referralsMade).toEqual([]);
    });

    it('credits the referral on the referred customer too, and a retry with the Idempotency-Key appends nothing', async () => {
      const ana = await register('Ana');
      const carla = await register('Carla');
      const headers = { 'Idempotency-Key': 'ref-ana-carla' };
      const first = await t.request('POST', `/customers/${ana}/referrals`, { referredCustomerId: carla }, headers);
      expect(first.status).toBe(201);
      const carlaStream = await t.request('GET', `/audit/streams/customer-${carla}`);
      expect(carlaStream.json.events.map((e: { type: string }) => e.type)).toEqual(['CustomerRegistered', 'ReferrerCredited']);

      const before = await t.eventCount();
      const retry = await t.request('POST', `/customers/${ana}/referrals`, { referredCustomerId: carla }, headers);
      expect(retry.status).toBe(201);
      expect(retry.json.replayed).toBe(true);
      expect(await t.eventCount()).toBe(before);
    });

    it('credits exactly one of two referrers racing for the same customer', async () => {
      const [ana, bruno, carla] = [await register('Ana'), await register('Bruno'), await register('Carla')];
      const answers = await Promise.all(
        [ana, bruno].map((referrer) => t.request('POST', `/customers/${referrer}/referrals`, { referredCustomerId: carla })),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([201, 422]);
      const loser = answers.find((a) => a.status === 422)!;
      expect(loser.json.code).toBe('REFERRER_ALREADY_CREDITED');
      const winner = answers.find((a) => a.status === 201)!;
      const stream = await t.request('GET', `/audit/streams/customer-${carla}`);
      expect(
        stream.json.events
          .filter((e: { type: string }) => e.type === 'ReferrerCredited')
          .map((e: { data: { referredBy: string } }) => e.data.referredBy),
      ).toEqual([winner.json.id]);
    });

    it('refuses a malformed referral with 400 and appends nothing', async () => {
      const ana = await register('Ana');
      await refused(() => t.request('POST', `/customers/${ana}/referrals`, { referredCustomerId: 'not-a-uuid' }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('department names', () => {
    const create = (name: string) => t.request('POST', '/departments', { name });

    it('refuses the same name in another case or with other spaces', async () => {
      const billing = await create('Billing');
      expect(billing.status).toBe(201);
      for (const name of ['billing', 'Billing ', ' BILLING', 'Bil ling']) {
        const taken = await refused(() => create(name), 422, 'DEPARTMENT_NAME_TAKEN');
        expect(taken.json.departmentId).toBe(billing.json.id);
      }
      // Stored without the surrounding spaces.
      const trimmed = await create('  Claims  ');
      expect((await t.request('GET', `/departments/${trimmed.json.id}?minPosition=${trimmed.json.position}`)).json.name).toBe('Claims');
    });

    it('refuses renaming onto a taken name, frees the old name after a rename, and allows a change of case', async () => {
      const billing = (await create('Billing')).json.id as string;
      const claims = (await create('Claims')).json.id as string;

      await refused(() => t.request('PATCH', `/departments/${claims}`, { name: 'BILLING' }), 422, 'DEPARTMENT_NAME_TAKEN');

      expect((await t.request('PATCH', `/departments/${billing}`, { name: 'billing' })).status).toBe(200);
      expect((await t.request('PATCH', `/departments/${billing}`, { name: 'Invoicing' })).status).toBe(200);
      // "Billing" is free again; "Invoicing" is not.
      expect((await t.request('PATCH', `/departments/${claims}`, { name: 'Billing' })).status).toBe(200);
      await refused(() => create('invoicing'), 422, 'DEPARTMENT_NAME_TAKEN');
      expect((await create('Claims')).status).toBe(201);
    });

    it('replays a create with the same Idempotency-Key instead of refusing its own name', async () => {
      const headers = { 'Idempotency-Key': 'dept-billing' };
      const first = await t.request('POST', '/departments', { name: 'Billing' }, headers);
      const before = await t.eventCount();
      const retry = await t.request('POST', '/departments', { name: 'Billing' }, headers);
      expect(retry.status).toBe(201);
      expect(retry.json).toMatchObject({ id: first.json.id, replayed: true });
      expect(await t.eventCount()).toBe(before);
    });

    it('creates only one of two departments racing for one name', async () => {
      const answers = await Promise.all([create('Billing'), create('billing')]);
      expect(answers.map((a) => a.status).sort()).toEqual([201, 422]);
      expect(answers.find((a) => a.status === 422)!.json.code).toBe('DEPARTMENT_NAME_TAKEN');
    });

    it('refuses an empty name with 400 and appends nothing', async () => {
      await refused(() => create('   '), 400, 'VALIDATION_FAILED');
    });
  });
});
