import { type CustomerCommand, customerDecider } from '../../src/customers/customer.decider';
import type { CustomerEvent } from '../../src/customers/customer.events';
import { cmd, customers, deactivated, EARLIER, id, NOW, registered } from './customer-decider-fixtures';

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
