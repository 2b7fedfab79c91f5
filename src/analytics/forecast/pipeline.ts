/**
 * The sales pipeline: suggested transactions open at an instant, weighted by the probability the
 * agent set on each; where none was set, by the share of decided suggestions that were accepted
 * (all customers), and at 0.5 when nothing has been decided yet (said in the answer). Each is
 * counted in the period it expires in (the last day it can be taken).
 */
import { openSuggestionsAt } from '../customer-value';
import type { ValueSuggestion } from '../customer-value.projection';
import { dayNumber } from '../clv/summary';
import type { DayPeriod } from './forecast-periods';
import { roundMoney } from '../../shared/money/money';

export interface PipelinePeriod {
  period: string;
  suggestions: number;
  value: number;
  weightedValue: number;
}

export interface Pipeline {
  at: string;
  suggestions: number;
  value: number;
  weightedValue: number;
  /** The probability used where the agent set none, and where it comes from. */
  defaultProbability: number;
  defaultProbabilitySource: 'acceptance-rate' | 'assumed';
  withoutProbability: number;
  /** Open suggestions expiring in each period of the window; those expiring after it are in `later`. */
  periods: PipelinePeriod[];
  later: { suggestions: number; value: number; weightedValue: number };
}

export const ASSUMED_PROBABILITY = 0.5;
/** `docs` in one currency (their suggestions in it): the sums are amounts of that currency. */
export function salesPipeline(
  docs: Iterable<{ suggestions: readonly ValueSuggestion[] }>,
  at: Date,
  periods: readonly DayPeriod[],
  currency: string,
): Pipeline {
  const roundAmount = (value: number): number => roundMoney(value, currency);
  const iso = at.toISOString();
  const open: ValueSuggestion[] = [];
  let accepted = 0;
  let decided = 0;
  for (const doc of docs) {
    open.push(...openSuggestionsAt({ suggestions: [...doc.suggestions] }, at));
    for (const s of doc.suggestions) {
      if (s.status === 'open' || s.decidedAt === null || s.decidedAt > iso) continue;
      decided++;
      if (s.status === 'accepted') accepted++;
    }
  }
  const defaultProbability = decided > 0 ? accepted / decided : ASSUMED_PROBABILITY;
  const rows = periods.map((p) => ({ period: p.label, suggestions: 0, value: 0, weightedValue: 0 }));
  const later = { suggestions: 0, value: 0, weightedValue: 0 };
  let value = 0;
  let weighted = 0;
  let withoutProbability = 0;
  for (const s of open) {
    const probability = s.probability ?? defaultProbability;
    if (s.probability === undefined || s.probability === null) withoutProbability++;
    value += s.expectedValue;
    weighted += s.expectedValue * probability;
    // The last day it can be taken: an expiry at 00:00 ends the day before.
    const day = dayNumber(new Date(Date.parse(s.expiresAt) - 1).toISOString());
    const k = periods.findIndex((p) => day >= p.start && day < p.end);
    const row = k >= 0 ? rows[k] : periods.length && day >= periods[periods.length - 1].end ? later : null;
    if (!row) continue;
    row.suggestions++;
    row.value += s.expectedValue;
    row.weightedValue += s.expectedValue * probability;
  }
  const money = <T extends { value: number; weightedValue: number }>(row: T): T => ({
    ...row,
    value: roundAmount(row.value),
    weightedValue: roundAmount(row.weightedValue),
  });
  return {
    at: iso,
    suggestions: open.length,
    value: roundAmount(value),
    weightedValue: roundAmount(weighted),
    defaultProbability: Math.round(defaultProbability * 1e4) / 1e4,
    defaultProbabilitySource: decided > 0 ? 'acceptance-rate' : 'assumed',
    withoutProbability,
    periods: rows.map(money),
    later: money(later),
  };
}
