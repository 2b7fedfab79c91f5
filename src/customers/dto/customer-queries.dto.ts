import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import type { AcquisitionChannel } from '../customer.events';
import { ACQUISITION_CHANNELS } from './customer-commands.dto';
import { IsDecimalNumber } from '../../shared/http/decimal-number';

const POSITION = /^\d{1,20}$/;

export class ConsistencyQueryDto {
  /** Wait until the read model has passed this position (from a command response). */
  @IsOptional() @Matches(POSITION, { message: 'minPosition must be a position from a command response' }) minPosition?: string;
}

export class PageQueryDto extends ConsistencyQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit: number = 50;
  @IsOptional() @IsString() @MaxLength(2000) cursor?: string;
}

export const CUSTOMER_SORTS = ['registeredAt', 'revenue', 'purchaseCount', 'lastPurchaseAt'] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];
const AMOUNT = { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 };
/** A date (its 00:00 UTC) or a date-time. */
const INSTANT = { strict: true };

export class ListCustomersQueryDto extends PageQueryDto {
  @IsOptional() @IsIn(['prospect', 'customer', 'deactivated']) status?: 'prospect' | 'customer' | 'deactivated';
  /** Case-insensitive search in name, email and company; digits also find the phone however it was written. */
  @IsOptional() @IsString() @MaxLength(100) q?: string;
  /** A segment name in any scheme (`champions`), or one scheme's (`rfm:champions`). */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9:_ .-]{1,100}$/, { message: 'segment must be a segment name, optionally scheme:name' })
  segment?: string;
  /** Current revenue at least / at most, in `currency`. */
  @IsOptional() @Type(() => Number) @IsDecimalNumber(AMOUNT) @Min(0) minRevenue?: number;
  @IsOptional() @Type(() => Number) @IsDecimalNumber(AMOUNT) @Min(0) maxRevenue?: number;
  /**
   * ISO 4217 code of minRevenue/maxRevenue and of sort=revenue. Default: the only currency purchases
   * were recorded in; with several, those need it (422 CURRENCY_REQUIRED lists them).
   */
  @IsOptional() @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' }) currency?: string;
  /** The company, ignoring case. */
  @IsOptional() @IsString() @Length(1, 200) company?: string;
  @IsOptional() @IsIn(ACQUISITION_CHANNELS) acquisitionChannel?: AcquisitionChannel;
  /** Registered at or after (a date means its 00:00 UTC). */
  @IsOptional() @IsISO8601(INSTANT) registeredFrom?: string;
  /** Registered before (exclusive). */
  @IsOptional() @IsISO8601(INSTANT) registeredTo?: string;
  @IsOptional() @IsIn(CUSTOMER_SORTS) sort: CustomerSort = 'registeredAt';
  @IsOptional() @IsIn(['asc', 'desc']) order: 'asc' | 'desc' = 'desc';
}
