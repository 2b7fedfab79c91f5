/**
 * Retention economics and word of mouth over HTTP, as of business time:
 * GET /analytics/retention, /analytics/referrals, /analytics/word-of-mouth (?asOf=; default the end
 * of the data, or now for live data). Every answer says its as-of.
 */
import { Controller, Get, Inject, Query as QueryParams } from '@nestjs/common';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { CLOCK, type Clock } from '../../shared/clock';
import { ReadModels } from '../../shared/projections/read-models';
import { type AsOfStamp, dayAfter, liveAsOf } from '../as-of';
import { COMPLAINT_FACTS_COLLECTION, COMPLAINT_STATS_PROJECTION, type ComplaintFactsDoc } from '../complaint-stats.projection';
import { dayNumber } from '../clv/summary';
import { revenueUpToDay } from '../customer-value';
import { CUSTOMER_VALUE_PROJECTION, type PurchaseDay, type StoredValueDoc } from '../customer-value.projection';
import { currenciesOf, inCurrency, storedValues, withDays } from '../value-currency';
import { ConsistencyQueryDto } from '../dto/analytics.dto';
import { SEGMENT_HISTORY_PROJECTION } from '../segment-history.projection';
import { SEGMENT_SCHEMES, type SegmentScheme } from '../segmentation.events';
import { segmentationRunAsOf, segmentsAt } from '../segments/segments-as-of';
import { DEFAULT_WORD_OF_MOUTH, type ReachEstimate, reachEstimate, type ReferralReport, referralReport } from '../referrals/word-of-mouth';
import { retention, RETENTION_INTERVALS, type RetentionInterval, type RetentionReport } from './retention';

// ---------------------------------------------------------------- request shapes

class AsOfQueryDto extends ConsistencyQueryDto {
  /** Default: the end of the data (the day after its last fact in business time), or now for live data. */
  @IsOptional() @IsISO8601({ strict: true }) asOf?: string;
}

export class RetentionQueryDto extends AsOfQueryDto {
  @IsOptional() @IsIn(RETENTION_INTERVALS) interval: RetentionInterval = 'month';
  /** Acquiring a customer costs this many times retaining one (second essay: about 5). */
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0) @Max(1000) acquisitionCostMultiple = 5;
}

export class ReferralsQueryDto extends AsOfQueryDto {
  /** The segments the referral rate is broken down by (as of the latest run at or before the as-of). */
  @IsOptional() @IsIn(SEGMENT_SCHEMES) scheme: SegmentScheme = 'rfm';
}

export class WordOfMouthQueryDto extends AsOfQueryDto {
  /** People a satisfied customer tells (first essay: 3-4). */
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0) @Max(1000) tellsSatisfied = DEFAULT_WORD_OF_MOUTH.tellsSatisfied;
  /** People an unsatisfied customer tells (first essay: 7-10). */
  @IsOptional() @Type(() => Number) @IsNumber() @Min(0) @Max(1000) tellsUnsatisfied = DEFAULT_WORD_OF_MOUTH.tellsUnsatisfied;
}

// ---------------------------------------------------------------- queries

export class RetentionQuery extends Query<RetentionReport & AsOfStamp> {
  constructor(readonly params: RetentionQueryDto) {
    super();
  }
}
export class ReferralsQuery extends Query<ReferralReport & AsOfStamp & { scheme: SegmentScheme; segmentsAsOf: string | null }> {
  constructor(readonly params: ReferralsQueryDto) {
    super();
  }
}
export class WordOfMouthQuery extends Query<ReachEstimate & AsOfStamp> {
  constructor(readonly params: WordOfMouthQueryDto) {
    super();
  }
}

type ValueDoc = StoredValueDoc & { days: Record<string, PurchaseDay[]> };

async function customersOf(readModels: ReadModels, minPosition: string | undefined): Promise<ValueDoc[]> {
  await readModels.ensureCaughtUp(CUSTOMER_VALUE_PROJECTION, minPosition);
  const docs: ValueDoc[] = [];
  for await (const doc of storedValues(readModels).findAll()) docs.push(withDays(doc));
  return docs;
}

/** Purchase days in any currency (retention counts purchases, not money), ascending. */
const purchaseDays = (doc: ValueDoc): number[] =>
  [...new Set(Object.values(doc.days).flatMap((days) => days.map(([day]) => day)))].sort((a, b) => a - b);

