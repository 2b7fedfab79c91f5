/**
 * Fitting the CLV models on the customer-value read model, and predicting with a fitted model.
 * Pure (no I/O, time as an argument).
 *
 * Fit: every customer's purchase days up to the calibration end (inclusive; UTC days) are
 * summarised (clv/summary.ts: a day is one transaction; x, t_x, T in the unit; zbar over repeat
 * days), then BG/NBD and Gamma-Gamma are fitted by maximum likelihood.
 *
 * Predict: the model's population parameters applied to the customer's history up to the day of
 * the prediction (x, t_x, T as of that day, in the model's unit), over `horizon` periods:
 * P(alive), expected transactions E[Y(horizon)], expected spend per transaction E[Z | x, zbar],
 * and the discounted CLV (clv/clv.ts). The yearly discount rate is turned into a rate per period:
 * (1 + yearly)^(periodDays / 365.25) - 1.
 */
import { BusinessRuleViolation } from '../shared/errors/domain-errors';
import { type BgNbdParams, fitBgNbd } from './clv/bgnbd';
import { customerLifetimeValue } from './clv/clv';
import { conditionalExpectedSpend, fitGammaGamma } from './clv/gamma-gamma';
import { type CustomerSummary, dayNumber, dayToIsoDate, summarizePurchases, type TimeUnit, UNIT_DAYS } from './clv/summary';
import { holdoutCheck } from './clv/model-check';
import type { ClvModelData } from './clv-model.events';
import type { CustomerValueDoc, ValueListDoc } from './customer-value.projection';
import { purchasesOf } from './customer-value';
import { DEFAULT_CURRENCY, roundMoney } from '../shared/money/money';

export interface ClvFitRequest {
  /** Calibration end, YYYY-MM-DD (inclusive). */
  until: string;
  unit: TimeUnit;
  /** Last day of a holdout period (YYYY-MM-DD, inclusive, after `until`): the fit then reports its holdout check. */
  holdoutEnd?: string;
  /** The currency of the spend fitted (the documents are read in it). */
  currency: string;
}

/** A horizon of one year, in periods of the unit. */
export const DEFAULT_HORIZON: Readonly<Record<TimeUnit, number>> = { day: 365, week: 52 };
export const DEFAULT_ANNUAL_DISCOUNT_RATE = 0.1;

const orNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** The summaries of the calibration cohort. */
export function calibrationSummaries(docs: Iterable<CustomerValueDoc>, request: ClvFitRequest): CustomerSummary[] {
  const lastDay = dayNumber(request.until);
  const purchases = [];
  for (const doc of docs) purchases.push(...purchasesOf(doc, lastDay));
  return summarizePurchases(purchases, { calibrationEnd: request.until, unit: request.unit });
}

/** Fits both models; 422 CLV_NOT_ENOUGH_DATA when there is nothing to fit (no customer, no repeat buyer). */
export function fitClvModel(
  docs: Iterable<CustomerValueDoc>,
  request: ClvFitRequest,
  ids: { modelId: string; fittedAt: string },
): ClvModelData {
  const summaries = calibrationSummaries(docs, request);
  const repeatCustomers = summaries.filter((s) => s.x > 0).length;
  const spenders = summaries.filter((s) => s.x > 0 && s.monetary > 0).length;
  if (summaries.length === 0 || repeatCustomers === 0 || spenders === 0) {
    throw new BusinessRuleViolation(
      'CLV_NOT_ENOUGH_DATA',
      'Fitting needs purchases up to the calibration end, with at least one customer who bought again on a later day',
      { calibrationEnd: request.until, customers: summaries.length, repeatCustomers },
    );
  }
  const bg = fitBgNbd(summaries);
  const gg = fitGammaGamma(summaries);
  const check = request.holdoutEnd === undefined ? undefined : holdoutCheckOf(docs, bg.params, request as Required<ClvFitRequest>);
  return {
    modelId: ids.modelId,
    calibrationEnd: request.until,
    unit: request.unit,
    currency: request.currency,
    bgnbd: {
      ...bg.params,
      logLikelihood: bg.logLikelihood,
      standardErrors: {
        r: orNull(bg.standardErrors.r),
        alpha: orNull(bg.standardErrors.alpha),
        a: orNull(bg.standardErrors.a),
        b: orNull(bg.standardErrors.b),
      },
      converged: bg.converged,
    },
    gammaGamma: {
      ...gg.params,
      logLikelihood: gg.logLikelihood,
      standardErrors: { p: orNull(gg.standardErrors.p), q: orNull(gg.standardErrors.q), gamma: orNull(gg.standardErrors.gamma) },
      converged: gg.converged,
      customers: gg.customers,
      excludedNonPositiveSpend: gg.excludedNonPositiveSpend,
    },
    customers: summaries.length,
    repeatCustomers,
    fittedAt: ids.fittedAt,
    ...(check ? { holdoutCheck: check } : {}),
  };
}

