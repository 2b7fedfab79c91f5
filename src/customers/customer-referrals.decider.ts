/**
 * Referrals: a customer records whom they referred (on the referrer's stream), and the referred
 * customer is credited to their one referrer (on the referred customer's stream).
 */
import { BusinessRuleViolation } from '../shared/errors/domain-errors';
import type { CreditReferrer, RecordReferral } from './customer.commands';
import type { CustomerEvent } from './customer.events';
import { mustBeActive, mustExist } from './customer-guards';
import type { CustomerState } from './customer-state';

/** A customer has at most one referrer: a second credit is refused, naming the first. */
function referrerAlreadyCredited(referredBy: string): BusinessRuleViolation {
  return new BusinessRuleViolation('REFERRER_ALREADY_CREDITED', 'This customer was already referred by another customer', { referredBy });
}

export function recordReferral(command: RecordReferral, state: CustomerState): CustomerEvent[] {
  mustBeActive(state);
  const { referredCustomerId, referredExists } = command.data;
  if (referredCustomerId === state.customerId) {
    throw new BusinessRuleViolation('SELF_REFERRAL', 'A customer cannot refer themselves');
  }
  if (!referredExists) {
    throw new BusinessRuleViolation('REFERRED_CUSTOMER_NOT_FOUND', 'The referred customer does not exist', {
      referredCustomerId,
    });
  }
  if (state.referrals.has(referredCustomerId)) {
    throw new BusinessRuleViolation('REFERRAL_ALREADY_RECORDED', 'This referral was already recorded');
  }
  // Credited to this customer on the referred stream only (registered with referredBy, or an interrupted
  // referral): recording it here completes it.
  if (command.data.referredBy !== null && command.data.referredBy !== state.customerId)
    throw referrerAlreadyCredited(command.data.referredBy);
  return [{ type: 'CustomerReferred', data: { customerId: state.customerId, referredCustomerId, referredAt: command.now } }];
}

export function creditReferrer(command: CreditReferrer, state: CustomerState): CustomerEvent[] {
  mustExist(state);
  const { referredBy } = command.data;
  if (referredBy === state.customerId) throw new BusinessRuleViolation('SELF_REFERRAL', 'A customer cannot refer themselves');
  if (state.referredBy === referredBy) return [];
  if (state.referredBy !== null) throw referrerAlreadyCredited(state.referredBy);
  return [{ type: 'ReferrerCredited', data: { customerId: state.customerId, referredBy, creditedAt: command.now } }];
}
