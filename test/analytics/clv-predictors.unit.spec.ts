import { ClvPredictor, ClvPredictors } from '../../src/analytics/clv-model';
import type { ClvModelDoc } from '../../src/analytics/clv-model.projection';
import { type CustomerValueDoc, summarizeDays } from '../../src/analytics/customer-value.projection';

/** The CDNOW sample's published fit (Fader, Hardie & Lee), in weeks. */
function model(modelId: string): ClvModelDoc {
  return {
    _id: modelId,
    modelId,
    revision: 0,
    calibrationEnd: '1997-09-30',
    unit: 'week',
    bgnbd: {
      r: 0.243,
      alpha: 4.414,
      a: 0.793,
      b: 2.426,
      logLikelihood: -9582.43,
      standardErrors: { r: null, alpha: null, a: null, b: null },
      converged: true,
    },
    gammaGamma: {
      p: 6.25,
      q: 3.74,
      gamma: 15.44,
      logLikelihood: -4055.92,
      standardErrors: { p: null, q: null, gamma: null },
      converged: true,
      customers: 946,
      excludedNonPositiveSpend: 0,
    },
    customers: 2357,
    repeatCustomers: 946,
    fittedAt: '1997-10-01T00:00:00.000Z',
  };
}

/** A customer who bought on `days` (day numbers since 1970-01-01) for 20 a day. */
function customer(id: string, days: number[]): CustomerValueDoc {
  return {
    _id: id,
    customerId: id,
    name: id,
    status: 'customer',
    kind: 'customer',
    registeredAt: '1997-01-01T00:00:00.000Z',
    customerSince: '1997-01-01T00:00:00.000Z',
    acquisitionChannel: 'import',
    referredBy: null,
    referrals: [],
    currency: 'USD',
    revenue: 20 * days.length,
    margin: 0,
    purchaseCount: days.length,
    averageOrderValue: 20,
    firstPurchaseAt: null,
    lastPurchaseAt: null,
    days: days.map((d) => [d, 20]),
    daySummary: summarizeDays(days.map((d) => [d, 20])),
    suggestions: [],
    suggestionsAccepted: 0,
    suggestionsDeclined: 0,
    updatedAt: '1997-10-01T00:00:00.000Z',
  };
}

describe('ClvPredictors: predictors kept between requests', () => {
  const now = new Date('1998-06-30T10:00:00.000Z');
  const params = {};

  it('one predictor serves every request of a day for a model and options', () => {
    const predictors = new ClvPredictors();
    const first = predictors.for(model('m1'), params, now);
    expect(predictors.for(model('m1'), params, new Date('1998-06-30T23:59:59.000Z'))).toBe(first);
  });

  it('another model, day or option gets another predictor; none without a model', () => {
    const predictors = new ClvPredictors();
    const first = predictors.for(model('m1'), params, now);
    expect(predictors.for(model('m2'), params, now)).not.toBe(first);
    expect(predictors.for(model('m1'), params, new Date('1998-07-01T00:00:00.000Z'))).not.toBe(first);
    expect(predictors.for(model('m1'), { horizon: 10 }, now)).not.toBe(first);
    expect(predictors.for(model('m1'), { discount: 0.2 }, now)).not.toBe(first);
    expect(predictors.for(model('m1'), { marginShare: 0.3 }, now)).not.toBe(first);
    expect(predictors.for(null, params, now)).toBeNull();
  });

  it('a kept predictor predicts what a fresh one does', () => {
    const predictors = new ClvPredictors();
    const customers = [customer('a', [9900, 9950, 10000]), customer('b', [9900, 9950, 10000]), customer('c', [9800, 10100])];
    const kept = predictors.for(model('m1'), params, now)!;
    for (const c of customers) kept.predict(c);
    const again = predictors.for(model('m1'), params, now)!;
    const fresh = new ClvPredictor(model('m1'), { asOf: now, horizon: 52, annualDiscountRate: 0.1, marginShare: 1 });
    for (const c of customers) expect(again.predict(c)).toEqual(fresh.predict(c));
  });

  it('values a document without its days from their summary, exactly as from the days', () => {
    const predictor = new ClvPredictor(model('m1'), { asOf: now, horizon: 52, annualDiscountRate: 0.1, marginShare: 1 });
    const withUnevenAmounts = (id: string, days: [number, number][]): CustomerValueDoc => ({
      ...customer(id, []),
      days,
      daySummary: summarizeDays(days),
    });
    const docs = [
      customer('one-day', [10000]),
      customer('none', []),
      customer('steady', [9800, 9850, 9900, 9950, 10000, 10050]),
      withUnevenAmounts('uneven', [
        [9700, 12.34],
        [9701, 0.1],
        [9702, 0.2],
        [10080, 999.99],
      ]),
    ];
    for (const doc of docs) {
      const { days: _days, ...lean } = doc;
      expect(predictor.predict(lean)).toEqual(predictor.predict(doc));
    }
    expect(predictor.predict(docs[1])).toBeNull();
  });

  it('needs the days of a customer with a purchase dated after the day it values on', () => {
    const predictor = new ClvPredictor(model('m1'), { asOf: now, horizon: 52, annualDiscountRate: 0.1, marginShare: 1 });
    const { days: _days, ...lean } = customer('future', [10000, 10500]);
    expect(() => predictor.predict(lean)).toThrow(/purchase days of future are needed/);
    expect(predictor.predict(customer('future', [10000, 10500]))).toMatchObject({ x: 0 });
  });

  it('forgets the least recently used predictor beyond its bound', () => {
    const predictors = new ClvPredictors(2);
    const m1 = predictors.for(model('m1'), params, now);
    const m2 = predictors.for(model('m2'), params, now);
    expect(predictors.for(model('m1'), params, now)).toBe(m1);
    // m2 is now the least recently used: m3 takes its place.
    predictors.for(model('m3'), params, now);
    expect(predictors.for(model('m1'), params, now)).toBe(m1);
    expect(predictors.for(model('m2'), params, now)).not.toBe(m2);
  });
});
