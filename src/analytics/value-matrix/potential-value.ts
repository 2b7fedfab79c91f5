/**
 * Current and potential value for the value matrix, as of an instant (business time). Pure.
 *
 * - Current value (VAC): what the customer brought up to the as-of day: margin where margin is
 *   known, revenue otherwise (the basis, one for the whole population so the tiers compare alike).
 * - Potential value (VPC), per the seed essay: the profit the company would earn if the customer
 *   made every suggested transaction (the suggestions open at the as-of instant), plus, where a
 *   fitted CLV model exists, the model's expected future value of the customer (discounted CLV over
 *   the model's default horizon): the best estimate of what they will still bring. On the same
 *   basis as the current value. The current value is not part of it: the matrix puts what a
 *   customer brought beside what they may still bring.
 *
 * Margin as of a day: the customer's margin share to date applied to the revenue up to that day
 * (margins are kept per customer, not per day).
 */
import { type ClvModelData } from '../clv-model.events';
import { ClvPredictor, DEFAULT_ANNUAL_DISCOUNT_RATE, DEFAULT_HORIZON } from '../clv-model';
import { dayNumber } from '../clv/summary';
import { openSuggestionsAt, revenueUpToDay } from '../customer-value';
import type { CustomerValueDoc } from '../customer-value.projection';
import { addMoney, roundMoney } from '../../shared/money/money';

export type ValueBasis = 'margin' | 'revenue';

/** How a run valued its customers: said in its answer. */
export interface Valuation {
  basis: ValueBasis;
  /** The CLV model whose expected future value is part of the potential; null: suggestions only. */
  modelId: string | null;
  modelCalibrationEnd: string | null;
  /** Periods (of the model's unit) the expected future value covers; null without a model. */
  horizon: number | null;
  /** Why the model calibrated up to the as-of was not used (it could not value every customer). */
  modelUnusable?: string;
}

export interface CustomerValuation {
  currentValue: number;
  potentialValue: number;
  /** Profit (or revenue) of the suggestions open at the instant. */
  suggestedValue: number;
  /** The model's discounted expected future value; null without a model or a purchase by then. */
  expectedFutureValue: number | null;
}

/** Margin when every customer who spent has a margin recorded, revenue otherwise. */
export function valueBasisOf(docs: readonly Pick<CustomerValueDoc, 'revenue' | 'margin'>[]): ValueBasis {
  const spenders = docs.filter((doc) => doc.revenue > 0);
  return spenders.length > 0 && spenders.every((doc) => doc.margin > 0) ? 'margin' : 'revenue';
}

/** The model to value with as of an instant: the latest fit calibrated on data up to it (never one that saw later data). */
export function modelAsOf<M extends ClvModelData & { revision: number }>(models: readonly M[], asOf: Date): M | null {
  const day = dayNumber(asOf.toISOString());
  let chosen: M | null = null;
  for (const model of models) {
    if (dayNumber(model.calibrationEnd) > day) continue;
    if (chosen === null || model.revision > chosen.revision) chosen = model;
  }
  return chosen;
}

export class CustomerValuer {
  readonly valuation: Valuation;
  private readonly predictor: ClvPredictor | null;
  private readonly asOfDay: number;

  constructor(
    basis: ValueBasis,
    model: ClvModelData | null,
    private readonly asOf: Date,
  ) {
    const horizon = model ? DEFAULT_HORIZON[model.unit] : null;
    this.predictor = model
      ? new ClvPredictor(model, { asOf, horizon: horizon!, annualDiscountRate: DEFAULT_ANNUAL_DISCOUNT_RATE, marginShare: 1 })
      : null;
    this.valuation = { basis, modelId: model?.modelId ?? null, modelCalibrationEnd: model?.calibrationEnd ?? null, horizon };
    this.asOfDay = dayNumber(asOf.toISOString());
  }

  value(doc: CustomerValueDoc): CustomerValuation {
    const roundAmount = (value: number): number => roundMoney(value, doc.currency);
    const share = this.valuation.basis === 'margin' ? (doc.revenue > 0 ? doc.margin / doc.revenue : 0) : 1;
    const currentValue = roundAmount(revenueUpToDay(doc, this.asOfDay) * share);
    const suggestedValue = roundAmount(openSuggestionsAt(doc, this.asOf).reduce((sum, s) => sum + s.expectedValue, 0) * share);
    const clv = this.predictor?.predict(doc)?.clv ?? null;
    const expectedFutureValue = clv === null ? null : roundAmount(clv * share);
    return {
      currentValue,
      potentialValue: addMoney(suggestedValue, expectedFutureValue ?? 0, doc.currency),
      suggestedValue,
      expectedFutureValue,
    };
  }
}
