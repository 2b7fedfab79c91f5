/**
 * Complaint statistics from the per-complaint facts (complaint-stats.projection.ts). Pure.
 *
 * Population: the complaints REGISTERED in the window [from, to) (a cohort view: every measure of
 * a window is about the same complaints, whatever happened to them since).
 *
 * Measures (definitions are part of the API):
 * - validity: assessed = complaints with a standing assessment; ratio = valid / assessed;
 * - SLA: decided = complaints whose resolution deadline is settled (resolved, or breached);
 *   compliance = resolved within the deadline and never breached / decided; breaches counted per
 *   deadline kind and as complaints with any breach;
 * - time to acknowledge = acknowledgedAt - registeredAt, time to resolve = resolvedAt -
 *   registeredAt (the standing resolution), in hours: mean, median (mean of the two middle values
 *   for an even count) and p90 (nearest rank: the ceil(0.9 n)-th smallest);
 * - reopen rate = complaints reopened at least once / complaints ever resolved or closed;
 * - repeat complainers = customers with two or more complaints in the window (share of the
 *   window's complaining customers);
 * - CSAT: mean of the latest answers (1-5) and their distribution; NPS = % promoters (9-10) -
 *   % detractors (0-6) among the answers that gave a score.
 * Ratios are null when their denominator is 0. The change against the previous period compares
 * with the window of the same length just before `from`.
 */
import type { ComplaintFacts } from './complaint-facts';

/** company ... disputed: an imported complaint's values as its source gives them (complaint-stats.projection.ts). */
export const STAT_DIMENSIONS = [
  'status',
  'category',
  'product',
  'channel',
  'department',
  'severity',
  'company',
  'state',
  'issue',
  'subIssue',
  'sourceChannel',
  'companyResponse',
  'timely',
  'disputed',
] as const;
export type StatDimension = (typeof STAT_DIMENSIONS)[number];
export const STAT_INTERVALS = ['day', 'week', 'month'] as const;
export type StatInterval = (typeof STAT_INTERVALS)[number];

/** The key of a missing dimension value (no product, not yet assigned, not yet graded). */
export const NONE = '(none)';

export interface DurationStats {
  count: number;
  mean: number | null;
  median: number | null;
  p90: number | null;
}

export interface ComplaintMetrics {
  complaints: number;
  customers: number;
  validity: { assessed: number; valid: number; ratio: number | null };
  sla: {
    decided: number;
    withinSla: number;
    compliance: number | null;
    breaches: { firstResponse: number; resolution: number; complaints: number };
  };
  timeToAcknowledgeHours: DurationStats;
  timeToResolveHours: DurationStats;
  reopen: { eligible: number; reopened: number; rate: number | null };
  repeatComplainers: { customers: number; complaints: number; share: number | null };
  csat: { responses: number; average: number | null; distribution: Record<'1' | '2' | '3' | '4' | '5', number> };
  nps: { responses: number; promoters: number; passives: number; detractors: number; score: number | null };
}

const HOUR_MS = 3_600_000;
const round = (value: number, digits = 4): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
const ratio = (part: number, whole: number): number | null => (whole > 0 ? round(part / whole) : null);

export function durationStats(values: number[]): DurationStats {
  if (values.length === 0) return { count: 0, mean: null, median: null, p90: null };
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / n;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const p90 = sorted[Math.ceil(0.9 * n) - 1];
  return { count: n, mean: round(mean), median: round(median), p90: round(p90) };
}

const hoursBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / HOUR_MS;

/**
 * The sums every measure is computed from. Per-complaint facts (complaintMetrics) and day buckets
 * (complaint-stats-buckets.ts) each add up into one, and metricsOfTally turns it into the measures,
 * so both paths report alike by construction.
 */
export interface MetricTally {
  complaints: number;
  customers: number;
  assessed: number;
  valid: number;
  decided: number;
  withinSla: number;
  breachedFirstResponse: number;
  breachedResolution: number;
  breachedAny: number;
  eligible: number;
  reopened: number;
  csatSum: number;
  csatCount: number;
  csat: { '1': number; '2': number; '3': number; '4': number; '5': number };
  npsResponses: number;
  promoters: number;
  passives: number;
  detractors: number;
  acknowledgeHours: number[];
  resolveHours: number[];
  repeatCustomers: number;
  repeatComplaints: number;
}

