/**
 * A customer's life in the records: registration (as prospect or customer), contact details,
 * conversion, deactivation and reactivation, and the right to be forgotten.
 */
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import type {
  ConvertProspect,
  DeactivateCustomer,
  ForgetCustomer,
  ReactivateCustomer,
  RegisterCustomer,
  UpdateContactDetails,
} from './customer.commands';
import type { ContactDetails, CustomerEvent } from './customer.events';
import { mustBeActive, mustExist } from './customer-guards';
import type { CustomerState } from './customer-state';

export function register(command: RegisterCustomer, state: CustomerState): CustomerEvent[] {
  if (state.status !== 'unknown') {
    throw new BusinessRuleViolation('CUSTOMER_ALREADY_EXISTS', 'A customer with this id is already registered');
  }
  const { referrerExists, ...data } = command.data;
  if (data.referredBy !== null && !referrerExists) {
    throw new BusinessRuleViolation('REFERRER_NOT_FOUND', 'The referring customer does not exist', {
      referredBy: data.referredBy,
    });
  }
  if (data.customerSince !== undefined && Date.parse(data.customerSince) > Date.parse(command.now)) {
    throw new BusinessRuleViolation('OCCURRED_IN_FUTURE', 'A customer cannot have become one in the future', {
      customerSince: data.customerSince,
    });
  }
  return [
    {
      type: 'CustomerRegistered',
      data: {
        customerId: data.customerId,
        kind: data.kind,
        name: data.name,
        email: data.email ?? null,
        phone: data.phone ?? null,
        company: data.company ?? null,
        acquisitionChannel: data.acquisitionChannel,
        referredBy: data.referredBy,
        registeredAt: command.now,
        customerSince: data.customerSince ?? command.now,
        source: data.source ?? null,
      },
    },
  ];
}

/** Only the fields that actually change, so an update that changes nothing records nothing. */
function contactChanges(current: ContactDetails, requested: Partial<ContactDetails>): Partial<ContactDetails> {
  const changes: Partial<ContactDetails> = {};
  for (const field of ['name', 'email', 'phone', 'company'] as const) {
    const value = requested[field];
    if (value !== undefined && value !== (current[field] ?? null)) (changes as Record<string, unknown>)[field] = value;
  }
  return changes;
}

export function updateContactDetails(command: UpdateContactDetails, state: CustomerState): CustomerEvent[] {
  mustBeActive(state);
  const changes = contactChanges(state.contact!, command.data);
  if (Object.keys(changes).length === 0) return [];
  return [{ type: 'ContactDetailsUpdated', data: { customerId: state.customerId, changes, updatedAt: command.now } }];
}

export function convertProspect(command: ConvertProspect, state: CustomerState): CustomerEvent[] {
  mustBeActive(state);
  if (state.status === 'customer') {
    throw new BusinessRuleViolation('CUSTOMER_ALREADY_CONVERTED', 'This is already a customer, not a prospect');
  }
  return [{ type: 'ProspectConverted', data: { customerId: state.customerId, convertedAt: command.now } }];
}

export function deactivate(command: DeactivateCustomer, state: CustomerState): CustomerEvent[] {
  mustExist(state);
  if (state.status === 'deactivated') {
    throw new BusinessRuleViolation('CUSTOMER_ALREADY_DEACTIVATED', 'The customer is already deactivated');
  }
  return [
    {
      type: 'CustomerDeactivated',
      data: { customerId: state.customerId, reason: command.data.reason, deactivatedAt: command.now },
    },
  ];
}

export function reactivate(command: ReactivateCustomer, state: CustomerState): CustomerEvent[] {
  mustExist(state);
  if (state.status !== 'deactivated') {
    throw new BusinessRuleViolation('CUSTOMER_NOT_DEACTIVATED', 'The customer is active');
  }
  return [{ type: 'CustomerReactivated', data: { customerId: state.customerId, reactivatedAt: command.now } }];
}

export function forget(command: ForgetCustomer, state: CustomerState): CustomerEvent[] {
  if (state.status === 'unknown' || state.customerId === null) {
    throw new NotFoundError('CUSTOMER_NOT_FOUND', 'No customer with this id');
  }
  // Forgetting again records nothing; the handler still makes sure the key is gone.
  if (state.forgotten) return [];
  return [{ type: 'CustomerForgotten', data: { customerId: state.customerId, forgottenAt: command.now } }];
}
