import { spec } from '../support/decider-spec';
import { customerDecider, type CustomerCommand } from '../../src/customers/customer.decider';
import type { CustomerEvent } from '../../src/customers/customer.events';

const id = 'c-1';
const NOW = '2026-03-10T12:00:00.000Z';
const EARLIER = '2026-03-01T09:00:00.000Z';

const registered = (kind: 'prospect' | 'customer' = 'customer'): CustomerEvent => ({
  type: 'CustomerRegistered',
  data: {
    customerId: id,
    kind,
    name: 'Ana Lima',
    email: 'ana@example.com',
    phone: '+351 910 000 000',
    company: null,
    acquisitionChannel: 'web',
    referredBy: null,
    registeredAt: EARLIER,
  },
});
const deactivated: CustomerEvent = { type: 'CustomerDeactivated', data: { customerId: id, reason: 'churned', deactivatedAt: EARLIER } };
const suggested = (expiresAt = '2026-04-01T00:00:00.000Z'): CustomerEvent => ({
  type: 'TransactionSuggested',
  data: { customerId: id, suggestionId: 's-1', product: 'Gold plan', expectedValue: 120, expiresAt, suggestedAt: EARLIER },
});

const customers = spec(customerDecider);
type WithOptionalNow<C> = C extends unknown ? Omit<C, 'now'> & { now?: string } : never;
const cmd = (command: WithOptionalNow<CustomerCommand>): CustomerCommand => ({ now: NOW, ...command }) as CustomerCommand;

