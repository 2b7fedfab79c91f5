import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import type { TimeUnit } from '../clv/summary';
import { STAT_DIMENSIONS, STAT_INTERVALS, type StatDimension, type StatInterval } from '../complaint-stats';
import { SEGMENT_SCHEMES, type SegmentScheme } from '../segmentation.events';

const POSITION = /^\d{1,20}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_HORIZON = 3650;
export const CURRENCY = /^[A-Z]{3}$/;

export const LIFETIME_VALUE_SORTS = [
  'revenue',
  'margin',
  'purchaseCount',
  'averageOrderValue',
  'lastPurchaseAt',
  'firstPurchaseAt',
  'potentialValue',
  'clv',
  'probabilityAlive',
  'expectedTransactions',
] as const;
export type LifetimeValueSort = (typeof LIFETIME_VALUE_SORTS)[number];

export const SEGMENT_LIST_SCHEMES = [...SEGMENT_SCHEMES, 'product'] as const;
export type SegmentListScheme = (typeof SEGMENT_LIST_SCHEMES)[number];

export class ConsistencyQueryDto {
  /** Wait until the read model has passed this position (from a command response). */
  @IsOptional() @Matches(POSITION, { message: 'minPosition must be a position from a command response' }) minPosition?: string;
}

export class PageQueryDto extends ConsistencyQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit: number = 50;
  @IsOptional() @IsString() @MaxLength(2000) cursor?: string;
}

/** How predictive CLV is computed at query time (defaults: one year, 10 % a year, revenue). */
export class PredictionQueryDto extends PageQueryDto {
  /** Periods of the model's unit (default one year: 52 weeks or 365 days). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_HORIZON) horizon?: number;
  /** Yearly discount rate (default 0.10). */
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1) discount?: number;
  /** Share of revenue kept as margin (default 1: CLV in revenue). */
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1) marginShare?: number;
  /** Day (YYYY-MM-DD) the predictions are made as of; default the fitted model's calibration end. */
  @IsOptional() @Matches(DATE, { message: 'asOf must be a date YYYY-MM-DD' }) @IsISO8601({ strict: true }) asOf?: string;
  /** ISO 4217 code the analysis works in; default the only currency recorded (422 CURRENCY_REQUIRED lists them when several). */
  @IsOptional() @Matches(CURRENCY, { message: 'currency must be an ISO 4217 code such as EUR' }) currency?: string;
}

export class LifetimeValueQueryDto extends PredictionQueryDto {
  @IsOptional() @IsIn(LIFETIME_VALUE_SORTS) sort: LifetimeValueSort = 'revenue';
  @IsOptional() @IsIn(['asc', 'desc']) order: 'asc' | 'desc' = 'desc';
  @IsOptional() @IsIn(['prospect', 'customer', 'deactivated']) status?: 'prospect' | 'customer' | 'deactivated';
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) minRevenue?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) minPurchases?: number;
}

export class SegmentsQueryDto extends PageQueryDto {
  @IsOptional() @IsIn(SEGMENT_LIST_SCHEMES) scheme?: SegmentListScheme;
  /** The segments of the latest run at or before this instant (products: customers who had bought by then); default: the latest run. */
  @IsOptional() @IsISO8601({ strict: true }) asOf?: string;
}

export class SegmentMembersQueryDto extends PageQueryDto {
  /** Members by `since` (when they entered; for products, their first purchase of it), newest first by default. */
  @IsOptional() @IsIn(['asc', 'desc']) order: 'asc' | 'desc' = 'desc';
  /** The members as of the latest run at or before this instant; default: the latest run. */
  @IsOptional() @IsISO8601({ strict: true }) asOf?: string;
}

export class RecomputeSegmentsQueryDto {
  /** The instant to score as of (default now); a date means its 00:00 UTC. */
  @IsOptional() @IsISO8601({ strict: true }) asOf?: string;
  /** ISO 4217 code the analysis works in; default the only currency recorded (422 CURRENCY_REQUIRED lists them when several). */
  @IsOptional() @Matches(CURRENCY, { message: 'currency must be an ISO 4217 code such as EUR' }) currency?: string;
}

export class TransitionsQueryDto extends ConsistencyQueryDto {
  @IsISO8601({ strict: true }) from!: string;
  @IsISO8601({ strict: true }) to!: string;
  @IsOptional() @IsIn(SEGMENT_SCHEMES) scheme: SegmentScheme = 'rfm';
}

export class SegmentHistoryQueryDto extends PageQueryDto {
  @IsOptional() @IsUUID() customerId?: string;
  @IsOptional() @IsIn(SEGMENT_SCHEMES) scheme?: SegmentScheme;
  /** Changes into or out of this segment. */
  @IsOptional() @IsString() @Length(1, 100) segment?: string;
  @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @IsOptional() @IsISO8601({ strict: true }) to?: string;
}

export class ComplaintStatsQueryDto extends ConsistencyQueryDto {
  /** Start of the window, inclusive (default: 30 days before `to`). */
  @IsOptional() @IsISO8601({ strict: true }) from?: string;
  /** End of the window, exclusive (default: now). */
  @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @IsOptional() @IsIn(STAT_DIMENSIONS) groupBy?: StatDimension;
  @IsOptional() @IsIn(STAT_INTERVALS) interval?: StatInterval;
  @IsOptional() @IsString() @Length(1, 200) status?: string;
  @IsOptional() @IsString() @Length(1, 200) category?: string;
  @IsOptional() @IsString() @Length(1, 200) product?: string;
  @IsOptional() @IsString() @Length(1, 200) channel?: string;
  @IsOptional() @IsString() @Length(1, 200) department?: string;
  @IsOptional() @IsString() @Length(1, 200) severity?: string;
  @IsOptional() @IsString() @Length(1, 200) company?: string;
  @IsOptional() @IsString() @Length(1, 200) state?: string;
  @IsOptional() @IsString() @Length(1, 200) issue?: string;
  @IsOptional() @IsString() @Length(1, 200) subIssue?: string;
  @IsOptional() @IsString() @Length(1, 200) sourceChannel?: string;
  @IsOptional() @IsString() @Length(1, 200) companyResponse?: string;
  @IsOptional() @IsString() @Length(1, 200) timely?: string;
  @IsOptional() @IsString() @Length(1, 200) disputed?: string;
}

export class FitClvModelDto {
  /** Calibration end (YYYY-MM-DD, inclusive); default today (UTC). */
  @IsOptional() @Matches(DATE, { message: 'until must be a date YYYY-MM-DD' }) @IsISO8601({ strict: true }) until?: string;
  @IsOptional() @IsIn(['day', 'week']) unit: TimeUnit = 'week';
  /** Last day of a holdout period (YYYY-MM-DD, inclusive, after `until`): the answer then holds the holdout check. */
  @IsOptional() @Matches(DATE, { message: 'holdoutEnd must be a date YYYY-MM-DD' }) @IsISO8601({ strict: true }) holdoutEnd?: string;
  /** ISO 4217 code the analysis works in; default the only currency recorded (422 CURRENCY_REQUIRED lists them when several). */
  @IsOptional() @Matches(CURRENCY, { message: 'currency must be an ISO 4217 code such as EUR' }) currency?: string;
}
