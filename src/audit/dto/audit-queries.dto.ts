import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const POSITION = /^\d{1,20}$/;
const REVISION = /^\d{1,18}$/;
/** A date-time with its time zone: "14:02" alone would depend on the server's zone. */
const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const DATE_TIME_MESSAGE = (field: string) => `${field} must be an ISO 8601 date-time with a time zone, e.g. 2026-03-10T14:02:00Z`;

/** An unencoded "+01:00" in a query string arrives as " 01:00": read it back as the offset it was. */
const OffsetPlus = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().replace(/ (\d{2}:?\d{2})$/, '+$1') : value));

const DateTimeParam = (field: string) => (target: object, key: string) => {
  OffsetPlus()(target, key);
  IsISO8601({ strict: true }, { message: DATE_TIME_MESSAGE(field) })(target, key);
  Matches(DATE_TIME_WITH_ZONE, { message: DATE_TIME_MESSAGE(field) })(target, key);
};

export class StreamHistoryQueryDto {
  @IsOptional() @Matches(REVISION, { message: 'fromRevision must be a stream revision (0, 1, ...)' }) fromRevision?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit: number = 100;
}

export class StreamStateQueryDto {
  /** Fold the events known at this instant (see basis). */
  @IsOptional() @DateTimeParam('asOf') asOf?: string;
  /** Fold up to this stream revision (inclusive). */
  @IsOptional() @Matches(REVISION, { message: 'revision must be a stream revision (0, 1, ...)' }) revision?: string;
  /** recorded (default): what the system had recorded by asOf; occurred: what had happened in the world by then. */
  @IsOptional() @IsIn(['recorded', 'occurred']) basis?: 'recorded' | 'occurred';
}

export class FeedQueryDto {
  /** Exclusive: events after this position (a nextPosition from the previous page). Default: from the start. */
  @IsOptional() @Matches(POSITION, { message: 'fromPosition must be a position from the feed' }) fromPosition?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit: number = 100;
}

export class FeedStreamQueryDto {
  /** Exclusive; a Last-Event-ID header (sent by a reconnecting EventSource) takes precedence. */
  @IsOptional() @Matches(POSITION, { message: 'fromPosition must be a position from the feed' }) fromPosition?: string;
}

export class CorrelationQueryDto {
  /** A nextCursor from the previous page. */
  @IsOptional() @Matches(POSITION, { message: 'after must be a nextCursor from the previous page' }) after?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit: number = 100;
}

export class RejectionsQueryDto {
  /** Inclusive bounds on when the rejection happened. */
  @IsOptional() @DateTimeParam('from') from?: string;
  @IsOptional() @DateTimeParam('to') to?: string;
  @IsOptional() @Matches(/^[A-Z][A-Z0-9_]{0,99}$/, { message: 'code must be a problem code, e.g. VALIDATION_FAILED' }) code?: string;
  @IsOptional() @IsString() @MaxLength(200) actor?: string;
  @IsOptional() @Type(() => Number) @IsIn([400, 403, 409, 422], { message: 'status must be one of 400, 403, 409, 422' }) status?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit: number = 50;
  @IsOptional() @IsString() @MaxLength(2000) cursor?: string;
}
