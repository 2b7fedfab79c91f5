/**
 * Pre-aggregated complaint statistics: one bucket per UTC day of registration, kept by the
 * complaint-stats projection, so the statistics of a long window read a few hundred small
 * documents instead of every complaint's facts. Pure.
 *
 * A bucket holds what complaintMetrics (complaint-stats.ts) needs, in mergeable form: counters,
 * the exact durations (for medians and p90), the dimension counts, and for repeat complainers the
 * registration instants of each complaint's neighbours among the same customer's complaints
 * (`links`; complaints of a customer with a single complaint are only counted, in `solo`):
 * within a window W, a customer's first complaint in W is the one whose previous complaint lies
 * before W, and the customer complained again in W when that complaint's next one lies in W.
 * Buckets answer the unfiltered statistics of windows made of whole UTC days, exactly as
 * complaintStatistics would from the facts (test/analytics/complaint-stats-buckets.int.spec.ts).
 */
import type { Collection, Document } from '../shared/read-store/read-store.port';
import type { ComplaintFacts } from './complaint-facts';
import {
  type ComplaintCounters,
  type ComplaintMetrics,
  type ComplaintStatsReport,
  countFacts,
  dimensionValue,
  emptyCounters as emptyComplaintCounters,
  emptyTally,
  metricsOfTally,
  periodsOf,
  reportOf,
  STAT_DIMENSIONS,
  type StatDimension,
  type StatsRequest,
} from './complaint-stats';

/** Registration instants (ms) of the same customer's previous and next complaint; null: none. */
export type ComplaintLink = [previous: number | null, next: number | null];

const CSAT_KEYS = ['1', '2', '3', '4', '5'] as const;

// A type (not an interface) so that it is assignable to the read store's Document.
export type DayBucket = {
  /** YYYY-MM-DD (UTC), the registration day of its complaints. */
  day: string;
} & ComplaintCounters & {
    /** acknowledgedAt - registeredAt and resolvedAt - registeredAt, in ms, one per complaint that has one. */
    acknowledgeMs: number[];
    resolveMs: number[];
    /** Complaints whose customer has no other complaint. */
    solo: number;
    /** By complaint id, for complaints whose customer has others. */
    links: Record<string, ComplaintLink>;
    counts: Record<StatDimension, Record<string, number>>;
  };

export const dayOf = (iso: string): string => new Date(iso).toISOString().slice(0, 10);

/**
 * The parts of a bucket that grow with its complaints (up to COMPLAINTS_PER_BUCKET entries): each
 * is stored in its own document of the `day-lists` collection, `<bucket id>/<part>`, written only
 * by the events that change it (a registration changes links, an acknowledgement acknowledgeMs, a
 * resolution or reopen resolveMs).
 */
export const BUCKET_LISTS = ['acknowledgeMs', 'resolveMs', 'links'] as const;
export type BucketList = (typeof BUCKET_LISTS)[number];

/** The constant-size part of a bucket (counters and per-dimension value counts): the one document every event of its complaints rewrites. */
export type DayCounters = Omit<DayBucket, BucketList>;

/** One growing part of a bucket, as stored. */
export type DayListDoc = {
  bucket: string;
  part: BucketList;
  value: DayBucket[BucketList];
};

export const listDocId = (bucket: string, part: BucketList): string => `${bucket}/${part}`;

export function emptyCounters(day: string): DayCounters {
  return {
    day,
    ...emptyComplaintCounters(),
    solo: 0,
    counts: Object.fromEntries(STAT_DIMENSIONS.map((d) => [d, {}])) as DayBucket['counts'],
  };
}

export function emptyBucket(day: string): DayBucket {
  return { ...emptyCounters(day), acknowledgeMs: [], resolveMs: [], links: {} };
}

/** Whole buckets from their stored counters (by bucket id) and list documents. */
export function assembleBuckets(counters: readonly (DayCounters & { _id: string })[], lists: readonly DayListDoc[]): DayBucket[] {
  const byId = new Map<string, DayBucket>();
  for (const { _id, ...rest } of counters) {
    const { _position: _p, ...fields } = rest as DayCounters & { _position?: unknown };
    byId.set(_id, { ...fields, acknowledgeMs: [], resolveMs: [], links: {} });
  }
  for (const list of lists) {
    const bucket = byId.get(list.bucket);
    if (bucket !== undefined) (bucket as Record<BucketList, unknown>)[list.part] = list.value;
  }
  return [...byId.values()];
}

