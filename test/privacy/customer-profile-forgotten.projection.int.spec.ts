import { customerProfileProjection } from '../../src/customers/customer-profile.projection';
import { projectEvents, type GivenEvent } from '../support/projection-spec';

const ana = '00000000-0000-4000-8000-0000000000a1';
const stream = `customer-${ana}`;
const on = (type: string, data: object): GivenEvent => ({ stream, type, data: { customerId: ana, ...data } });

/** A history with every personal value the profile copies; `v` gives each value as the events read it. */
const history = (v: (plain: string) => string): GivenEvent[] => [
  on('CustomerRegistered', {
    kind: 'prospect',
    name: v('Ana Lima'),
    email: v('ana@example.com'),
    phone: null,
    company: v('ACME'),
    acquisitionChannel: 'web',
    referredBy: null,
    registeredAt: '2026-03-01T10:00:00.000Z',
  }),
  on('ContactDetailsUpdated', { changes: { phone: v('+351 910') }, updatedAt: '2026-03-02T00:00:00.000Z' }),
  on('InteractionRecorded', {
    interactionId: 'i1',
    channel: 'call',
    direction: 'inbound',
    summary: v('Talked about her divorce'),
    agent: 'a7',
    occurredAt: '2026-03-04T00:00:00.000Z',
  }),
  on('TransactionSuggested', {
    suggestionId: 's1',
    product: 'Gold',
    expectedValue: 100,
    expiresAt: '2026-04-01T00:00:00.000Z',
    suggestedAt: '2026-03-05T00:00:00.000Z',
  }),
  on('SuggestionDeclined', { suggestionId: 's1', reason: v('Cannot afford it now'), declinedAt: '2026-03-06T00:00:00.000Z' }),
  on('CustomerDeactivated', { reason: v('Moved to Lisbon'), deactivatedAt: '2026-03-07T00:00:00.000Z' }),
  on('CustomerForgotten', { forgottenAt: '2026-03-08T00:00:00.000Z' }),
];

describe('customer-profile projection: CustomerForgotten', () => {
  it('replaces every personal value it copied with [erased]; nulls stay null, facts stay', async () => {
    const result = await projectEvents(
      customerProfileProjection,
      history((plain) => plain),
    );
    const profile = (await result.docs('customers'))[ana];
    expect(profile).toMatchObject({
      name: '[erased]',
      email: '[erased]',
      phone: '[erased]',
      company: '[erased]',
      search: '[erased] [erased] [erased]',
      deactivationReason: '[erased]',
      status: 'deactivated',
      interactionCount: 1,
      suggestionsDeclined: 1,
      revision: 6,
    });
    expect(profile.suggestions).toEqual([
      expect.objectContaining({ suggestionId: 's1', status: 'declined', declineReason: '[erased]', product: 'Gold' }),
    ]);
    expect((await result.docs('interactions')).i1).toMatchObject({ summary: '[erased]', agent: 'a7', channel: 'call' });
    expect(JSON.stringify(await result.docs('customers'))).not.toMatch(/Ana|ACME|Lisbon|afford|910/);
    await result.close();
  });

  it('gives the documents a rebuild gives once the key is gone (the events then read [erased])', async () => {
    const live = await projectEvents(
      customerProfileProjection,
      history((plain) => plain),
    );
    const rebuilt = await projectEvents(
      customerProfileProjection,
      history(() => '[erased]'),
    );
    expect(await rebuilt.docs('customers')).toEqual(await live.docs('customers'));
    expect(await rebuilt.docs('interactions')).toEqual(await live.docs('interactions'));
    await live.close();
    await rebuilt.close();
  });
});
