/**
 * The customer's write model. The rules live with their command group: customer-lifecycle.decider.ts
 * (register, contact details, convert, deactivate, reactivate, forget), customer-sales.decider.ts
 * (interactions, purchases, refunds, suggestions) and customer-referrals.decider.ts. The state and
 * evolve are in customer-state.ts, the commands in customer.commands.ts.
 */
import type { Decider } from '../shared/decider/decider';
import type { CustomerCommand } from './customer.commands';
import type { CustomerEvent } from './customer.events';
import { convertProspect, deactivate, forget, reactivate, register, updateContactDetails } from './customer-lifecycle.decider';
import { creditReferrer, recordReferral } from './customer-referrals.decider';
import {
  acceptSuggestion,
  declineSuggestion,
  recordInteraction,
  recordPurchase,
  refundPurchase,
  suggestTransaction,
} from './customer-sales.decider';
import { type CustomerState, evolve, initialState } from './customer-state';

export type {
  AcceptSuggestion,
  ConvertProspect,
  CreditReferrer,
  CustomerCommand,
  DeactivateCustomer,
  DeclineSuggestion,
  ForgetCustomer,
  ReactivateCustomer,
  RecordInteraction,
  RecordPurchase,
  RecordReferral,
  RefundPurchase,
  RegisterCustomer,
  SuggestTransaction,
  UpdateContactDetails,
} from './customer.commands';
export type { CustomerState, CustomerStatus } from './customer-state';
export { evolve } from './customer-state';

export function decide(command: CustomerCommand, state: CustomerState): CustomerEvent[] {
  switch (command.type) {
    case 'RegisterCustomer':
      return register(command, state);
    case 'UpdateContactDetails':
      return updateContactDetails(command, state);
    case 'ConvertProspect':
      return convertProspect(command, state);
    case 'RecordInteraction':
      return recordInteraction(command, state);
    case 'RecordPurchase':
      return recordPurchase(command, state);
    case 'SuggestTransaction':
      return suggestTransaction(command, state);
    case 'AcceptSuggestion':
      return acceptSuggestion(command, state);
    case 'DeclineSuggestion':
      return declineSuggestion(command, state);
    case 'RecordReferral':
      return recordReferral(command, state);
    case 'CreditReferrer':
      return creditReferrer(command, state);
    case 'DeactivateCustomer':
      return deactivate(command, state);
    case 'ReactivateCustomer':
      return reactivate(command, state);
    case 'RefundPurchase':
      return refundPurchase(command, state);
    case 'ForgetCustomer':
      return forget(command, state);
    default: {
      const exhaustive: never = command;
      return exhaustive;
    }
  }
}

export const customerDecider: Decider<CustomerState, CustomerCommand, CustomerEvent> = {
  decide,
  evolve,
  initialState,
  occurredAt: (event) => (event.type === 'CustomerRegistered' ? event.data.customerSince : undefined),
};
