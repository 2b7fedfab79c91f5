/**
 * RFM scoring: recency, frequency and monetary quintile scores 1-5 (5 = best) and a named segment.
 *
 * Scores are quintiles over the scored population (see quantile-scores.ts: order-independent, ties
 * share a score). Recency is the time since the last purchase, so SMALLER recency scores higher.
 *
 * Segments come from the recency score R and the combined frequency-monetary score
 * FM = round-half-up((F + M) / 2), by this table (rows R, columns FM):
 *
 *   R \ FM |  1               2                   3                   4             5
 *   -------+------------------------------------------------------------------------------------
 *     5    |  new             potential-loyalist  potential-loyalist  champions     champions
 *     4    |  promising       potential-loyalist  potential-loyalist  loyal         champions
 *     3    |  about-to-sleep  need-attention      need-attention      loyal         loyal
 *     2    |  hibernating     hibernating         at-risk             at-risk       cannot-lose
 *     1    |  lost            lost                hibernating         at-risk       cannot-lose
 *
 * Reading: recent and valuable = champions; valuable but lapsing = at-risk, and the most valuable of
 * them = cannot-lose; recent but small = new / promising / potential-loyalist; neither = hibernating,
 * then lost.
 */
import { aggregateDailyTransactions, dayNumber, type DayOptions, type Purchase } from '../clv/summary';
import { quantileScores } from './quantile-scores';

export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential-loyalist',
  'new',
  'promising',
  'need-attention',
  'about-to-sleep',
  'at-risk',
  'cannot-lose',
  'hibernating',
  'lost',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/** RFM_SEGMENT_TABLE[R - 1][FM - 1]: the table above, R = 1 first. */
export const RFM_SEGMENT_TABLE: readonly (readonly RfmSegment[])[] = [
  ['lost', 'lost', 'hibernating', 'at-risk', 'cannot-lose'],
  ['hibernating', 'hibernating', 'at-risk', 'at-risk', 'cannot-lose'],
  ['about-to-sleep', 'need-attention', 'need-attention', 'loyal', 'loyal'],
  ['promising', 'potential-loyalist', 'potential-loyalist', 'loyal', 'champions'],
  ['new', 'potential-loyalist', 'potential-loyalist', 'champions', 'champions'],
];

export interface RfmInput {
  customerId: string;
  /** Time since the last purchase (any unit, the same for everyone): smaller is better. */
  recency: number;
  /** Number of transactions: larger is better. */
  frequency: number;
  /** Spend (total or average, the same for everyone): larger is better. */
  monetary: number;
}

export interface RfmScore extends RfmInput {
  r: number;
  f: number;
  m: number;
  /** round-half-up((f + m) / 2). */
  fm: number;
  /** The three scores as a string, e.g. "545". */
  code: string;
  segment: RfmSegment;
}

function checkScore(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 5) throw new RangeError(`${name} score must be an integer 1-5, got ${value}`);
}

/** The named segment of R, F, M scores (each 1-5). */
export function rfmSegment(r: number, f: number, m: number): RfmSegment {
  checkScore('R', r);
  checkScore('F', f);
  checkScore('M', m);
  return RFM_SEGMENT_TABLE[r - 1][Math.floor((f + m) / 2 + 0.5) - 1];
}

/** Quintile scores and segments for a population of customers, in input order. */
export function scoreRfm(customers: readonly RfmInput[]): RfmScore[] {
  const r = quantileScores(
    customers.map((c) => c.recency),
    5,
    false,
  );
  const f = quantileScores(
    customers.map((c) => c.frequency),
    5,
    true,
  );
  const m = quantileScores(
    customers.map((c) => c.monetary),
    5,
    true,
  );
  return customers.map((c, i) => ({
    ...c,
    r: r[i],
    f: f[i],
    m: m[i],
    fm: Math.floor((f[i] + m[i]) / 2 + 0.5),
    code: `${r[i]}${f[i]}${m[i]}`,
    segment: rfmSegment(r[i], f[i], m[i]),
  }));
}

export interface RfmFromPurchasesOptions extends DayOptions {
  /** 'total' (default): total spend; 'average': spend per transaction. */
  monetary?: 'total' | 'average';
}

/**
 * RFM inputs from raw purchases as of a day (purchases after it are ignored): recency in days since
 * the last purchase day, frequency = number of transactions (purchase days: same-day purchases are one
 * transaction, as in the CLV summary), monetary = total or average spend. Customers with no purchase
 * on or before `asOf` are left out. Output is ordered by customer id.
 */
export function rfmInputsFromPurchases(purchases: readonly Purchase[], asOf: string, options: RfmFromPurchasesOptions = {}): RfmInput[] {
  const asOfDay = dayNumber(asOf, options.dayOffsetMinutes ?? 0);
  const inputs: RfmInput[] = [];
  for (const [customerId, days] of aggregateDailyTransactions(purchases, options)) {
    const counted = days.filter((d) => d.day <= asOfDay);
    if (counted.length === 0) continue;
    const total = counted.reduce((sum, d) => sum + d.amount, 0);
    inputs.push({
      customerId,
      recency: asOfDay - counted[counted.length - 1].day,
      frequency: counted.length,
      monetary: options.monetary === 'average' ? total / counted.length : total,
    });
  }
  return inputs;
}
