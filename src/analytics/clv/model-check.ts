/**
 * Checking a fitted BG/NBD model on a holdout period, the standard checks of Fader, Hardie & Lee
 * (2005) and the BTYD walkthrough:
 *
 * - total: repeat transactions (purchase days after the first) in the holdout, actual vs
 *   Σ E[Y(holdout) | x, t_x, T] over the calibration cohort;
 * - conditional expectation: the same per number of calibration repeat transactions x (0..cap-1,
 *   then cap+), as means per customer;
 * - tracking: repeat transactions per period from the cohort's first purchase day to the holdout
 *   end, actual vs the unconditional Σ_i E[X(t - birth_i)] (each customer from their own first
 *   day), incremental and cumulative. Periods are whole units counted from the cohort's first day.
 *
 * Pure: the purchases and the days come in as arguments.
 */
import { conditionalExpectedTransactions, expectedTransactions, type BgNbdParams } from './bgnbd';
import {
  aggregateDailyTransactions,
  dayNumber,
  dayToIsoDate,
  type Purchase,
  summarizePurchases,
  type TimeUnit,
  UNIT_DAYS,
} from './summary';

export interface HoldoutCheckRow {
  /** Calibration repeat transactions (the last row: this many or more). */
  x: number;
  orMore: boolean;
  customers: number;
  /** Mean holdout repeat transactions per customer. */
  actual: number;
  expected: number;
}

export interface TrackingPeriod {
  /** 1-based period number since the cohort's first day. */
  period: number;
  /** First day of the period (YYYY-MM-DD) and the day after its last. */
  from: string;
  to: string;
  holdout: boolean;
  actual: number;
  expected: number;
  cumulativeActual: number;
  cumulativeExpected: number;
}

export interface HoldoutCheck {
  calibrationEnd: string;
  holdoutEnd: string;
  unit: TimeUnit;
  /** Holdout length in the unit. */
  holdoutLength: number;
  customers: number;
  /**
   * Customers whose expectation the series could not evaluate at these parameters (degenerate fits
   * on very little data): left out of `expected` and counted here, so the check never fails the fit.
   */
  customersNotEvaluated: number;
  total: { actual: number; expected: number; error: number; percentError: number | null };
  byCalibrationTransactions: HoldoutCheckRow[];
  tracking: TrackingPeriod[];
}

/** x at and above which customers share the last conditional-expectation row (as in the BTYD walkthrough: 7+). */
export const DEFAULT_X_CAP = 7;

/** The value, or NaN where the hypergeometric series gives up (a RangeError). */
export function evaluated(compute: () => number): number {
  try {
    return compute();
  } catch (error) {
    if (error instanceof RangeError) return Number.NaN;
    throw error;
  }
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

export function holdoutCheck(
  params: BgNbdParams,
  purchases: readonly Purchase[],
  options: { calibrationEnd: string; holdoutEnd: string; unit: TimeUnit; xCap?: number },
): HoldoutCheck {
  const { calibrationEnd, holdoutEnd, unit } = options;
  const cap = options.xCap ?? DEFAULT_X_CAP;
  const unitDays = UNIT_DAYS[unit];
  const summaries = summarizePurchases(purchases, { calibrationEnd, holdoutEnd, unit });
  const holdoutLength = (dayNumber(holdoutEnd) - dayNumber(calibrationEnd)) / unitDays;

  const rows = new Map<number, { customers: number; actual: number; expected: number }>();
  let actualTotal = 0;
  let expectedTotal = 0;
  let notEvaluated = 0;
  const parts = new Map<string, number>();
  for (const s of summaries) {
    const key = `${s.x}|${s.t_x}|${s.T}`;
    let expected = parts.get(key);
    if (expected === undefined) {
      expected = evaluated(() => conditionalExpectedTransactions(params, holdoutLength, s.x, s.t_x, s.T));
      parts.set(key, expected);
    }
    if (Number.isNaN(expected)) {
      notEvaluated++;
      expected = 0;
    }
    const actual = s.holdout?.transactions ?? 0;
    actualTotal += actual;
    expectedTotal += expected;
    const bucket = Math.min(s.x, cap);
    const row = rows.get(bucket) ?? { customers: 0, actual: 0, expected: 0 };
    row.customers++;
    row.actual += actual;
    row.expected += expected;
    rows.set(bucket, row);
  }
  const byCalibrationTransactions = [...rows.entries()]
    .sort(([p], [q]) => p - q)
    .map(([x, row]) => ({
      x,
      orMore: x === cap,
      customers: row.customers,
      actual: round(row.actual / row.customers, 4),
      expected: round(row.expected / row.customers, 4),
    }));

  return {
    calibrationEnd,
    holdoutEnd,
    unit,
    holdoutLength,
    customers: summaries.length,
    customersNotEvaluated: notEvaluated,
    total: {
      actual: actualTotal,
      expected: round(expectedTotal, 3),
      error: round(expectedTotal - actualTotal, 3),
      percentError: actualTotal > 0 ? round(((expectedTotal - actualTotal) / actualTotal) * 100, 2) : null,
    },
    byCalibrationTransactions,
    tracking: tracking(params, purchases, { calibrationEnd: dayNumber(calibrationEnd), holdoutEnd: dayNumber(holdoutEnd), unitDays }),
  };
}

/** Repeat transactions per period of the calibration cohort, actual and expected (unconditional). */
function tracking(
  params: BgNbdParams,
  purchases: readonly Purchase[],
  bounds: { calibrationEnd: number; holdoutEnd: number; unitDays: number },
): TrackingPeriod[] {
  const { calibrationEnd, holdoutEnd, unitDays } = bounds;
  const births = new Map<number, number>();
  const repeatDays: number[] = [];
  for (const days of aggregateDailyTransactions(purchases).values()) {
    const first = days[0].day;
    if (first > calibrationEnd) continue;
    births.set(first, (births.get(first) ?? 0) + 1);
    for (let i = 1; i < days.length && days[i].day <= holdoutEnd; i++) repeatDays.push(days[i].day);
  }
  if (births.size === 0) return [];
  const start = Math.min(...births.keys());
  const periods = Math.ceil((holdoutEnd + 1 - start) / unitDays);
  const actual = new Array<number>(periods).fill(0);
  for (const day of repeatDays) actual[Math.floor((day - start) / unitDays)]++;
  // Cumulative expectation at the end of each period: customers born on a day share the term.
  const cumulativeAt = (endDay: number): number => {
    let sum = 0;
    for (const [birth, count] of births)
      if (endDay > birth) sum += count * (evaluated(() => expectedTransactions(params, (endDay - birth) / unitDays)) || 0);
    return sum;
  };
  const result: TrackingPeriod[] = [];
  let previousExpected = 0;
  let cumulativeActual = 0;
  for (let k = 0; k < periods; k++) {
    const from = start + k * unitDays;
    const to = Math.min(from + unitDays, holdoutEnd + 1);
    const cumulativeExpected = cumulativeAt(to);
    cumulativeActual += actual[k];
    result.push({
      period: k + 1,
      from: dayToIsoDate(from),
      to: dayToIsoDate(to),
      holdout: from > calibrationEnd,
      actual: actual[k],
      expected: round(cumulativeExpected - previousExpected, 3),
      cumulativeActual,
      cumulativeExpected: round(cumulativeExpected, 3),
    });
    previousExpected = cumulativeExpected;
  }
  return result;
}
