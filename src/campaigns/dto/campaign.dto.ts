import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { SEGMENT_SCHEMES, type SegmentScheme } from '../../analytics/segmentation.events';
import { IsDecimalNumber } from '../../shared/http/decimal-number';

const POSITION = /^\d{1,20}$/;
const MONEY = { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 };
const INTERACTION_CHANNELS = ['call', 'email', 'visit', 'chat', 'meeting'] as const;

/**
 * `kind` says which of the other fields apply: segment (scheme, segment and asOf, all three) or
 * filter (any of status, lastPurchaseBefore, minPurchases). Each field's own rules are checked here;
 * which fields a kind needs is checked when the campaign is built (campaigns.service.ts), with the
 * same 400 VALIDATION_FAILED.
 */
export class CampaignTargetDto {
  @IsIn(['segment', 'filter']) kind!: 'segment' | 'filter';
  @IsOptional() @IsIn(SEGMENT_SCHEMES) scheme?: SegmentScheme;
  @IsOptional() @IsString() @Matches(/^[a-z0-9-]{1,60}$/, { message: 'segment must be a segment name such as at-risk' }) segment?: string;
  @IsOptional() @IsISO8601({ strict: true }) asOf?: string;
  @IsOptional() @IsIn(['customer', 'prospect']) status?: 'customer' | 'prospect';
  @IsOptional() @IsISO8601({ strict: true }) lastPurchaseBefore?: string;
  @IsOptional() @IsInt() @Min(0) minPurchases?: number;
}

/**
 * `kind` says which of the other fields apply: suggestion (product and expectedValue, in
 * `currency`, USD when left out),
 * interaction (channel and script) or retention-offer (offer); checked as for the target.
 */
export class CampaignActionDto {
  @IsIn(['suggestion', 'interaction', 'retention-offer']) kind!: 'suggestion' | 'interaction' | 'retention-offer';
  @IsOptional() @IsString() @Length(1, 200) product?: string;
  @IsOptional() @IsDecimalNumber(MONEY) @Min(0) @Max(1_000_000_000) expectedValue?: number;
  @IsOptional() @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' }) currency?: string;
  @IsOptional() @IsIn(INTERACTION_CHANNELS) channel?: (typeof INTERACTION_CHANNELS)[number];
  @IsOptional() @IsString() @Length(1, 2000) script?: string;
  @IsOptional() @IsString() @Length(1, 2000) offer?: string;
}

export class CampaignWindowDto {
  @IsISO8601({ strict: true }) start!: string;
  @IsISO8601({ strict: true }) end!: string;
}

export class CreateCampaignDto {
  @IsString() @Length(1, 200) name!: string;
  @IsObject() @ValidateNested() @Type(() => CampaignTargetDto) target!: CampaignTargetDto;
  @IsObject() @ValidateNested() @Type(() => CampaignActionDto) action!: CampaignActionDto;
  /** The staff member who owns the campaign (an id or name of staff, not of a customer). */
  @IsString() @Length(1, 200) owner!: string;
  @IsObject() @ValidateNested() @Type(() => CampaignWindowDto) window!: CampaignWindowDto;
  /** Share of members held out as control, [0, 1); default 0.1. */
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(0.99) controlFraction?: number;
  /** Seed of the control draw; default derived from the campaign id. */
  @IsOptional() @IsString() @Length(1, 200) controlSeed?: string;
}

export class CampaignConsistencyQueryDto {
  /** Wait until the read models have applied this position (from a command response). */
  @IsOptional() @Matches(POSITION, { message: 'minPosition must be a position from a command response' }) minPosition?: string;
}

export class CampaignPageQueryDto extends CampaignConsistencyQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit: number = 200;
  @IsOptional() @IsString() @MaxLength(2000) cursor?: string;
}

export class CampaignMembersQueryDto extends CampaignPageQueryDto {
  @IsOptional() @IsIn(['treatment', 'control']) group?: 'treatment' | 'control';
}

export class CampaignResultsQueryDto extends CampaignConsistencyQueryDto {
  /** Business time the results hold for (a date is its 00:00 UTC); default the window's end once past, else now. */
  @IsOptional() @IsISO8601({ strict: true }) asOf?: string;
}
