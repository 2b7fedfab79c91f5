import { customerProfileProjection } from '../../src/customers/customer-profile.projection';
import { projectEvents } from '../support/projection-spec';
import { ComplaintHistory } from './complaint-history';
import { steps } from './complaint-steps';

const ana = '00000000-0000-4000-8000-0000000000a1';
const registered = {
  stream: `customer-${ana}`,
  type: 'CustomerRegistered',
  data: { customerId: ana, kind: 'customer', name: 'Ana', email: 'ana@example.com', phone: null, company: null, acquisitionChannel: 'web', referredBy: null, registeredAt: '2026-03-01T10:00:00.000Z' },
};

describe("customer-profile projection: the customer's complaints", () => {
  function history(): ComplaintHistory {
    const h = new ComplaintHistory('2026-03-02T09:00:00.000Z').with(registered);
    h.then('c1', steps.register('c1', ana), steps.acknowledge, steps.close('withdrawn'));
    h.then('c2', steps.register('c2', ana, { number: 'CMP-2026-000002', category: 'delivery' }), steps.acknowledge, steps.assessValid, steps.grade(), steps.hold);
    h.then('c1', steps.reopen);
    return h;
  }

  it('lists them with their current status and closure, without touching the profile revision', async () => {
    const result = await projectEvents(customerProfileProjection, history().events);
    const profile = (await result.docs('customers'))[ana];
    expect(profile.complaints).toEqual([
      { complaintId: 'c1', number: 'CMP-2026-000001', status: 'acknowledged', category: 'billing', registeredAt: '2026-03-02T09:00:00.000Z', closedAt: null },
      { complaintId: 'c2', number: 'CMP-2026-000002', status: 'on-hold', category: 'delivery', registeredAt: '2026-03-02T12:00:00.000Z', closedAt: null },
    ]);
    expect(profile.revision).toBe(0);
    await result.close();

    const closed = await projectEvents(customerProfileProjection, history().then('c1', steps.close('withdrawn')).events);
    expect(((await closed.docs('customers'))[ana].complaints as { closedAt: string | null }[])[0]).toMatchObject({ status: 'closed', closedAt: expect.any(String) });
    await closed.close();
  });

  it('the same events delivered twice change nothing', async () => {
    const result = await projectEvents(customerProfileProjection, history().events);
    const once = await result.docs('customers');
    await result.redeliverAll();
    expect(await result.docs('customers')).toEqual(once);
    await result.close();
  });
});