/** Adds (sign 1) or removes (sign -1) a value of a bucket's duration list. */
export function listApply(list: number[], value: number, sign: 1 | -1): void {
  if (sign === 1) list.push(value);
  else {
    const index = list.indexOf(value);
    if (index >= 0) list.splice(index, 1);
  }
}

/** Adds (sign 1) or removes (sign -1) a complaint's counts; its durations and link are applied separately. */
export function applyCounts(b: DayCounters, f: ComplaintFacts, sign: 1 | -1): void {
  countFacts(b, f, sign);
  for (const d of STAT_DIMENSIONS) {
    const key = dimensionValue(f, d);
    const next = (b.counts[d][key] ?? 0) + sign;
    // Zero counts are dropped, so a bucket equals one built from its current complaints.
    if (next === 0) delete b.counts[d][key];
    else b.counts[d][key] = next;
  }
}

/** The duration a complaint adds to a bucket's list (null: it has none yet). */
export function durationMs(f: ComplaintFacts, list: 'acknowledgeMs' | 'resolveMs'): number | null {
  const at = list === 'acknowledgeMs' ? f.acknowledgedAt : f.resolvedAt;
  return at === null ? null : Date.parse(at) - Date.parse(f.registeredAt);
}

/** A customer's complaints as [registered ms, complaint id], in (time, id) order. */
export type ComplaintTimeline = [number, string][];

export function insertIntoTimeline(timeline: ComplaintTimeline, entry: [number, string]): ComplaintTimeline {
  const result: ComplaintTimeline = [...timeline.filter(([, id]) => id !== entry[1]), entry];
  return result.sort((p, q) => p[0] - q[0] || (p[1] < q[1] ? -1 : p[1] > q[1] ? 1 : 0));
}

/** The link of the complaint at `index` of its customer's timeline. */
export function linkAt(timeline: ComplaintTimeline, index: number): ComplaintLink | null {
  const previous = index > 0 ? timeline[index - 1][0] : null;
  const next = index < timeline.length - 1 ? timeline[index + 1][0] : null;
  return previous === null && next === null ? null : [previous, next];
}

// ---------------------------------------------------------------- reading

function metricsOf(buckets: readonly DayBucket[], fromMs: number, toMs: number): ComplaintMetrics {
  const t = emptyTally();
  const HOUR_MS = 3_600_000;
  for (const b of buckets) {
    t.complaints += b.complaints;
    t.assessed += b.assessed;
    t.valid += b.valid;
    t.decided += b.decided;
    t.withinSla += b.withinSla;
    t.breachedFirstResponse += b.breachedFirstResponse;
    t.breachedResolution += b.breachedResolution;
    t.breachedAny += b.breachedAny;
    t.eligible += b.eligible;
    t.reopened += b.reopened;
    t.csatSum += b.csatSum;
    t.csatCount += b.csatCount;
    for (const key of CSAT_KEYS) t.csat[key] += b.csat[key];
    t.npsResponses += b.npsResponses;
    t.promoters += b.promoters;
    t.passives += b.passives;
    t.detractors += b.detractors;
    for (const ms of b.acknowledgeMs) t.acknowledgeHours.push(ms / HOUR_MS);
    for (const ms of b.resolveMs) t.resolveHours.push(ms / HOUR_MS);
    t.customers += b.solo;
    for (const id in b.links) {
      const [previous, next] = b.links[id];
      const firstInWindow = previous === null || previous < fromMs;
      const nextInWindow = next !== null && next < toMs;
      if (firstInWindow) t.customers++;
      if (firstInWindow && nextInWindow) t.repeatCustomers++;
      if (!firstInWindow || nextInWindow) t.repeatComplaints++;
    }
  }
  return metricsOfTally(t);
}

const DAY_MS = 86_400_000;

/** Whether buckets can answer: whole UTC days, no filter, no grouping. */
export function bucketsCanAnswer(request: StatsRequest, filtered: boolean): boolean {
  const from = request.from.getTime();
  const to = request.to.getTime();
  return !filtered && request.groupBy === undefined && from % DAY_MS === 0 && to % DAY_MS === 0;
}