export function emptyTally(): MetricTally {
  return {
    ...emptyCounters(),
    customers: 0,
    acknowledgeHours: [],
    resolveHours: [],
    repeatCustomers: 0,
    repeatComplaints: 0,
  };
}

/** The counters one complaint adds to: kept by tallies and, in the projection, by day buckets. */
export type ComplaintCounters = Pick<
  MetricTally,
  | 'complaints'
  | 'assessed'
  | 'valid'
  | 'decided'
  | 'withinSla'
  | 'breachedFirstResponse'
  | 'breachedResolution'
  | 'breachedAny'
  | 'eligible'
  | 'reopened'
  | 'csatSum'
  | 'csatCount'
  | 'csat'
  | 'npsResponses'
  | 'promoters'
  | 'passives'
  | 'detractors'
>;

/** Counters at zero: a tally's start and, in the projection, a day bucket's. */
export function emptyCounters(): ComplaintCounters {
  return {
    complaints: 0,
    assessed: 0,
    valid: 0,
    decided: 0,
    withinSla: 0,
    breachedFirstResponse: 0,
    breachedResolution: 0,
    breachedAny: 0,
    eligible: 0,
    reopened: 0,
    csatSum: 0,
    csatCount: 0,
    csat: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 },
    npsResponses: 0,
    promoters: 0,
    passives: 0,
    detractors: 0,
  };
}

/** Adds one complaint's facts to the counters (sign -1 takes them away again). */
export function countFacts(c: ComplaintCounters, f: ComplaintFacts, sign: 1 | -1 = 1): void {
  c.complaints += sign;
  if (f.valid !== null) {
    c.assessed += sign;
    if (f.valid) c.valid += sign;
  }
  if (f.resolutionWithinSla !== null || f.breachedResolution) {
    c.decided += sign;
    if (f.resolutionWithinSla === true && !f.breachedResolution) c.withinSla += sign;
  }
  if (f.breachedFirstResponse) c.breachedFirstResponse += sign;
  if (f.breachedResolution) c.breachedResolution += sign;
  if (f.breachedFirstResponse || f.breachedResolution) c.breachedAny += sign;
  if (f.everResolvedOrClosed) {
    c.eligible += sign;
    if (f.reopenCount > 0) c.reopened += sign;
  }
  if (f.csat !== null) {
    c.csatSum += sign * f.csat;
    c.csatCount += sign;
    const key = String(f.csat);
    if (Object.prototype.hasOwnProperty.call(c.csat, key)) c.csat[key as keyof ComplaintCounters['csat']] += sign;
  }
  if (f.nps !== null) {
    c.npsResponses += sign;
    if (f.nps >= 9) c.promoters += sign;
    else if (f.nps >= 7) c.passives += sign;
    else c.detractors += sign;
  }
}

/** The measures of a tally (sorting the durations for their statistics). */
export function metricsOfTally(t: MetricTally): ComplaintMetrics {
  return {
    complaints: t.complaints,
    customers: t.customers,
    validity: { assessed: t.assessed, valid: t.valid, ratio: ratio(t.valid, t.assessed) },
    sla: {
      decided: t.decided,
      withinSla: t.withinSla,
      compliance: ratio(t.withinSla, t.decided),
      breaches: { firstResponse: t.breachedFirstResponse, resolution: t.breachedResolution, complaints: t.breachedAny },
    },
    timeToAcknowledgeHours: durationStats(t.acknowledgeHours),
    timeToResolveHours: durationStats(t.resolveHours),
    reopen: { eligible: t.eligible, reopened: t.reopened, rate: ratio(t.reopened, t.eligible) },
    repeatComplainers: { customers: t.repeatCustomers, complaints: t.repeatComplaints, share: ratio(t.repeatCustomers, t.customers) },
    csat: { responses: t.csatCount, average: t.csatCount ? round(t.csatSum / t.csatCount, 2) : null, distribution: { ...t.csat } },
    nps: {
      responses: t.npsResponses,
      promoters: t.promoters,
      passives: t.passives,
      detractors: t.detractors,
      score: t.npsResponses ? round(((t.promoters - t.detractors) / t.npsResponses) * 100, 1) : null,
    },
  };
}