describe('customer decider', () => {
  describe('RegisterCustomer', () => {
    const register = (extra: Partial<Extract<CustomerCommand, { type: 'RegisterCustomer' }>['data']> = {}) =>
      cmd({
        type: 'RegisterCustomer',
        data: {
          customerId: id,
          kind: 'prospect',
          name: 'Ana Lima',
          email: 'ana@example.com',
          phone: null,
          company: 'Lima Lda',
          acquisitionChannel: 'referral',
          referredBy: null,
          referrerExists: false,
          ...extra,
        },
      });

    it('registers a prospect, stamped with the command time', () =>
      customers
        .given([])
        .when(register())
        .then([
          {
            type: 'CustomerRegistered',
            data: {
              customerId: id,
              kind: 'prospect',
              name: 'Ana Lima',
              email: 'ana@example.com',
              phone: null,
              company: 'Lima Lda',
              acquisitionChannel: 'referral',
              referredBy: null,
              registeredAt: NOW,
              customerSince: NOW,
              source: null,
            },
          },
        ]));

    it('records who referred the new customer when the referrer exists', () => {
      const events = customerDecider.decide(register({ referredBy: 'c-0', referrerExists: true }), customerDecider.initialState());
      expect(events[0].data).toMatchObject({ referredBy: 'c-0' });
    });

    it('registers a customer who became one earlier (business time), with their id in the source system', () => {
      const events = customerDecider.decide(
        register({ customerSince: EARLIER, source: { system: 'cdnow', id: '4' } }),
        customerDecider.initialState(),
      );
      expect(events[0].data).toMatchObject({ registeredAt: NOW, customerSince: EARLIER, source: { system: 'cdnow', id: '4' } });
      expect(customerDecider.occurredAt?.(events[0])).toBe(EARLIER);
    });

    it('refuses a customer since a future instant', () =>
      customers
        .given([])
        .when(register({ customerSince: '2100-01-01T00:00:00.000Z' }))
        .thenFails('OCCURRED_IN_FUTURE', 422));

    it('refuses an unknown referrer', () =>
      customers
        .given([])
        .when(register({ referredBy: 'c-404', referrerExists: false }))
        .thenFails('REFERRER_NOT_FOUND', 422));

    it('refuses a second registration of the same id', () =>
      customers.given([registered()]).when(register()).thenFails('CUSTOMER_ALREADY_EXISTS', 422));
  });

  describe('UpdateContactDetails', () => {
    it('records only the fields that change', () =>
      customers
        .given([registered()])
        .when(cmd({ type: 'UpdateContactDetails', data: { name: 'Ana Lima', phone: '+351 911 111 111' } }))
        .then([{ type: 'ContactDetailsUpdated', data: { customerId: id, changes: { phone: '+351 911 111 111' }, updatedAt: NOW } }]));

    it('records nothing when nothing changes', () =>
      customers
        .given([registered()])
        .when(cmd({ type: 'UpdateContactDetails', data: { email: 'ana@example.com' } }))
        .thenNothing());

    it('refuses an unknown customer', () =>
      customers
        .given([])
        .when(cmd({ type: 'UpdateContactDetails', data: { name: 'X' } }))
        .thenFails('CUSTOMER_NOT_FOUND', 404));

    it('refuses a deactivated customer', () =>
      customers
        .given([registered(), deactivated])
        .when(cmd({ type: 'UpdateContactDetails', data: { name: 'X' } }))
        .thenFails('CUSTOMER_DEACTIVATED', 422));
  });

  describe('ConvertProspect', () => {
    it('converts a prospect', () =>
      customers
        .given([registered('prospect')])
        .when(cmd({ type: 'ConvertProspect' }))
        .then([{ type: 'ProspectConverted', data: { customerId: id, convertedAt: NOW } }]));

    it('refuses to convert a customer', () =>
      customers
        .given([registered('customer')])
        .when(cmd({ type: 'ConvertProspect' }))
        .thenFails('CUSTOMER_ALREADY_CONVERTED'));

    it('refuses a deactivated prospect', () =>
      customers
        .given([registered('prospect'), deactivated])
        .when(cmd({ type: 'ConvertProspect' }))
        .thenFails('CUSTOMER_DEACTIVATED'));
  });

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

  describe('RecordReferral', () => {
    const refer = (referredCustomerId = 'c-2', referredExists = true, referredBy: string | null = null) =>
      cmd({ type: 'RecordReferral', data: { referredCustomerId, referredExists, referredBy } });

    it('records that this customer referred another', () =>
      customers
        .given([registered()])
        .when(refer())
        .then([{ type: 'CustomerReferred', data: { customerId: id, referredCustomerId: 'c-2', referredAt: NOW } }]));

    it('refuses a self-referral', () => customers.given([registered()]).when(refer(id)).thenFails('SELF_REFERRAL'));

    it('refuses an unknown referred customer', () =>
      customers.given([registered()]).when(refer('c-404', false)).thenFails('REFERRED_CUSTOMER_NOT_FOUND'));

    it('refuses the same referral twice', () =>
      customers
        .given([registered(), { type: 'CustomerReferred', data: { customerId: id, referredCustomerId: 'c-2', referredAt: EARLIER } }])
        .when(refer())
        .thenFails('REFERRAL_ALREADY_RECORDED'));

    it('refuses a customer another customer already referred (their stream names the referrer)', () =>
      customers
        .given([registered()])
        .when(refer('c-2', true, 'c-9'))
        .thenFails('REFERRER_ALREADY_CREDITED', 422));

    it('completes a referral credited to this customer on the referred stream only', () =>
      customers
        .given([registered()])
        .when(refer('c-2', true, id))
        .then([{ type: 'CustomerReferred', data: { customerId: id, referredCustomerId: 'c-2', referredAt: NOW } }]));
  });

  describe('CreditReferrer (on the referred customer)', () => {
    const credit = (referredBy = 'c-2') => cmd({ type: 'CreditReferrer', data: { referredBy } });
    const registeredBy = (referredBy: string): CustomerEvent => {
      const event = registered();
      return { ...event, data: { ...event.data, referredBy } } as CustomerEvent;
    };

    it('credits the first referrer', () =>
      customers
        .given([registered()])
        .when(credit())
        .then([{ type: 'ReferrerCredited', data: { customerId: id, referredBy: 'c-2', creditedAt: NOW } }]));

    it('records nothing when the same referrer is credited again', () =>
      customers
        .given([registeredBy('c-2')])
        .when(credit('c-2'))
        .thenNothing());

    it('refuses a second referrer after registration named one', () =>
      customers
        .given([registeredBy('c-7')])
        .when(credit('c-2'))
        .thenFails('REFERRER_ALREADY_CREDITED', 422));

    it('refuses a second referrer after a credit', () =>
      customers
        .given([registered(), { type: 'ReferrerCredited', data: { customerId: id, referredBy: 'c-7', creditedAt: EARLIER } }])
        .when(credit('c-2'))
        .thenFails('REFERRER_ALREADY_CREDITED'));

    it('refuses crediting the customer as their own referrer', () =>
      customers.given([registered()]).when(credit(id)).thenFails('SELF_REFERRAL'));

    it('refuses an unknown customer', () => customers.given([]).when(credit()).thenFails('CUSTOMER_NOT_FOUND', 404));
  });

  describe('churn', () => {
    it('deactivates with the reason', () =>
      customers
        .given([registered()])
        .when(cmd({ type: 'DeactivateCustomer', data: { reason: 'moved abroad' } }))
        .then([{ type: 'CustomerDeactivated', data: { customerId: id, reason: 'moved abroad', deactivatedAt: NOW } }]));

    it('refuses to deactivate twice', () =>
      customers
        .given([registered(), deactivated])
        .when(cmd({ type: 'DeactivateCustomer', data: { reason: 'again' } }))
        .thenFails('CUSTOMER_ALREADY_DEACTIVATED'));

    it('reactivates a deactivated customer, who can buy again', () => {
      customers
        .given([registered(), deactivated])
        .when(cmd({ type: 'ReactivateCustomer' }))
        .then([{ type: 'CustomerReactivated', data: { customerId: id, reactivatedAt: NOW } }]);
      const state = [
        registered('prospect'),
        deactivated,
        { type: 'CustomerReactivated', data: { customerId: id, reactivatedAt: NOW } } as CustomerEvent,
      ].reduce(customerDecider.evolve, customerDecider.initialState());
      expect(state.status).toBe('prospect');
    });

    it('refuses to reactivate an active customer', () =>
      customers
        .given([registered()])
        .when(cmd({ type: 'ReactivateCustomer' }))
        .thenFails('CUSTOMER_NOT_DEACTIVATED'));
  });

  describe('the right to be forgotten', () => {
    const forget = cmd({ type: 'ForgetCustomer' });
    const forgotten: CustomerEvent = { type: 'CustomerForgotten', data: { customerId: id, forgottenAt: NOW } };

    it('records that the customer is forgotten, active or deactivated', () => {
      customers.given([registered()]).when(forget).then([forgotten]);
      customers.given([registered(), deactivated]).when(forget).then([forgotten]);
    });

    it('refuses an unknown customer', () => customers.given([]).when(forget).thenFails('CUSTOMER_NOT_FOUND', 404));

    it('forgetting again records nothing', () => customers.given([registered(), forgotten]).when(forget).thenNothing());

    it('refuses every other command about a forgotten customer', () => {
      const history = [registered(), forgotten];
      customers
        .given(history)
        .when(cmd({ type: 'UpdateContactDetails', data: { name: 'Ana' } }))
        .thenFails('CUSTOMER_FORGOTTEN', 422);
      customers
        .given(history)
        .when(
          cmd({
            type: 'RecordInteraction',
            data: { interactionId: 'i-9', channel: 'call', direction: 'inbound', summary: 'x', agent: 'a', occurredAt: EARLIER },
          }),
        )
        .thenFails('CUSTOMER_FORGOTTEN', 422);
      customers
        .given(history)
        .when(cmd({ type: 'ConvertProspect' }))
        .thenFails('CUSTOMER_FORGOTTEN', 422);
      customers
        .given(history)
        .when(cmd({ type: 'DeactivateCustomer', data: { reason: 'gone' } }))
        .thenFails('CUSTOMER_FORGOTTEN', 422);
    });

    it('marks the state forgotten, keeping the kind and status for the record', () => {
      const state = [registered('prospect'), forgotten].reduce(customerDecider.evolve, customerDecider.initialState());
      expect(state).toMatchObject({ forgotten: true, status: 'prospect', kind: 'prospect' });
    });
  });
});