function holdoutCheckOf(docs: Iterable<CustomerValueDoc>, params: BgNbdParams, request: Required<ClvFitRequest>) {
  const lastDay = dayNumber(request.holdoutEnd);
  const purchases = [];
  for (const doc of docs) purchases.push(...purchasesOf(doc, lastDay));
  return holdoutCheck(params, purchases, { calibrationEnd: request.until, holdoutEnd: request.holdoutEnd, unit: request.unit });
}

/** The flat summary `npm run clv:fit -- --json` prints. */
export function clvModelSummary(model: ClvModelData) {
  return {
    modelId: model.modelId,
    calibrationEnd: model.calibrationEnd,
    unit: model.unit,
    r: model.bgnbd.r,
    alpha: model.bgnbd.alpha,
    a: model.bgnbd.a,
    b: model.bgnbd.b,
    p: model.gammaGamma.p,
    q: model.gammaGamma.q,
    gamma: model.gammaGamma.gamma,
    bgnbdLogLikelihood: model.bgnbd.logLikelihood,
    gammaGammaLogLikelihood: model.gammaGamma.logLikelihood,
    customers: model.customers,
    repeatCustomers: model.repeatCustomers,
    converged: model.bgnbd.converged && model.gammaGamma.converged,
    fittedAt: model.fittedAt,
    ...(model.holdoutCheck ? { holdoutCheck: model.holdoutCheck } : {}),
  };
}

export interface PredictionOptions {
  /** The day predictions start from (the customer's history is read up to it). */
  asOf: Date;
  /** Periods of the model's unit (integer >= 1). */
  horizon: number;
  annualDiscountRate: number;
  /** Share of revenue kept as margin, [0, 1]. */
  marginShare: number;
}

export interface Prediction {
  modelId: string;
  unit: TimeUnit;
  calibrationEnd: string;
  asOf: string;
  horizon: number;
  annualDiscountRate: number;
  marginShare: number;
  x: number;
  t_x: number;
  T: number;
  monetary: number;
  probabilityAlive: number;
  /** Expected transactions (purchase days) over the horizon, undiscounted. */
  expectedTransactions: number;
  /** Expected spend per transaction; null when the fitted Gamma-Gamma has no finite mean for this customer (px + q <= 1). */
  expectedSpend: number | null;
  /** Discounted CLV over the horizon; null with expectedSpend. */
  clv: number | null;
}

/** Distinct (x, t_x, T) whose transaction part one predictor keeps (about 100 bytes each). */
const MAX_TRANSACTION_PARTS = 200_000;

const round6 = (value: number): number => Math.round(value * 1e6) / 1e6;

/**
 * Predicts customers one by one; the transaction part depends only on (x, t_x, T), which many
 * customers share, so it is computed once per distinct triple.
 */
export class ClvPredictor {
  private readonly transactions = new Map<
    string,
    { probabilityAlive: number; expectedTransactions: number; discountedTransactions: number }
  >();
  private readonly asOfDay: string;
  private readonly lastDay: number;
  private readonly discountRate: number;

  constructor(
    private readonly model: ClvModelData,
    private readonly options: PredictionOptions,
  ) {
    this.lastDay = dayNumber(options.asOf.toISOString());
    this.asOfDay = dayToIsoDate(this.lastDay);
    this.discountRate = (1 + options.annualDiscountRate) ** (UNIT_DAYS[model.unit] / 365.25) - 1;
  }