/** Every measure over one set of complaints, in one pass (plus sorting the durations). */
export function complaintMetrics(facts: readonly ComplaintFacts[]): ComplaintMetrics {
  const t = emptyTally();
  const perCustomer = new Map<string, number>();
  for (const f of facts) {
    perCustomer.set(f.customerId, (perCustomer.get(f.customerId) ?? 0) + 1);
    countFacts(t, f);
    if (f.acknowledgedAt !== null) t.acknowledgeHours.push(hoursBetween(f.registeredAt, f.acknowledgedAt));
    if (f.resolvedAt !== null) t.resolveHours.push(hoursBetween(f.registeredAt, f.resolvedAt));
  }
  t.customers = perCustomer.size;
  for (const count of perCustomer.values()) {
    if (count >= 2) {
      t.repeatCustomers++;
      t.repeatComplaints += count;
    }
  }
  return metricsOfTally(t);
}

export function dimensionValue(facts: ComplaintFacts, dimension: StatDimension): string {
  const value = facts[dimension];
  return value === null || value === '' ? NONE : value;
}

/** Complaints per value of every dimension. */
export function dimensionCounts(facts: readonly ComplaintFacts[]): Record<StatDimension, Record<string, number>> {
  const counts = Object.fromEntries(STAT_DIMENSIONS.map((d) => [d, {} as Record<string, number>])) as Record<
    StatDimension,
    Record<string, number>
  >;
  for (const f of facts) {
    for (const d of STAT_DIMENSIONS) {
      const key = dimensionValue(f, d);
      counts[d][key] = (counts[d][key] ?? 0) + 1;
    }
  }
  return counts;
}

// ---------------------------------------------------------------- periods

const DAY_MS = 86_400_000;