/** The days [first, last) buckets must be read for: the window and the previous one of the same length. */
export function bucketDays(request: StatsRequest): { first: string; last: string } {
  const from = request.from.getTime();
  const to = request.to.getTime();
  return { first: new Date(from - (to - from)).toISOString().slice(0, 10), last: request.to.toISOString().slice(0, 10) };
}

/** The report complaintStatistics gives for the same complaints (see bucketsCanAnswer). */
export function statisticsFromBuckets(buckets: readonly DayBucket[], request: StatsRequest): ComplaintStatsReport {
  const from = request.from.getTime();
  const to = request.to.getTime();
  const previousFrom = from - (to - from);
  const dated = buckets.map((bucket) => ({ bucket, at: Date.parse(`${bucket.day}T00:00:00.000Z`) }));
  const within = (start: number, end: number): DayBucket[] => dated.filter(({ at }) => at >= start && at < end).map(({ bucket }) => bucket);
  const current = within(from, to);
  const previous = within(previousFrom, from);
  const counts = Object.fromEntries(STAT_DIMENSIONS.map((d) => [d, {} as Record<string, number>])) as Record<
    StatDimension,
    Record<string, number>
  >;
  for (const b of current) {
    for (const d of STAT_DIMENSIONS) {
      for (const key in b.counts[d]) counts[d][key] = (counts[d][key] ?? 0) + b.counts[d][key];
    }
  }
  const report = reportOf(request, metricsOf(current, from, to), metricsOf(previous, previousFrom, from), counts);
  if (request.interval) {
    report.series = periodsOf(from, to, request.interval).map((p) => ({
      period: p.period,
      start: new Date(p.start).toISOString(),
      end: new Date(p.end).toISOString(),
      ...metricsOf(within(p.start, p.end), p.start, p.end),
    }));
  }
  return report;
}

// ---------------------------------------------------------------- reading, cached

/** What the cache reads through: the read-store collections of the buckets and the month versions. */
export interface BucketSource {
  /** Physical names: a new generation of the projection is a different cache. */
  days: Collection<DayCounters & Document>;
  /** The buckets' growing parts (DayListDoc). */
  lists: Collection<DayListDoc & Document>;
  months: Collection<Document>;
}

const MAX_CACHED_MONTHS = 600;

/**
 * The day buckets of a range of days, cached per month in this process. Each read compares the
 * months' versions (the `_position` the projection stamps on a month's document whenever one of
 * its days changes, in the same transaction) and reads again only the months that changed, so
 * the cache is never stale, whichever process wrote.
 */
export class DayBucketCache {
  private readonly months = new Map<string, { version: string; buckets: DayBucket[] }>();

  async read(source: BucketSource, first: string, last: string): Promise<DayBucket[]> {
    return (await this.readVersioned(source, first, last)).buckets;
  }

  /**
   * The buckets of the days first..last (exclusive) and a signature of what they were read from
   * (the collection and each month's version): equal signatures mean equal buckets, so anything
   * computed from them alone can be reused under that signature.
   */
  async readVersioned(source: BucketSource, first: string, last: string): Promise<{ buckets: DayBucket[]; signature: string }> {
    const result: DayBucket[] = [];
    const signature: string[] = [source.days.name];
    const versions = await source.months.find({ _id: { $gte: first.slice(0, 7), $lte: last.slice(0, 7) } }, { limit: 1000 });
    for (const doc of versions.items) {
      const month = doc._id;
      const version = String(doc._position ?? '');
      const key = `${source.days.name}|${month}`;
      signature.push(`${month}@${version}`);
      let cached = this.months.get(key);
      if (!cached || cached.version !== version) {
        const range = { _id: { $gte: `${month}-01`, $lt: `${month}-32` } };
        const counters: (DayCounters & Document)[] = [];
        for await (const doc of source.days.findAll(range)) counters.push(doc);
        const lists: DayListDoc[] = [];
        for await (const doc of source.lists.findAll(range)) lists.push(doc);
        cached = { version, buckets: assembleBuckets(counters, lists) };
        this.months.delete(key);
        this.months.set(key, cached);
        // Oldest first out: a Map iterates in insertion order.
        if (this.months.size > MAX_CACHED_MONTHS) this.months.delete(this.months.keys().next().value as string);
      }
      for (const bucket of cached.buckets) if (bucket.day >= first && bucket.day < last) result.push(bucket);
    }
    return { buckets: result, signature: signature.join('|') };
  }
}
