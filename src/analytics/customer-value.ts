/**
 * Current value (VAC) and potential value (VPC) of a customer, from the customer-value document.
 * Pure: time comes in as an argument, so the same functions serve "now" (queries) and "as of"
 * (segmentation runs).
 *
 * - VAC: revenue and margin to date, purchases, first/last purchase, average order value.
 * - VPC: VAC revenue plus the expected value of the suggestions open at that instant (suggested
 *   at or before it, not yet decided at it, expiring after it), and the share of decided
 *   suggestions that were accepted (null before any decision) - the profile's definition.
 */
import type { Purchase } from './clv/summary';
import { dayToIsoDate } from './clv/summary';
import type { CustomerValueDoc, ValueListDoc } from './customer-value.projection';
import { unmatchedRefundsUpTo } from './customer-value-refunds';
import { addMoney, sumMoney } from '../shared/money/money';

export interface CurrentValue {
  revenue: number;
  margin: number;
  purchaseCount: number;
  /** Distinct purchase days: the transactions of the CLV models and RFM. */
  transactionDays: number;
  firstPurchaseAt: string | null;
  lastPurchaseAt: string | null;
  averageOrderValue: number;
}

export interface PotentialValue {
  /** Sum of the expected values of the open suggestions. */
  openSuggestionsValue: number;
  openSuggestions: number;
  /** Current revenue plus the open suggestions. */
  value: number;
  suggestionsAccepted: number;
  suggestionsDeclined: number;
  /** Accepted / decided suggestions; null before any decision. */
  acceptanceRate: number | null;
}

export function currentValueOf(doc: ValueListDoc): CurrentValue {
  return {
    revenue: doc.revenue,
    margin: doc.margin,
    purchaseCount: doc.purchaseCount,
    transactionDays: doc.days?.length ?? doc.daySummary.days,
    firstPurchaseAt: doc.firstPurchaseAt,
    lastPurchaseAt: doc.lastPurchaseAt,
    averageOrderValue: doc.averageOrderValue,
  };
}

/** Suggestions open at the instant. */
export function openSuggestionsAt(doc: Pick<CustomerValueDoc, 'suggestions'>, at: Date): CustomerValueDoc['suggestions'] {
  const iso = at.toISOString();
  return doc.suggestions.filter(
    (s) => s.suggestedAt <= iso && s.expiresAt > iso && (s.status === 'open' || (s.decidedAt !== null && s.decidedAt > iso)),
  );
}

/** VPC at an instant, on top of the given revenue (the revenue to date for "now"). */
export function potentialValueOf(
  doc: Pick<CustomerValueDoc, 'suggestions' | 'revenue' | 'currency'>,
  at: Date,
  revenue = doc.revenue,
): PotentialValue {
  const iso = at.toISOString();
  const open = openSuggestionsAt(doc, at);
  const openValue = sumMoney(
    open.map((s) => s.expectedValue),
    doc.currency,
  );
  const decided = doc.suggestions.filter((s) => s.status !== 'open' && s.decidedAt !== null && s.decidedAt <= iso);
  const accepted = decided.filter((s) => s.status === 'accepted').length;
  return {
    openSuggestionsValue: openValue,
    openSuggestions: open.length,
    value: addMoney(revenue, openValue, doc.currency),
    suggestionsAccepted: accepted,
    suggestionsDeclined: decided.length - accepted,
    acceptanceRate: decided.length ? accepted / decided.length : null,
  };
}

/** Revenue from the purchase days up to and including `lastDay`, net of the refunds not tied to a purchase by then (customer-value-refunds.ts). */
export function revenueUpToDay(doc: CustomerValueDoc, lastDay: number): number {
  const kept = sumMoney(
    doc.days.filter(([day]) => day <= lastDay).map(([, amount]) => amount),
    doc.currency,
  );
  return addMoney(kept, -unmatchedRefundsUpTo(doc, lastDay), doc.currency);
}

/** The customer's purchase days as purchases (one per day, dated YYYY-MM-DD), for the CLV and RFM math. */
export function purchasesOf(doc: Pick<CustomerValueDoc, 'customerId' | 'days'>, lastDay = Number.POSITIVE_INFINITY): Purchase[] {
  return doc.days
    .filter(([day]) => day <= lastDay)
    .map(([day, amount]) => ({ customerId: doc.customerId, occurredAt: dayToIsoDate(day), amount }));
}
