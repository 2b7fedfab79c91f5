import type { Decider } from '../shared/decider/decider';
import { NotFoundError } from '../shared/errors/domain-errors';
import type { CustomerOwnerEvent } from './customer-owner.events';

export type AssignCustomerOwner = {
  type: 'AssignCustomerOwner';
  /** customerActive: the customer is known and not forgotten (looked up by the handler). */
  data: { customerId: string; owner: string; customerActive: boolean };
  now: string;
};

export type CustomerOwnerCommand = AssignCustomerOwner;

export interface CustomerOwnerState {
  owner: string | null;
}

function assign(command: AssignCustomerOwner, state: CustomerOwnerState): CustomerOwnerEvent[] {
  const { customerId, owner, customerActive } = command.data;
  if (!customerActive) throw new NotFoundError('CUSTOMER_NOT_FOUND', 'No customer with this id');
  // The same owner again: nothing changes hands.
  if (owner === state.owner) return [];
  return [{ type: 'CustomerOwnerAssigned', data: { customerId, owner, previousOwner: state.owner, assignedAt: command.now } }];
}

export function decide(command: CustomerOwnerCommand, state: CustomerOwnerState): CustomerOwnerEvent[] {
  switch (command.type) {
    case 'AssignCustomerOwner':
      return assign(command, state);
  }
}

export function evolve(state: CustomerOwnerState, event: CustomerOwnerEvent): CustomerOwnerState {
  switch (event.type) {
    case 'CustomerOwnerAssigned':
      return { owner: event.data.owner };
  }
}

export const customerOwnerDecider: Decider<CustomerOwnerState, CustomerOwnerCommand, CustomerOwnerEvent> = {
  decide,
  evolve,
  initialState: () => ({ owner: null }),
};
