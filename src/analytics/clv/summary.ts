/**
 * Per-customer calibration summary for the buy-till-you-die models: from raw purchases to
 * (x, t_x, T, zbar), the sufficient statistics of BG/NBD and Gamma-Gamma.
 *
 * Rules (those of Fader, Hardie & Lee on CDNOW):
 * - a transaction is a (customer, calendar day): purchases by one customer on the same day count as
 *   ONE transaction, their amounts summed;
 * - the first transaction day is the customer's "birth"; x counts the REPEAT transaction days up to and
 *   including the calibration end day;
 * - t_x = (last calibration transaction day - first day) and T = (calibration end day - first day), in
 *   the chosen unit (a week is 7 days, exactly: no rounding);
 * - monetary (zbar) = mean of the daily totals of the repeat days only (first day excluded), 0 when x = 0.
 * Customers whose first purchase is after the calibration end are not part of the calibration cohort
 * and are left out of the summary.
 */

export type TimeUnit = 'day' | 'week';
export const UNIT_DAYS: Readonly<Record<TimeUnit, number>> = { day: 1, week: 7 };

export interface Purchase {
  customerId: string;
  /** ISO 8601: a calendar date (YYYY-MM-DD) or a date-time with offset/Z. */
  occurredAt: string;
  amount: number;
}

/** What BG/NBD needs about one customer. */
export interface FrequencyRecency {
  /** Number of repeat transactions in the calibration period. */
  x: number;
  /** Time of the last calibration transaction, from the first one (0 when x = 0). */
  t_x: number;
  /** Length of the observation period, from the first transaction to the calibration end. */
  T: number;
}

/** What Gamma-Gamma needs about one customer. */
export interface FrequencyMonetary {
  x: number;
  /** Mean spend per repeat transaction (zbar); 0 when x = 0. */
  monetary: number;
}

export interface HoldoutSummary {
  /** Transactions (days) after the calibration end, up to and including the holdout end. */
  transactions: number;
  spend: number;
  /** Holdout length in the unit. */
  duration: number;
}

export interface CustomerSummary extends FrequencyRecency, FrequencyMonetary {
  customerId: string;
  /** Calendar day (YYYY-MM-DD) of the first transaction. */
  firstPurchaseAt: string;
  /** Calendar day of the last transaction in the calibration period. */
  lastPurchaseAt: string;
  /** Spend on the first day (not part of zbar). */
  firstPurchaseAmount: number;
  /** Total calibration spend, first day included. */
  totalSpend: number;
  /** Present when a holdout end was given. */
  holdout?: HoldoutSummary;
}

export interface DayOptions {
  /**
   * Offset of the business day from UTC, in minutes (e.g. 60 for UTC+1): a date-time belongs to the
   * calendar day of (instant + offset). Calendar dates (YYYY-MM-DD) are taken as they are. Default 0.
   */
  dayOffsetMinutes?: number;
}

export interface SummaryOptions extends DayOptions {
  /** Last day of the calibration period, inclusive (a date or a date-time, reduced to its day). */
  calibrationEnd: string;
  unit: TimeUnit;
  /** Last day of an optional holdout period, inclusive; must not be before the calibration end. */
  holdoutEnd?: string;
}

/** One transaction: a customer's purchases of one day. `day` counts days since 1970-01-01. */
export interface DailyTransaction {
  day: number;
  amount: number;
}

const DAY_MS = 86_400_000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T/;

