import type { CustomerEvent } from '../../src/customers/customer.events';
import { cmd, customers, EARLIER, id, NOW, registered } from './customer-decider-fixtures';

describe('customer decider', () => {
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
});
