import { type CustomerCommand, customerDecider } from '../../src/customers/customer.decider';
import { cmd, customers, deactivated, EARLIER, id, NOW, registered, suggested } from './customer-decider-fixtures';

describe('customer decider', () => {
  describe('RecordInteraction', () => {
    const interaction = (interactionId = 'i-1', occurredAt = EARLIER) =>
      cmd({
        type: 'RecordInteraction',
        data: { interactionId, channel: 'call', direction: 'inbound', summary: 'Asked about invoices', agent: 'agent-7', occurredAt },
      });

    it('records an interaction, also for a deactivated customer', () =>
      customers
        .given([registered(), deactivated])
        .when(interaction())
        .then([
          {
            type: 'InteractionRecorded',
            data: {
              customerId: id,
              interactionId: 'i-1',
              channel: 'call',
              direction: 'inbound',
              summary: 'Asked about invoices',
              agent: 'agent-7',
              occurredAt: EARLIER,
            },
          },
        ]));

    it('refuses the same interaction twice', () => {
      const first = customerDecider.decide(interaction(), customerDecider.evolve(customerDecider.initialState(), registered()));
      customers
        .given([registered(), ...first])
        .when(interaction())
        .thenFails('INTERACTION_ALREADY_RECORDED');
    });

    it('refuses an interaction in the future', () =>
      customers.given([registered()]).when(interaction('i-2', '2026-03-11T00:00:00.000Z')).thenFails('OCCURRED_IN_FUTURE'));

    it('refuses an unknown customer', () => customers.given([]).when(interaction()).thenFails('CUSTOMER_NOT_FOUND', 404));
  });

  describe('RecordPurchase', () => {
    const purchase = (over: Partial<Extract<CustomerCommand, { type: 'RecordPurchase' }>['data']> = {}) =>
      cmd({
        type: 'RecordPurchase',
        data: {
          purchaseId: 'p-1',
          lines: [
            { product: 'CD', quantity: 2, amount: 21.98 },
            { product: 'Poster', quantity: 1, amount: 5.01 },
          ],
          margin: 9.5,
          currency: 'EUR',
          occurredAt: EARLIER,
          ...over,
        },
      });

    it('records the purchase with its total', () =>
      customers
        .given([registered('customer')])
        .when(purchase())
        .then([
          {
            type: 'PurchaseRecorded',
            data: {
              customerId: id,
              purchaseId: 'p-1',
              lines: [
                { product: 'CD', quantity: 2, amount: 21.98 },
                { product: 'Poster', quantity: 1, amount: 5.01 },
              ],
              amount: 26.99,
              margin: 9.5,
              currency: 'EUR',
              occurredAt: EARLIER,
            },
          },
        ]));

    it('converts a prospect who buys', () => {
      const events = customerDecider.decide(purchase(), customerDecider.evolve(customerDecider.initialState(), registered('prospect')));
      expect(events.map((e) => e.type)).toEqual(['ProspectConverted', 'PurchaseRecorded']);
    });

    it('refuses an unknown customer', () => customers.given([]).when(purchase()).thenFails('CUSTOMER_NOT_FOUND', 404));

    it('refuses a deactivated customer', () =>
      customers.given([registered(), deactivated]).when(purchase()).thenFails('CUSTOMER_DEACTIVATED', 422));

    it('refuses the same purchase twice', () => {
      const state = customerDecider.evolve(customerDecider.initialState(), registered());
      const first = customerDecider.decide(purchase(), state);
      customers
        .given([registered(), ...first])
        .when(purchase())
        .thenFails('PURCHASE_ALREADY_RECORDED');
    });

    it('refuses a purchase dated in the future', () =>
      customers
        .given([registered()])
        .when(purchase({ occurredAt: '2027-01-01T00:00:00.000Z' }))
        .thenFails('OCCURRED_IN_FUTURE'));

    it('refuses a margin above the amount', () =>
      customers
        .given([registered()])
        .when(purchase({ margin: 100 }))
        .thenFails('MARGIN_EXCEEDS_AMOUNT'));

    it('sums the lines in minor units: 10.02 + 114.91 is exactly 124.93 (as floats, 124.92999999999999)', () => {
      const lines = [
        { product: 'A', quantity: 1, amount: 10.02 },
        { product: 'B', quantity: 1, amount: 114.91 },
      ];
      const [event] = customerDecider.decide(
        purchase({ lines, margin: 0 }),
        customerDecider.evolve(customerDecider.initialState(), registered('customer')),
      );
      expect(JSON.stringify(event.data)).toContain('"amount":124.93,');
    });

    it('refuses a currency code that is not ISO 4217', () =>
      customers
        .given([registered()])
        .when(purchase({ currency: 'XYZ' }))
        .thenFails('UNKNOWN_CURRENCY'));

    it('refuses more decimals than the currency has (yen have none)', () =>
      customers
        .given([registered()])
        .when(purchase({ currency: 'JPY', margin: 0, lines: [{ product: 'CD', quantity: 1, amount: 1000.5 }] }))
        .thenFails('AMOUNT_PRECISION'));

    it('takes three decimals in a currency that has them (BHD)', () => {
      const lines = [{ product: 'CD', quantity: 1, amount: 1.234 }];
      const [event] = customerDecider.decide(
        purchase({ currency: 'BHD', margin: 0, lines }),
        customerDecider.evolve(customerDecider.initialState(), registered('customer')),
      );
      expect(event.data).toMatchObject({ amount: 1.234, currency: 'BHD' });
    });
  });

  describe('suggested transactions', () => {
    const suggest = (expiresAt = '2026-04-01T00:00:00.000Z') =>
      cmd({
        type: 'SuggestTransaction',
        data: { suggestionId: 's-1', product: 'Gold plan', expectedValue: 120, currency: 'EUR', expiresAt },
      });
    const accept = (now = NOW) => cmd({ type: 'AcceptSuggestion', data: { suggestionId: 's-1' }, now });
    const decline = () => cmd({ type: 'DeclineSuggestion', data: { suggestionId: 's-1', reason: 'too expensive' } });

    it('suggests a transaction', () =>
      customers
        .given([registered()])
        .when(suggest())
        .then([
          {
            type: 'TransactionSuggested',
            data: {
              customerId: id,
              suggestionId: 's-1',
              product: 'Gold plan',
              expectedValue: 120,
              currency: 'EUR',
              expiresAt: '2026-04-01T00:00:00.000Z',
              suggestedAt: NOW,
            },
          },
        ]));

    it('carries the probability the agent set on it', () =>
      customers
        .given([registered()])
        .when(
          cmd({
            type: 'SuggestTransaction',
            data: {
              suggestionId: 's-1',
              product: 'Gold plan',
              expectedValue: 120,
              currency: 'EUR',
              expiresAt: '2026-04-01T00:00:00.000Z',
              probability: 0.4,
            },
          }),
        )
        .then([
          {
            type: 'TransactionSuggested',
            data: {
              customerId: id,
              suggestionId: 's-1',
              product: 'Gold plan',
              expectedValue: 120,
              currency: 'EUR',
              expiresAt: '2026-04-01T00:00:00.000Z',
              suggestedAt: NOW,
              probability: 0.4,
            },
          },
        ]));

    it('refuses a suggestion in an unknown currency', () =>
      customers
        .given([registered()])
        .when(
          cmd({
            type: 'SuggestTransaction',
            data: { suggestionId: 's-1', product: 'Gold plan', expectedValue: 120, currency: 'ABC', expiresAt: '2026-04-01T00:00:00.000Z' },
          }),
        )
        .thenFails('UNKNOWN_CURRENCY'));

    it('refuses a suggestion that expires before now', () =>
      customers.given([registered()]).when(suggest('2026-03-01T00:00:00.000Z')).thenFails('SUGGESTION_EXPIRY_IN_PAST'));

    it('refuses a suggestion id used before', () =>
      customers.given([registered(), suggested()]).when(suggest()).thenFails('SUGGESTION_ALREADY_EXISTS'));

    it('accepts an open suggestion', () =>
      customers
        .given([registered(), suggested()])
        .when(accept())
        .then([{ type: 'SuggestionAccepted', data: { customerId: id, suggestionId: 's-1', expectedValue: 120, acceptedAt: NOW } }]));

    it('declines an open suggestion with the reason', () =>
      customers
        .given([registered(), suggested()])
        .when(decline())
        .then([{ type: 'SuggestionDeclined', data: { customerId: id, suggestionId: 's-1', reason: 'too expensive', declinedAt: NOW } }]));

    it('refuses to accept an expired suggestion', () =>
      customers.given([registered(), suggested()]).when(accept('2026-04-01T00:00:00.000Z')).thenFails('SUGGESTION_EXPIRED'));

    it('refuses to accept an already decided suggestion', () =>
      customers
        .given([
          registered(),
          suggested(),
          { type: 'SuggestionDeclined', data: { customerId: id, suggestionId: 's-1', reason: null, declinedAt: NOW } },
        ])
        .when(accept())
        .thenFails('SUGGESTION_ALREADY_DECIDED'));

    it('refuses to decline an already accepted suggestion', () =>
      customers
        .given([
          registered(),
          suggested(),
          { type: 'SuggestionAccepted', data: { customerId: id, suggestionId: 's-1', expectedValue: 120, acceptedAt: NOW } },
        ])
        .when(decline())
        .thenFails('SUGGESTION_ALREADY_DECIDED'));

    it('refuses an unknown suggestion', () => customers.given([registered()]).when(accept()).thenFails('SUGGESTION_NOT_FOUND', 404));
  });
});
