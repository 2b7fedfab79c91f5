/**
 * What a customer does with the business: interactions, purchases and refunds (the refund rules
 * are in purchase-refunds.ts), and suggested transactions with their acceptance or decline.
 */
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import { assertExactAmount, assertKnownCurrency, sumMoney } from '../shared/money/money';
import type {
  AcceptSuggestion,
  DeclineSuggestion,
  RecordInteraction,
  RecordPurchase,
  RefundPurchase,
  SuggestTransaction,
} from './customer.commands';
import type { CustomerEvent } from './customer.events';
import { mustBeActive, mustExist } from './customer-guards';
import type { CustomerState, SuggestionState } from './customer-state';
import { decideRefund } from './purchase-refunds';

export function recordInteraction(command: RecordInteraction, state: CustomerState): CustomerEvent[] {
  // Deactivated customers still call and write: their interactions are recorded.
  mustExist(state);
  if (state.interactions.has(command.data.interactionId)) {
    throw new BusinessRuleViolation('INTERACTION_ALREADY_RECORDED', 'This interaction was already recorded');
  }
  if (Date.parse(command.data.occurredAt) > Date.parse(command.now)) {
    throw new BusinessRuleViolation('OCCURRED_IN_FUTURE', 'An interaction cannot be recorded before it happens');
  }
  return [{ type: 'InteractionRecorded', data: { customerId: state.customerId, ...command.data } }];
}

export function recordPurchase(command: RecordPurchase, state: CustomerState): CustomerEvent[] {
  mustBeActive(state);
  const { purchaseId, lines, margin, currency, occurredAt } = command.data;
  if (state.purchases.has(purchaseId)) {
    throw new BusinessRuleViolation('PURCHASE_ALREADY_RECORDED', 'This purchase was already recorded');
  }
  if (Date.parse(occurredAt) > Date.parse(command.now)) {
    throw new BusinessRuleViolation('OCCURRED_IN_FUTURE', 'A purchase cannot be recorded before it happens');
  }
  assertKnownCurrency(currency);
  lines.forEach((line, i) => assertExactAmount(line.amount, currency, `lines.${i}.amount`));
  assertExactAmount(margin, currency, 'margin');
  // Summed in minor units: 41.31 + 83.62 is 124.93, not 124.92999999999999.
  const amount = sumMoney(
    lines.map((line) => line.amount),
    currency,
  );
  if (margin > amount) {
    throw new BusinessRuleViolation('MARGIN_EXCEEDS_AMOUNT', 'The margin cannot exceed the purchase amount', { amount, margin });
  }
  const events: CustomerEvent[] = [];
  // A prospect who buys has become a customer.
  if (state.status === 'prospect') {
    events.push({ type: 'ProspectConverted', data: { customerId: state.customerId, convertedAt: command.now } });
  }
  events.push({
    type: 'PurchaseRecorded',
    data: { customerId: state.customerId, purchaseId, lines, amount, margin, currency, occurredAt },
  });
  return events;
}

export function refundPurchase(command: RefundPurchase, state: CustomerState): CustomerEvent[] {
  // A deactivated customer may still bring goods back; a forgotten one is refused (mustExist).
  mustExist(state);
  return decideRefund(command, state.customerId, state.purchases, state.refunds);
}

export function suggestTransaction(command: SuggestTransaction, state: CustomerState): CustomerEvent[] {
  mustBeActive(state);
  const { suggestionId, product, expectedValue, currency, expiresAt, probability } = command.data;
  assertKnownCurrency(currency);
  assertExactAmount(expectedValue, currency, 'expectedValue');
  if (state.suggestions.has(suggestionId)) {
    throw new BusinessRuleViolation('SUGGESTION_ALREADY_EXISTS', 'A suggestion with this id already exists');
  }
  if (Date.parse(expiresAt) <= Date.parse(command.now)) {
    throw new BusinessRuleViolation('SUGGESTION_EXPIRY_IN_PAST', 'A suggestion must expire in the future', { expiresAt });
  }
  return [
    {
      type: 'TransactionSuggested',
      data: {
        customerId: state.customerId,
        suggestionId,
        product,
        expectedValue,
        currency,
        expiresAt,
        suggestedAt: command.now,
        ...(probability === undefined ? {} : { probability }),
      },
    },
  ];
}

function openSuggestion(state: CustomerState, suggestionId: string, now: string): SuggestionState {
  const suggestion = state.suggestions.get(suggestionId);
  if (!suggestion) throw new NotFoundError('SUGGESTION_NOT_FOUND', 'No suggestion with this id for this customer');
  if (suggestion.status !== 'open') {
    throw new BusinessRuleViolation('SUGGESTION_ALREADY_DECIDED', `The suggestion was already ${suggestion.status}`, {
      decision: suggestion.status,
    });
  }
  if (Date.parse(suggestion.expiresAt) <= Date.parse(now)) {
    throw new BusinessRuleViolation('SUGGESTION_EXPIRED', 'The suggestion has expired', { expiresAt: suggestion.expiresAt });
  }
  return suggestion;
}

export function acceptSuggestion(command: AcceptSuggestion, state: CustomerState): CustomerEvent[] {
  mustBeActive(state);
  const suggestion = openSuggestion(state, command.data.suggestionId, command.now);
  return [
    {
      type: 'SuggestionAccepted',
      data: {
        customerId: state.customerId,
        suggestionId: command.data.suggestionId,
        expectedValue: suggestion.expectedValue,
        acceptedAt: command.now,
      },
    },
  ];
}

export function declineSuggestion(command: DeclineSuggestion, state: CustomerState): CustomerEvent[] {
  mustBeActive(state);
  openSuggestion(state, command.data.suggestionId, command.now);
  return [
    {
      type: 'SuggestionDeclined',
      data: {
        customerId: state.customerId,
        suggestionId: command.data.suggestionId,
        reason: command.data.reason,
        declinedAt: command.now,
      },
    },
  ];
}