  /**
   * null for a customer without a purchase up to the asOf day. A document without its days is
   * valued from their summary, which holds as long as no day lies after the asOf day.
   */
  predict(doc: ValueListDoc): Prediction | null {
    // A model predicts spend in the currency it was fitted on (models before currencies: the default).
    if ((this.model.currency ?? DEFAULT_CURRENCY) !== doc.currency) return null;
    const summary = this.summaryOf(doc);
    if (!summary) return null;
    const roundAmount = (value: number): number => roundMoney(value, doc.currency);
    const { x, t_x, T, monetary } = summary;
    const { r, alpha, a, b } = this.model.bgnbd;
    const { p, q, gamma } = this.model.gammaGamma;
    const key = `${x}|${t_x}|${T}`;
    let part = this.transactions.get(key);
    let spend: number | null;
    try {
      spend = conditionalExpectedSpend({ p, q, gamma }, x, x > 0 ? monetary : 0);
    } catch {
      spend = null;
    }
    if (!part) {
      // The spend does not change the transaction part: any finite value will do when it has none.
      const breakdown = customerLifetimeValue(
        { r, alpha, a, b },
        { p, q: Math.max(q, 2), gamma },
        { x, t_x, T, monetary },
        {
          horizon: this.options.horizon,
          discountRate: this.discountRate,
        },
      );
      part = {
        probabilityAlive: breakdown.probabilityAlive,
        expectedTransactions: breakdown.expectedTransactions,
        discountedTransactions: breakdown.discountedTransactions,
      };
      // Bounded: a predictor kept between requests must not grow with every customer ever valued.
      if (this.transactions.size >= MAX_TRANSACTION_PARTS) this.transactions.clear();
      this.transactions.set(key, part);
    }
    return {
      modelId: this.model.modelId,
      unit: this.model.unit,
      calibrationEnd: this.model.calibrationEnd,
      asOf: this.asOfDay,
      horizon: this.options.horizon,
      annualDiscountRate: this.options.annualDiscountRate,
      marginShare: this.options.marginShare,
      x,
      t_x: round6(t_x),
      T: round6(T),
      monetary: roundAmount(monetary),
      probabilityAlive: round6(part.probabilityAlive),
      expectedTransactions: round6(part.expectedTransactions),
      expectedSpend: spend === null ? null : roundAmount(spend),
      clv: spend === null ? null : roundAmount(part.discountedTransactions * spend * this.options.marginShare),
    };
  }

  /** x, t_x, T and monetary value as of the asOf day, from the days or from their summary. */
  private summaryOf(doc: ValueListDoc): Pick<CustomerSummary, 'x' | 't_x' | 'T' | 'monetary'> | null {
    const summary = doc.daySummary;
    if (doc.days !== undefined || summary === undefined || (summary.lastDay !== null && summary.lastDay > this.lastDay)) {
      if (doc.days === undefined) throw new Error(`the purchase days of ${doc.customerId} are needed to value it as of ${this.asOfDay}`);
      const [full] = summarizePurchases(purchasesOf({ customerId: doc.customerId, days: doc.days }, this.lastDay), {
        calibrationEnd: this.asOfDay,
        unit: this.model.unit,
      });
      return full ?? null;
    }
    if (summary.firstDay === null || summary.lastDay === null) return null;
    // As summarizePurchases computes them when every day is up to the calibration end.
    const unitDays = UNIT_DAYS[this.model.unit];
    const x = summary.days - 1;
    return {
      x,
      t_x: (summary.lastDay - summary.firstDay) / unitDays,
      T: (this.lastDay - summary.firstDay) / unitDays,
      monetary: x > 0 ? summary.repeatSpend / x : 0,
    };
  }
}

/**
 * Predictors kept between requests. A prediction is a pure function of the model, the options, the
 * day it is made on and the customer's (x, t_x, T), so the transaction parts that one request
 * computed (the costly part: a hypergeometric series per period of the horizon) serve the next one;
 * dashboards and integrations ask for the same lists again and again. A new model, another day or
 * other options make another predictor; the least recently used go first.
 */
export class ClvPredictors {
  private readonly byKey = new Map<string, ClvPredictor>();

  constructor(private readonly maxPredictors = 16) {}

  for(model: ClvModelData | null, params: { horizon?: number; discount?: number; marginShare?: number }, now: Date): ClvPredictor | null {
    if (!model) return null;
    const options = {
      asOf: now,
      horizon: params.horizon ?? DEFAULT_HORIZON[model.unit],
      annualDiscountRate: params.discount ?? DEFAULT_ANNUAL_DISCOUNT_RATE,
      marginShare: params.marginShare ?? 1,
    };
    const key = [model.modelId, now.toISOString().slice(0, 10), options.horizon, options.annualDiscountRate, options.marginShare].join('|');
    let predictor = this.byKey.get(key);
    if (predictor === undefined) {
      predictor = new ClvPredictor(model, options);
      if (this.byKey.size >= this.maxPredictors) this.byKey.delete(this.byKey.keys().next().value as string);
    } else this.byKey.delete(key);
    this.byKey.set(key, predictor);
    return predictor;
  }
}
