/**
 * Retention and churn in business time, from the purchase days (pure). A non-contractual business
 * sees no cancellations, so a customer counts as retained from one period to the next when they
 * buy in both (repeat-purchase retention):
 *
 * - per period: active = customers with a purchase in it; retention(p) = share of the customers
 *   active in the period before p who buy again in p; churn = 1 - retention;
 * - per cohort (the period of the first purchase, i.e. when they became customers) and tenure
 *   (periods since): the share of the cohort buying in each period of its life, the retention curve.
 *
 * Only periods that ended by the as-of count (a period still under way would look like churn).
 * Economics (second essay: acquiring a customer costs about 5 times as much as keeping one): the
 * customers lost in the last period, and what replacing them costs in retention units.
 */
import { dayNumber } from '../clv/summary';

export type RetentionInterval = 'month' | 'quarter' | 'year';
export const RETENTION_INTERVALS: readonly RetentionInterval[] = ['month', 'quarter', 'year'];

const MONTHS: Record<RetentionInterval, number> = { month: 1, quarter: 3, year: 12 };

export interface RetentionPeriod {
  period: string;
  start: string;
  end: string;
  active: number;
  /** Active in the period before and in this one; null for the first period. */
  retained: number | null;
  retentionRate: number | null;
  churnRate: number | null;
  /** First purchase in this period. */
  newCustomers: number;
}

export interface RetentionCohort {
  cohort: string;
  customers: number;
  /** Share of the cohort buying in its period 0, 1, 2, ... (tenure). */
  activeShare: number[];
}

export interface RetentionReport {
  interval: RetentionInterval;
  periods: RetentionPeriod[];
  cohorts: RetentionCohort[];
  economics: {
    acquisitionCostMultiple: number;
    /** Customers active in the second-to-last period who did not buy in the last one. */
    lostInLastPeriod: number;
    /** What replacing them costs, in units of the cost of retaining one customer. */
    replacementCostInRetentionUnits: number;
  };
}

interface Period {
  index: number;
  start: Date;
  end: Date;
}

const round = (value: number): number => Math.round(value * 10_000) / 10_000;

function periodIndex(iso: string, interval: RetentionInterval): number {
  const d = new Date(iso);
  return Math.floor((d.getUTCFullYear() * 12 + d.getUTCMonth()) / MONTHS[interval]);
}

function periodOf(index: number, interval: RetentionInterval): Period {
  const months = index * MONTHS[interval];
  const start = new Date(Date.UTC(Math.floor(months / 12), months % 12, 1));
  const endMonths = months + MONTHS[interval];
  return { index, start, end: new Date(Date.UTC(Math.floor(endMonths / 12), endMonths % 12, 1)) };
}

function label(period: Period, interval: RetentionInterval): string {
  const y = period.start.getUTCFullYear();
  const m = period.start.getUTCMonth();
  if (interval === 'year') return String(y);
  if (interval === 'quarter') return `${y}-Q${m / 3 + 1}`;
  return `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** Customers as their purchase days (day numbers since 1970-01-01, UTC). */
export interface RetentionCustomer {
  customerId: string;
  days: readonly number[];
}

export function retention(
  customers: readonly RetentionCustomer[],
  asOf: Date,
  interval: RetentionInterval,
  acquisitionCostMultiple: number,
): RetentionReport {
  const asOfDay = dayNumber(asOf.toISOString());
  const dayIso = (day: number): string => new Date(day * 86_400_000).toISOString();
  // Periods that ended by the as-of.
  // The period holding the as-of has not ended (at its very start it has not begun).
  const lastComplete = periodIndex(asOf.toISOString(), interval) - 1;
  const activeBy = new Map<number, Set<string>>();
  const firstBy = new Map<number, Set<string>>();
  for (const customer of customers) {
    const days = customer.days.filter((day) => day < asOfDay);
    if (days.length === 0) continue;
    const first = periodIndex(dayIso(Math.min(...days)), interval);
    if (first > lastComplete) continue;
    (firstBy.get(first) ?? firstBy.set(first, new Set()).get(first)!).add(customer.customerId);
    for (const day of days) {
      const index = periodIndex(dayIso(day), interval);
      if (index > lastComplete) continue;
      (activeBy.get(index) ?? activeBy.set(index, new Set()).get(index)!).add(customer.customerId);
    }
  }
  const firstIndex = Math.min(...firstBy.keys());
  const periods: RetentionPeriod[] = [];
  if (Number.isFinite(firstIndex)) {
    for (let index = firstIndex; index <= lastComplete; index++) {
      const period = periodOf(index, interval);
      const active = activeBy.get(index) ?? new Set<string>();
      const before = index > firstIndex ? (activeBy.get(index - 1) ?? new Set<string>()) : null;
      const retained = before === null ? null : [...before].filter((id) => active.has(id)).length;
      const retentionRate = before === null || before.size === 0 ? null : round(retained! / before.size);
      periods.push({
        period: label(period, interval),
        start: period.start.toISOString(),
        end: period.end.toISOString(),
        active: active.size,
        retained,
        retentionRate,
        churnRate: retentionRate === null ? null : round(1 - retentionRate),
        newCustomers: firstBy.get(index)?.size ?? 0,
      });
    }
  }
  const cohorts: RetentionCohort[] = [...firstBy.entries()]
    .sort(([p], [q]) => p - q)
    .map(([index, members]) => {
      const activeShare: number[] = [];
      for (let k = index; k <= lastComplete; k++) {
        const active = activeBy.get(k) ?? new Set<string>();
        activeShare.push(round([...members].filter((id) => active.has(id)).length / members.size));
      }
      return { cohort: label(periodOf(index, interval), interval), customers: members.size, activeShare };
    });
  const last = periods.at(-1);
  const lost = last && last.retained !== null && periods.length > 1 ? periods[periods.length - 2].active - last.retained : 0;
  return {
    interval,
    periods,
    cohorts,
    economics: { acquisitionCostMultiple, lostInLastPeriod: lost, replacementCostInRetentionUnits: round(lost * acquisitionCostMultiple) },
  };
}
