import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import { type AsOfStamp } from './as-of';
import { complaintStatsAsOf } from './complaint-stats-as-of';
import { ValidationFailedError } from '../shared/errors/domain-errors';
import { ReadModels } from '../shared/projections/read-models';
import type { Filter } from '../shared/read-store/read-store.port';
import { bucketDays, bucketsCanAnswer, DayBucketCache, statisticsFromBuckets } from './complaint-stats-buckets';
import {
  COMPLAINT_DAY_LISTS_COLLECTION,
  COMPLAINT_DAYS_COLLECTION,
  COMPLAINT_FACTS_COLLECTION,
  COMPLAINT_MONTHS_COLLECTION,
  COMPLAINT_STATS_PROJECTION,
  type ComplaintDayDoc,
  type ComplaintDayListDoc,
  type ComplaintFactsDoc,
} from './complaint-stats.projection';
import {
  complaintStatistics,
  type ComplaintStatsReport,
  NONE,
  periodCount,
  type StatDimension,
  STAT_DIMENSIONS,
  type StatInterval,
} from './complaint-stats';
import { ensureCaughtUp, parseWindow } from './analytics-query-support';

export class ComplaintStatsQuery extends Query<ComplaintStatsReport & AsOfStamp> {
  constructor(
    readonly window: { from?: string; to?: string },
    readonly groupBy: StatDimension | undefined,
    readonly interval: StatInterval | undefined,
    readonly filter: Partial<Record<StatDimension, string>>,
    readonly minPosition?: string,
  ) {
    super();
  }
}

/** More periods than this in one series is a mistake (or a denial of service). */
export const MAX_PERIODS = 1000;
const DEFAULT_WINDOW_MS = 30 * 86_400_000;

/** Computed complaint-statistics reports kept per server (each a few KB). */
const MAX_CACHED_REPORTS = 256;

@QueryHandler(ComplaintStatsQuery)
export class ComplaintStatsHandler implements IQueryHandler<ComplaintStatsQuery> {
  private readonly buckets = new DayBucketCache();
  /**
   * Reports computed from buckets, by request and the buckets' signature (their months' versions):
   * a report is a pure function of the two, so a repeated request over unchanged months (a
   * dashboard's usual windows) is answered without merging a year of buckets again.
   */
  private readonly reports = new Map<string, ComplaintStatsReport>();

  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ window, groupBy, interval, filter, minPosition }: ComplaintStatsQuery): Promise<ComplaintStatsReport & AsOfStamp> {
    await ensureCaughtUp(this.readModels, [COMPLAINT_STATS_PROJECTION], minPosition);
    const stamp = await complaintStatsAsOf(this.readModels, this.clock, window.to);
    return { ...(await this.report(window, groupBy, interval, filter, stamp.asOf)), ...stamp };
  }

  private async report(
    window: ComplaintStatsQuery['window'],
    groupBy: StatDimension | undefined,
    interval: StatInterval | undefined,
    filter: ComplaintStatsQuery['filter'],
    toText: string,
  ): Promise<ComplaintStatsReport> {
    const fromText = window.from ?? new Date(Date.parse(toText) - DEFAULT_WINDOW_MS).toISOString();
    const { from, to } = parseWindow(fromText, toText);
    if (interval && periodCount(from.getTime(), to.getTime(), interval) > MAX_PERIODS) {
      throw new ValidationFailedError([
        { field: 'interval', messages: [`the window holds more than ${MAX_PERIODS} periods of a ${interval}; use a longer interval`] },
      ]);
    }
    const request = { from, to, groupBy, interval };
    const filtered = STAT_DIMENSIONS.some((dimension) => filter[dimension] !== undefined);
    if (bucketsCanAnswer(request, filtered)) {
      // Whole days, all complaints: the day buckets the projection keeps (a few hundred small documents).
      const { first, last } = bucketDays(request);
      const { buckets, signature } = await this.buckets.readVersioned(
        {
          days: this.readModels.collection<ComplaintDayDoc>(COMPLAINT_STATS_PROJECTION, COMPLAINT_DAYS_COLLECTION),
          lists: this.readModels.collection<ComplaintDayListDoc>(COMPLAINT_STATS_PROJECTION, COMPLAINT_DAY_LISTS_COLLECTION),
          months: this.readModels.collection(COMPLAINT_STATS_PROJECTION, COMPLAINT_MONTHS_COLLECTION),
        },
        first,
        last,
      );
      // None: no complaint in either window, or a generation projected before the buckets existed
      // (read until the rebuild has caught up); the facts answer both.
      if (buckets.length > 0) {
        const key = `${signature}#${from.toISOString()}#${to.toISOString()}#${interval ?? ''}#${groupBy ?? ''}`;
        let report = this.reports.get(key);
        if (report === undefined) {
          report = statisticsFromBuckets(buckets, request);
          this.reports.set(key, report);
          // Oldest first out (a Map iterates in insertion order).
          if (this.reports.size > MAX_CACHED_REPORTS) this.reports.delete(this.reports.keys().next().value as string);
        }
        // A copy: callers may shape the answer (CSV, masking) without touching the cached one.
        return structuredClone(report);
      }
    }
    const previousFrom = new Date(from.getTime() - (to.getTime() - from.getTime()));
    const query: Filter = { registeredAt: { $gte: previousFrom.toISOString(), $lt: to.toISOString() } };
    for (const dimension of STAT_DIMENSIONS) {
      const value = filter[dimension];
      if (value !== undefined) query[dimension] = value === NONE ? null : value;
    }
    const facts: ComplaintFactsDoc[] = [];
    for await (const doc of this.readModels
      .collection<ComplaintFactsDoc>(COMPLAINT_STATS_PROJECTION, COMPLAINT_FACTS_COLLECTION)
      .findAll(query)) {
      facts.push(doc);
    }
    return complaintStatistics(facts, request);
  }
}