/** Start (UTC) of the period holding the instant. Weeks are ISO weeks (Monday to Sunday). */
export function periodStart(ms: number, interval: StatInterval): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  if (interval === 'day') return day;
  if (interval === 'week') {
    const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
    return day - weekday * DAY_MS;
  }
  const date = new Date(day);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function nextPeriodStart(start: number, interval: StatInterval): number {
  if (interval === 'day') return start + DAY_MS;
  if (interval === 'week') return start + 7 * DAY_MS;
  const date = new Date(start);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/** The period's label: 2026-03-10 (day), 2026-W11 (ISO week), 2026-03 (month). */
export function periodLabel(start: number, interval: StatInterval): string {
  const iso = new Date(start).toISOString();
  if (interval === 'day') return iso.slice(0, 10);
  if (interval === 'month') return iso.slice(0, 7);
  // The ISO week-numbering year is the year of the week's Thursday.
  const thursday = new Date(start + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The periods overlapping [from, to), each clipped to the window. */
export function periodsOf(from: number, to: number, interval: StatInterval): { period: string; start: number; end: number }[] {
  const periods: { period: string; start: number; end: number }[] = [];
  for (let start = periodStart(from, interval); start < to; start = nextPeriodStart(start, interval)) {
    periods.push({
      period: periodLabel(start, interval),
      start: Math.max(start, from),
      end: Math.min(nextPeriodStart(start, interval), to),
    });
  }
  return periods;
}

/** How many periods a window spans (to refuse absurd series before computing them). */
export function periodCount(from: number, to: number, interval: StatInterval): number {
  if (interval === 'day') return Math.ceil((to - periodStart(from, 'day')) / DAY_MS);
  if (interval === 'week') return Math.ceil((to - periodStart(from, 'week')) / (7 * DAY_MS));
  const a = new Date(from);
  const b = new Date(to - 1);
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth()) + 1;
}

// ---------------------------------------------------------------- the report

export interface StatsRequest {
  from: Date;
  to: Date;
  groupBy?: StatDimension;
  interval?: StatInterval;
}

export interface ChangeOf {
  previous: number | null;
  current: number | null;
  /** current - previous; null when either is null. */
  difference: number | null;
  /** difference / previous; null when previous is 0 or null. */
  relative: number | null;
}

export interface ComplaintStatsReport {
  from: string;
  to: string;
  groupBy: StatDimension | null;
  interval: StatInterval | null;
  totals: ComplaintMetrics;
  counts: Record<StatDimension, Record<string, number>>;
  groups?: ({ group: string } & ComplaintMetrics)[];
  series?: ({ period: string; start: string; end: string; group?: string } & ComplaintMetrics)[];
  previous: { from: string; to: string; totals: ComplaintMetrics };
  change: {
    complaints: ChangeOf;
    validityRatio: ChangeOf;
    slaCompliance: ChangeOf;
    slaBreaches: ChangeOf;
    timeToAcknowledgeMedianHours: ChangeOf;
    timeToResolveMedianHours: ChangeOf;
    reopenRate: ChangeOf;
    repeatComplainers: ChangeOf;
    csatAverage: ChangeOf;
    nps: ChangeOf;
  };
}

function changeOf(previous: number | null, current: number | null): ChangeOf {
  const difference = previous === null || current === null ? null : round(current - previous);
  return { previous, current, difference, relative: difference === null || !previous ? null : round(difference / previous) };
}

function groupsOf(facts: readonly ComplaintFacts[], dimension: StatDimension): Map<string, ComplaintFacts[]> {
  const groups = new Map<string, ComplaintFacts[]>();
  for (const f of facts) {
    const key = dimensionValue(f, dimension);
    const list = groups.get(key);
    if (list) list.push(f);
    else groups.set(key, [f]);
  }
  return groups;
}

/** The report's common part: the window, its totals and counts, the previous period and the change. */
export function reportOf(
  request: StatsRequest,
  totals: ComplaintMetrics,
  before: ComplaintMetrics,
  counts: Record<StatDimension, Record<string, number>>,
): ComplaintStatsReport {
  const from = request.from.getTime();
  const to = request.to.getTime();
  const previousFrom = from - (to - from);
  return {
    from: request.from.toISOString(),
    to: request.to.toISOString(),
    groupBy: request.groupBy ?? null,
    interval: request.interval ?? null,
    totals,
    counts,
    previous: { from: new Date(previousFrom).toISOString(), to: request.from.toISOString(), totals: before },
    change: {
      complaints: changeOf(before.complaints, totals.complaints),
      validityRatio: changeOf(before.validity.ratio, totals.validity.ratio),
      slaCompliance: changeOf(before.sla.compliance, totals.sla.compliance),
      slaBreaches: changeOf(before.sla.breaches.complaints, totals.sla.breaches.complaints),
      timeToAcknowledgeMedianHours: changeOf(before.timeToAcknowledgeHours.median, totals.timeToAcknowledgeHours.median),
      timeToResolveMedianHours: changeOf(before.timeToResolveHours.median, totals.timeToResolveHours.median),
      reopenRate: changeOf(before.reopen.rate, totals.reopen.rate),
      repeatComplainers: changeOf(before.repeatComplainers.customers, totals.repeatComplainers.customers),
      csatAverage: changeOf(before.csat.average, totals.csat.average),
      nps: changeOf(before.nps.score, totals.nps.score),
    },
  };
}

/**
 * The report for the window. `facts` may hold complaints outside it: those registered in the
 * previous period of the same length are used for the change, the rest is ignored.
 */
export function complaintStatistics(facts: Iterable<ComplaintFacts>, request: StatsRequest): ComplaintStatsReport {
  const from = request.from.getTime();
  const to = request.to.getTime();
  const previousFrom = from - (to - from);
  const current: ComplaintFacts[] = [];
  const previous: ComplaintFacts[] = [];
  for (const f of facts) {
    const at = Date.parse(f.registeredAt);
    if (at >= from && at < to) current.push(f);
    else if (at >= previousFrom && at < from) previous.push(f);
  }
  const report = reportOf(request, complaintMetrics(current), complaintMetrics(previous), dimensionCounts(current));
  const grouped = request.groupBy ? groupsOf(current, request.groupBy) : null;
  if (grouped) {
    report.groups = [...grouped.entries()]
      .map(([group, list]) => ({ group, ...complaintMetrics(list) }))
      .sort((p, q) => q.complaints - p.complaints || (p.group < q.group ? -1 : p.group > q.group ? 1 : 0));
  }
  if (request.interval) {
    const periods = periodsOf(from, to, request.interval);
    const buckets = periods.map(() => [] as ComplaintFacts[]);
    for (const f of current) {
      const at = Date.parse(f.registeredAt);
      // Periods are consecutive: a binary search finds the one holding the instant.
      let lo = 0;
      let hi = periods.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (periods[mid].start <= at) lo = mid;
        else hi = mid - 1;
      }
      buckets[lo].push(f);
    }
    const groupKeys = report.groups?.map((g) => g.group);
    report.series = periods.flatMap((p, i) => {
      const base = { period: p.period, start: new Date(p.start).toISOString(), end: new Date(p.end).toISOString() };
      if (!groupKeys || !request.groupBy) return [{ ...base, ...complaintMetrics(buckets[i]) }];
      const inBucket = groupsOf(buckets[i], request.groupBy);
      return groupKeys.map((group) => ({ ...base, group, ...complaintMetrics(inBucket.get(group) ?? []) }));
    });
  }
  return report;
}