/** The requested as-of, or the day after the last purchase or new customer. */
function customerAsOf(docs: readonly ValueDoc[], clock: Clock, requested: string | undefined): AsOfStamp {
  if (requested !== undefined) return { asOf: new Date(requested).toISOString(), asOfBasis: 'requested' };
  let last: string | null = null;
  for (const doc of docs) {
    const dates = [...Object.values(doc.byCurrency).map((figures) => figures.lastPurchaseAt), doc.customerSince ?? doc.registeredAt];
    for (const at of dates) if (at !== null && (last === null || at > last)) last = at;
  }
  return liveAsOf(clock, last === null ? null : dayAfter(last));
}

@QueryHandler(RetentionQuery)
export class RetentionHandler implements IQueryHandler<RetentionQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ params }: RetentionQuery) {
    const docs = await customersOf(this.readModels, params.minPosition);
    const stamp = customerAsOf(docs, this.clock, params.asOf);
    const report = retention(
      docs.map((doc) => ({ customerId: doc.customerId, days: purchaseDays(doc) })),
      new Date(stamp.asOf),
      params.interval,
      params.acquisitionCostMultiple,
    );
    return { ...stamp, ...report };
  }
}

@QueryHandler(ReferralsQuery)
export class ReferralsHandler implements IQueryHandler<ReferralsQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ params }: ReferralsQuery) {
    const docs = await customersOf(this.readModels, params.minPosition);
    await this.readModels.ensureCaughtUp(SEGMENT_HISTORY_PROJECTION, params.minPosition);
    const stamp = customerAsOf(docs, this.clock, params.asOf);
    const asOf = new Date(stamp.asOf);
    const day = dayNumber(stamp.asOf);
    const run = await segmentationRunAsOf(this.readModels, stamp.asOf);
    const segments = run ? await segmentsAt(this.readModels, params.scheme, run.asOf) : new Map();
    const report = referralReport(
      docs.map((doc) => ({
        customerId: doc.customerId,
        customerSince: doc.customerSince ?? doc.registeredAt,
        acquisitionChannel: doc.acquisitionChannel,
        referredBy: doc.referredBy,
        referrals: doc.referrals,
        revenue: Object.fromEntries(currenciesOf(doc).map((currency) => [currency, revenueUpToDay(inCurrency(doc, currency), day)])),
      })),
      asOf,
      (customerId) => segments.get(customerId)?.segment ?? null,
    );
    return { ...stamp, scheme: params.scheme, segmentsAsOf: run?.asOf ?? null, ...report };
  }
}

@QueryHandler(WordOfMouthQuery)
export class WordOfMouthHandler implements IQueryHandler<WordOfMouthQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ params }: WordOfMouthQuery) {
    await this.readModels.ensureCaughtUp(COMPLAINT_STATS_PROJECTION, params.minPosition);
    const facts = this.readModels.collection<ComplaintFactsDoc>(COMPLAINT_STATS_PROJECTION, COMPLAINT_FACTS_COLLECTION);
    let stamp: AsOfStamp;
    if (params.asOf !== undefined) stamp = { asOf: new Date(params.asOf).toISOString(), asOfBasis: 'requested' };
    else {
      const [last] = (await facts.find({}, { sort: { registeredAt: -1 }, limit: 1 })).items;
      stamp = liveAsOf(this.clock, last ? dayAfter(last.registeredAt) : null);
    }
    // The complaints received by the as-of, with their latest satisfaction answer.
    const answers: { csat: number | null; nps: number | null }[] = [];
    for await (const doc of facts.findAll({ registeredAt: { $lte: stamp.asOf } })) answers.push({ csat: doc.csat, nps: doc.nps });
    return { ...stamp, ...reachEstimate(answers, { tellsSatisfied: params.tellsSatisfied, tellsUnsatisfied: params.tellsUnsatisfied }) };
  }
}

@Controller('analytics')
export class CustomerBaseController {
  constructor(private readonly queries: QueryBus) {}

  @Get('retention')
  async retention(@QueryParams() query: RetentionQueryDto) {
    return this.queries.execute(new RetentionQuery(query));
  }

  @Get('referrals')
  async referrals(@QueryParams() query: ReferralsQueryDto) {
    return this.queries.execute(new ReferralsQuery(query));
  }

  @Get('word-of-mouth')
  async wordOfMouth(@QueryParams() query: WordOfMouthQueryDto) {
    return this.queries.execute(new WordOfMouthQuery(query));
  }
}

export const CUSTOMER_BASE_QUERY_HANDLERS = [RetentionHandler, ReferralsHandler, WordOfMouthHandler];
