import { projectEvents, type GivenEvent } from '../support/projection-spec';
import { customerProfileProjection } from '../../src/customers/customer-profile.projection';

const ana = '00000000-0000-4000-8000-0000000000a1';
const bruno = '00000000-0000-4000-8000-0000000000b2';
const registered = (customerId: string, name: string, referredBy: string | null = null): GivenEvent => ({
  stream: `customer-${customerId}`,
  type: 'CustomerRegistered',
  data: {
    customerId,
    kind: 'prospect',
    name,
    email: `${name.toLowerCase()}@example.com`,
    phone: null,
    company: 'ACME',
    acquisitionChannel: 'web',
    referredBy,
    registeredAt: '2026-03-01T10:00:00.000Z',
  },
});
const on = (customerId: string, type: string, data: object): GivenEvent => ({
  stream: `customer-${customerId}`,
  type,
  data: { customerId, ...data },
});

const history: GivenEvent[] = [
  registered(ana, 'Ana'),
  registered(bruno, 'Bruno', ana),
  on(ana, 'ContactDetailsUpdated', { changes: { name: 'Ana Lima', phone: '+351 910' }, updatedAt: '2026-03-02T00:00:00.000Z' }),
  on(ana, 'ProspectConverted', { convertedAt: '2026-03-03T00:00:00.000Z' }),
  on(ana, 'PurchaseRecorded', {
    purchaseId: 'p1',
    lines: [{ product: 'CD', quantity: 1, amount: 30 }],
    amount: 30,
    margin: 10,
    currency: 'EUR',
    occurredAt: '2026-03-05T00:00:00.000Z',
  }),
  on(ana, 'PurchaseRecorded', {
    purchaseId: 'p0',
    lines: [{ product: 'CD', quantity: 1, amount: 12.5 }],
    amount: 12.5,
    margin: 2.25,
    currency: 'EUR',
    occurredAt: '2026-02-20T00:00:00.000Z',
  }),
  on(ana, 'InteractionRecorded', {
    interactionId: 'i1',
    channel: 'call',
    direction: 'inbound',
    summary: 'Hello',
    agent: 'a7',
    occurredAt: '2026-03-04T00:00:00.000Z',
  }),
  on(ana, 'TransactionSuggested', {
    suggestionId: 's1',
    product: 'Gold',
    expectedValue: 100,
    expiresAt: '2026-04-01T00:00:00.000Z',
    suggestedAt: '2026-03-05T00:00:00.000Z',
  }),
  on(ana, 'TransactionSuggested', {
    suggestionId: 's2',
    product: 'Box',
    expectedValue: 40,
    expiresAt: '2026-04-01T00:00:00.000Z',
    suggestedAt: '2026-03-05T00:00:00.000Z',
  }),
  on(ana, 'SuggestionDeclined', { suggestionId: 's2', reason: 'no', declinedAt: '2026-03-06T00:00:00.000Z' }),
  on(ana, 'CustomerDeactivated', { reason: 'moved', deactivatedAt: '2026-03-07T00:00:00.000Z' }),
];

describe('customer-profile projection', () => {
  it('folds a customer history into the profile document', async () => {
    const result = await projectEvents(customerProfileProjection, history);
    const docs = await result.docs('customers');
    expect(docs[ana]).toMatchObject({
      customerId: ana,
      status: 'deactivated',
      kind: 'customer',
      name: 'Ana Lima',
      search: 'ana lima ana@example.com acme 351910',
      phone: '+351 910',
      convertedAt: '2026-03-03T00:00:00.000Z',
      deactivationReason: 'moved',
      currentValue: {
        byCurrency: { EUR: { revenue: 42.5, margin: 12.25, purchaseCount: 2 } },
        purchaseCount: 2,
        firstPurchaseAt: '2026-02-20T00:00:00.000Z',
        lastPurchaseAt: '2026-03-05T00:00:00.000Z',
      },
      suggestionsAccepted: 0,
      suggestionsDeclined: 1,
      referralsMade: [bruno],
      interactionCount: 1,
      lastInteractionAt: '2026-03-04T00:00:00.000Z',
      revision: 9,
    });
    expect(docs[ana].suggestions).toMatchObject([
      { suggestionId: 's1', status: 'open' },
      { suggestionId: 's2', status: 'declined', declineReason: 'no' },
    ]);
    expect(docs[bruno]).toMatchObject({ referredBy: ana, status: 'prospect' });
    expect(await result.docs('interactions')).toEqual({
      i1: {
        _id: 'i1',
        customerId: ana,
        interactionId: 'i1',
        channel: 'call',
        direction: 'inbound',
        summary: 'Hello',
        agent: 'a7',
        occurredAt: '2026-03-04T00:00:00.000Z',
        recordedAt: '2026-03-10T12:00:00.000Z',
      },
    });
    await result.close();
  });

  it('the same events delivered twice change nothing', async () => {
    let handled = 0;
    const counting = {
      ...customerProfileProjection,
      handle: (...args: Parameters<typeof customerProfileProjection.handle>) => (handled++, customerProfileProjection.handle(...args)),
    };
    const result = await projectEvents(counting, history);
    const once = { customers: await result.docs('customers'), interactions: await result.docs('interactions') };
    await result.redeliverAll();
    expect(handled).toBe(2 * history.length); // every event really was handled twice
    expect({ customers: await result.docs('customers'), interactions: await result.docs('interactions') }).toEqual(once);
    await result.close();
  });
});