/** The day number (days since 1970-01-01) of an ISO date or date-time. */
export function dayNumber(iso: string, dayOffsetMinutes = 0): number {
  const dateOnly = DATE_ONLY.exec(iso);
  if (dateOnly) {
    const [y, m, d] = [Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3])];
    const ms = Date.UTC(y, m - 1, d);
    const check = new Date(ms);
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
      throw new RangeError(`not a calendar date: "${iso}"`);
    }
    return ms / DAY_MS;
  }
  const ms = DATE_TIME.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO 8601 date or date-time: "${iso}"`);
  return Math.floor((ms + dayOffsetMinutes * 60_000) / DAY_MS);
}

/** The ISO calendar date (YYYY-MM-DD) of a day number. */
export function dayToIsoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Purchases grouped into daily transactions per customer (same-day purchases summed), days ascending.
 * Map iteration order is by customer id (code-unit order), for deterministic output.
 */
export function aggregateDailyTransactions(purchases: readonly Purchase[], options: DayOptions = {}): Map<string, DailyTransaction[]> {
  const offset = options.dayOffsetMinutes ?? 0;
  if (!Number.isFinite(offset)) throw new RangeError(`dayOffsetMinutes must be finite, got ${offset}`);
  const byCustomer = new Map<string, Map<number, number>>();
  for (const purchase of purchases) {
    if (!Number.isFinite(purchase.amount)) {
      throw new RangeError(`purchase amount must be a finite number (customer ${purchase.customerId}, ${purchase.occurredAt})`);
    }
    const day = dayNumber(purchase.occurredAt, offset);
    let days = byCustomer.get(purchase.customerId);
    if (!days) {
      days = new Map();
      byCustomer.set(purchase.customerId, days);
    }
    days.set(day, (days.get(day) ?? 0) + purchase.amount);
  }
  const ids = [...byCustomer.keys()].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
  const result = new Map<string, DailyTransaction[]>();
  for (const id of ids) {
    const days = byCustomer.get(id) as Map<number, number>;
    const list = [...days.entries()].map(([day, amount]) => ({ day, amount }));
    list.sort((p, q) => p.day - q.day);
    result.set(id, list);
  }
  return result;
}

/** The calibration summary of every customer whose first purchase is on or before the calibration end. */
export function summarizePurchases(purchases: readonly Purchase[], options: SummaryOptions): CustomerSummary[] {
  const unitDays = UNIT_DAYS[options.unit];
  if (unitDays === undefined) throw new RangeError(`unknown time unit "${String(options.unit)}"`);
  const offset = options.dayOffsetMinutes ?? 0;
  const calibrationEnd = dayNumber(options.calibrationEnd, offset);
  const holdoutEnd = options.holdoutEnd === undefined ? undefined : dayNumber(options.holdoutEnd, offset);
  if (holdoutEnd !== undefined && holdoutEnd < calibrationEnd) {
    throw new RangeError(`holdoutEnd (${options.holdoutEnd}) is before calibrationEnd (${options.calibrationEnd})`);
  }

  const summaries: CustomerSummary[] = [];
  for (const [customerId, days] of aggregateDailyTransactions(purchases, { dayOffsetMinutes: offset })) {
    const first = days[0];
    if (first.day > calibrationEnd) continue;
    let last = first;
    let totalSpend = 0;
    let repeatSpend = 0;
    let calibrationDays = 0;
    let holdoutTransactions = 0;
    let holdoutSpend = 0;
    for (const transaction of days) {
      if (transaction.day <= calibrationEnd) {
        calibrationDays++;
        totalSpend += transaction.amount;
        if (transaction !== first) repeatSpend += transaction.amount;
        last = transaction;
      } else if (holdoutEnd !== undefined && transaction.day <= holdoutEnd) {
        holdoutTransactions++;
        holdoutSpend += transaction.amount;
      }
    }
    const x = calibrationDays - 1;
    const summary: CustomerSummary = {
      customerId,
      x,
      t_x: (last.day - first.day) / unitDays,
      T: (calibrationEnd - first.day) / unitDays,
      monetary: x > 0 ? repeatSpend / x : 0,
      firstPurchaseAt: dayToIsoDate(first.day),
      lastPurchaseAt: dayToIsoDate(last.day),
      firstPurchaseAmount: first.amount,
      totalSpend,
    };
    if (holdoutEnd !== undefined) {
      summary.holdout = { transactions: holdoutTransactions, spend: holdoutSpend, duration: (holdoutEnd - calibrationEnd) / unitDays };
    }
    summaries.push(summary);
  }
  return summaries;
}
