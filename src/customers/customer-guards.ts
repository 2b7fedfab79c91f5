/** The checks the customer's command groups share (customer-*.decider.ts), narrowing the state for the code after them. */
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import type { CustomerState } from './customer-state';

export type KnownCustomer = CustomerState & { customerId: string };

export function mustExist(state: CustomerState): asserts state is KnownCustomer {
  if (state.status === 'unknown' || state.customerId === null) {
    throw new NotFoundError('CUSTOMER_NOT_FOUND', 'No customer with this id');
  }
  if (state.forgotten) {
    throw new BusinessRuleViolation('CUSTOMER_FORGOTTEN', 'The customer asked to be forgotten: nothing more is recorded about them');
  }
}

export function mustBeActive(state: CustomerState): asserts state is KnownCustomer {
  mustExist(state);
  if (state.status === 'deactivated') {
    throw new BusinessRuleViolation('CUSTOMER_DEACTIVATED', 'The customer is deactivated; reactivate them first');
  }
}
