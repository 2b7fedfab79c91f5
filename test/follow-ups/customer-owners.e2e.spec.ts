import { startTestApp, type TestApp } from '../support/test-app';
import { customer, HOUR, ok } from './follow-up-steps';

describe('Customer owners (account managers)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('assigns an owner, hands the customer over, and the profile shows the current owner and the history', async () => {
    const registered = await ok(t, '/customers', { name: 'Ana Lima', kind: 'customer', acquisitionChannel: 'web' });
    const id = registered.id as string;
    const fresh = await t.request('GET', `/customers/${id}?minPosition=${registered.position}`);
    expect(fresh.json).toMatchObject({ owner: null, ownerHistory: [] });

    const first = await ok(t, `/customers/${id}/owner`, { owner: 'agent-ana' });
    expect(first).toMatchObject({ id, owner: 'agent-ana', revision: 0 });
    const firstAt = t.clock.now().toISOString();
    t.clock.advance(24 * HOUR);
    await ok(t, `/customers/${id}/owner`, { owner: 'agent-bo' });
    // The same owner again: nothing changes hands.
    const same = await ok(t, `/customers/${id}/owner`, { owner: 'agent-bo' });
    expect(same.revision).toBe(1);

    const profile = await t.request('GET', `/customers/${id}?minPosition=${same.position}`);
    expect(profile.json).toMatchObject({
      owner: 'agent-bo',
      ownerHistory: [
        { owner: 'agent-ana', from: firstAt },
        { owner: 'agent-bo', from: t.clock.now().toISOString() },
      ],
      // The owner stream does not move the customer's own revision (its ETag).
      revision: 0,
    });
    const events = await t.eventStore.readStream(`customer-owner-${id}`);
    expect(events.map((e) => e.data)).toEqual([
      { customerId: id, owner: 'agent-ana', previousOwner: null, assignedAt: firstAt },
      { customerId: id, owner: 'agent-bo', previousOwner: 'agent-ana', assignedAt: t.clock.now().toISOString() },
    ]);
  });

  it('refuses an unknown or forgotten customer and a missing owner, appending nothing', async () => {
    const id = await customer(t);
    const forgotten = await customer(t, 'Bruno Reis');
    expect((await t.request('POST', `/customers/${forgotten}/forget`, undefined, { authorization: `Bearer ${t.adminKey}` })).status).toBe(
      200,
    );
    const before = await t.eventCount();
    const cases = [
      {
        url: '/customers/00000000-0000-4000-8000-00000000ffff/owner',
        body: { owner: 'agent-ana' },
        status: 404,
        code: 'CUSTOMER_NOT_FOUND',
      },
      { url: `/customers/${forgotten}/owner`, body: { owner: 'agent-ana' }, status: 404, code: 'CUSTOMER_NOT_FOUND' },
      { url: `/customers/${id}/owner`, body: {}, status: 400, code: 'VALIDATION_FAILED' },
      { url: `/customers/${id}/owner`, body: { owner: '' }, status: 400, code: 'VALIDATION_FAILED' },
      { url: '/customers/not-a-uuid/owner', body: { owner: 'agent-ana' }, status: 400, code: 'VALIDATION_FAILED' },
    ];
    for (const c of cases) {
      const response = await t.request('POST', c.url, c.body);
      expect({ ...c, status: response.status, code: response.json.code }).toEqual(c);
    }
    expect(await t.eventCount()).toBe(before);
  });
});
