import { type ComplaintOwnerDoc, complaintList, customerProfileProjection } from '../../src/customers/customer-profile.projection';
import { projectEvents, type ProjectionSpecResult } from '../support/projection-spec';
import { ComplaintHistory } from './complaint-history';
import { steps } from './complaint-steps';

const ana = '00000000-0000-4000-8000-0000000000a1';
const registered = {
  stream: `customer-${ana}`,
  type: 'CustomerRegistered',
  data: {
    customerId: ana,
    kind: 'customer',
    name: 'Ana',
    email: 'ana@example.com',
    phone: null,
    company: null,
    acquisitionChannel: 'web',
    referredBy: null,
    registeredAt: '2026-03-01T10:00:00.000Z',
  },
};

/** The customer's complaint list as the profile query reads it: from the complaint owner documents. */
async function complaintsOf(result: ProjectionSpecResult, customerId: string) {
  const owners = Object.values(await result.docs('complaint-owners')) as unknown as ComplaintOwnerDoc[];
  return complaintList(owners.filter((owner) => owner.customerId === customerId));
}

describe("customer-profile projection: the customer's complaints", () => {
  function history(): ComplaintHistory {
    const h = new ComplaintHistory('2026-03-02T09:00:00.000Z').with(registered);
    h.then('c1', steps.register('c1', ana), steps.acknowledge, steps.close('withdrawn'));
    h.then(
      'c2',
      steps.register('c2', ana, { number: 'CMP-2026-000002', category: 'delivery' }),
      steps.acknowledge,
      steps.assessValid,
      steps.grade(),
      steps.hold,
    );
    h.then('c1', steps.reopen);
    return h;
  }

  it('lists them with their current status and closure, without touching the profile revision', async () => {
    const result = await projectEvents(customerProfileProjection, history().events);
    const profile = (await result.docs('customers'))[ana];
    expect(profile.complaints).toBeUndefined();
    expect(await complaintsOf(result, ana)).toEqual([
      {
        complaintId: 'c1',
        number: 'CMP-2026-000001',
        status: 'acknowledged',
        category: 'billing',
        registeredAt: '2026-03-02T09:00:00.000Z',
        closedAt: null,
      },
      {
        complaintId: 'c2',
        number: 'CMP-2026-000002',
        status: 'on-hold',
        category: 'delivery',
        registeredAt: '2026-03-02T12:00:00.000Z',
        closedAt: null,
      },
    ]);
    expect(profile.revision).toBe(0);
    await result.close();

    const closed = await projectEvents(customerProfileProjection, history().then('c1', steps.close('withdrawn')).events);
    expect((await complaintsOf(closed, ana))[0]).toMatchObject({ status: 'closed', closedAt: expect.any(String) });
    await closed.close();
  });

  it('keeps the list out of the profile document: complaint events leave it as it was, however many complaints the customer has', async () => {
    const alone = await projectEvents(customerProfileProjection, [registered]);
    const withoutComplaints = (await alone.docs('customers'))[ana];
    await alone.close();
    const h = history();
    for (let n = 3; n <= 12; n++)
      h.then(`c${n}`, steps.register(`c${n}`, ana, { number: `CMP-2026-${String(n).padStart(6, '0')}` }), steps.acknowledge);
    const busy = await projectEvents(customerProfileProjection, h.events);

    expect((await busy.docs('customers'))[ana]).toEqual(withoutComplaints);
    expect((await complaintsOf(busy, ana)).map((entry) => entry.complaintId)).toEqual([
      'c1',
      'c2',
      ...Array.from({ length: 10 }, (_, i) => `c${i + 3}`),
    ]);
    await busy.close();
  });

  it('the same events delivered twice change nothing', async () => {
    const result = await projectEvents(customerProfileProjection, history().events);
    const once = { customers: await result.docs('customers'), owners: await result.docs('complaint-owners') };
    await result.redeliverAll();
    expect({ customers: await result.docs('customers'), owners: await result.docs('complaint-owners') }).toEqual(once);
    await result.close();
  });
});
