import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { SourceRefDto } from '../../shared/http/source-ref.dto';
import { DEFAULT_CURRENCY } from '../../shared/money/money';
import type { AcquisitionChannel, CustomerKind, InteractionChannel, InteractionDirection } from '../customer.events';
import { IsDecimalNumber } from '../../shared/http/decimal-number';

export const CUSTOMER_KINDS: CustomerKind[] = ['prospect', 'customer'];
export const ACQUISITION_CHANNELS: AcquisitionChannel[] = [
  'web',
  'referral',
  'store',
  'phone',
  'email',
  'social',
  'partner',
  'event',
  'import',
  'other',
];
export const INTERACTION_CHANNELS: InteractionChannel[] = ['call', 'email', 'visit', 'chat', 'meeting'];
export const INTERACTION_DIRECTIONS: InteractionDirection[] = ['inbound', 'outbound'];

/** Surrounding spaces are not part of an email address. */
const Trim = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

const PHONE = /^\+?[0-9 ().-]{5,30}$/;
// Up to 3 decimals (BHD, KWD); the decider refuses more decimals than the currency has (AMOUNT_PRECISION).
const MONEY = { maxDecimalPlaces: 3, allowNaN: false, allowInfinity: false };
const MAX_MONEY = 1e12;

export class RegisterCustomerDto {
  @IsOptional() @IsIn(CUSTOMER_KINDS) kind: CustomerKind = 'prospect';
  @IsString() @Length(1, 200) name!: string;
  @IsOptional() @Trim() @IsEmail() @MaxLength(254) email?: string;
  @IsOptional() @IsString() @Matches(PHONE, { message: 'phone must be digits, spaces, ( ) . - and an optional leading +' }) phone?: string;
  @IsOptional() @IsString() @Length(1, 200) company?: string;
  @IsOptional() @IsIn(ACQUISITION_CHANNELS) acquisitionChannel: AcquisitionChannel = 'other';
  @IsOptional() @IsUUID() referredBy?: string;
  /** Business time: when they became a customer (or prospect), e.g. a first purchase keyed in later. Default: now. */
  @IsOptional() @IsISO8601({ strict: true }) customerSince?: string;
  /** The record in the system it comes from (imports, migrations), to find it by that id later. */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => SourceRefDto) source?: SourceRefDto;
}

/**
 * The customer as another system holds it (PUT /customers/by-source/:source/:id). When the
 * customer is new, every field registers them; afterwards name, email, phone and company update the
 * contact details (fields left out stay as they are; phone and company may be null to clear them),
 * and kind and acquisitionChannel are not changed.
 */
export class UpsertCustomerDto {
  @IsOptional() @IsIn(CUSTOMER_KINDS) kind: CustomerKind = 'prospect';
  @IsString() @Length(1, 200) name!: string;
  @IsOptional() @Trim() @IsEmail() @MaxLength(254) email?: string;
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @Matches(PHONE, { message: 'phone must be digits, spaces, ( ) . - and an optional leading +' })
  phone?: string | null;
  @ValidateIf((_, v) => v !== null && v !== undefined) @IsString() @Length(1, 200) company?: string | null;
  @IsOptional() @IsIn(ACQUISITION_CHANNELS) acquisitionChannel: AcquisitionChannel = 'other';
}

/** Fields left out stay as they are; phone and company may be set to null to clear them. */
export class UpdateContactDetailsDto {
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  @IsOptional() @Trim() @IsEmail() @MaxLength(254) email?: string;
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @Matches(PHONE, { message: 'phone must be digits, spaces, ( ) . - and an optional leading +' })
  phone?: string | null;
  @ValidateIf((_, v) => v !== null && v !== undefined) @IsString() @Length(1, 200) company?: string | null;
}

export class RecordInteractionDto {
  @IsIn(INTERACTION_CHANNELS) channel!: InteractionChannel;
  @IsIn(INTERACTION_DIRECTIONS) direction!: InteractionDirection;
  @IsString() @Length(1, 4000) summary!: string;
  @IsString() @Length(1, 200) agent!: string;
  /** Default: now. */
  @IsOptional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class PurchaseLineDto {
  @IsString() @Length(1, 200) product!: string;
  @IsInt() @Min(1) @Max(1_000_000) quantity!: number;
  @IsDecimalNumber(MONEY) @Min(0) @Max(MAX_MONEY) amount!: number;
}

export class RecordPurchaseDto {
  /** The caller's own purchase id (e.g. an invoice number); a uuid is generated when absent. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,100}$/, { message: 'purchaseId must be 1-100 letters, digits or . _ : -' })
  purchaseId?: string;
  @IsArray()
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => PurchaseLineDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  lines!: PurchaseLineDto[];
  /** Gross margin of the whole purchase; may be negative (sold at a loss), never above the amount. */
  @IsOptional() @IsDecimalNumber(MONEY) @Min(-MAX_MONEY) @Max(MAX_MONEY) margin: number = 0;
  @IsOptional() @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' }) currency: string = DEFAULT_CURRENCY;
  /** Default: now. */
  @IsOptional() @IsISO8601({ strict: true }) occurredAt?: string;
}

/** A refund either lists the goods returned (their amounts are the money given back) or gives an amount. */
export class RefundPurchaseDto {
  @IsOptional()
  @IsArray()
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => PurchaseLineDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  lines?: PurchaseLineDto[];
  /** The money given back, for a refund without goods returned; leave out when giving lines (one of the two is needed). */
  @IsOptional() @IsDecimalNumber(MONEY) @Min(0.01) @Max(MAX_MONEY) amount?: number;
  /** Must be the purchase's currency; default it. */
  @IsOptional() @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' }) currency?: string;
  /** When the money went back (business time); default now. */
  @IsOptional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class SuggestTransactionDto {
  @IsString() @Length(1, 200) product!: string;
  @IsDecimalNumber(MONEY) @Min(0) @Max(MAX_MONEY) expectedValue!: number;
  /** ISO 4217 code of expectedValue. */
  @IsOptional() @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' }) currency: string = DEFAULT_CURRENCY;
  @IsISO8601({ strict: true }) expiresAt!: string;
  /** How likely the agent thinks the customer takes it, 0 to 1 (weights the sales pipeline of GET /analytics/forecast). */
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1) probability?: number;
}

export class DeclineSuggestionDto {
  @IsOptional() @IsString() @Length(1, 1000) reason?: string;
}

export class RecordReferralDto {
  @IsUUID() referredCustomerId!: string;
}

export class DeactivateCustomerDto {
  @IsString() @Length(1, 1000) reason!: string;
}
