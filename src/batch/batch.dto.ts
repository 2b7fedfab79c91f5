import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsObject, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';

/** Items one batch may carry: each is a full request, so a batch costs what its items cost. */
export const MAX_BATCH_ITEMS = 100;

export const BATCH_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type BatchMethod = (typeof BATCH_METHODS)[number];

/** A route path with its query string; never /batch itself (no nesting). */
const PATH = /^\/(?!batch(?:[/?]|$))[\x21-\x7e]{0,1999}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
const REVISION = /^(?:W\/)?"?\d{1,18}"?$/;

export class BatchItemDto {
  @IsIn(BATCH_METHODS) method!: BatchMethod;
  /** The command's route, e.g. /customers or /customers/{id}/purchases. */
  @IsString()
  @Matches(PATH, { message: 'path must be a route path starting with / (not /batch), at most 2000 visible ASCII characters' })
  path!: string;
  /** The command's body, as the single call takes it. */
  @IsOptional() @IsObject() body?: Record<string, unknown>;
  /** Sent as this item's Idempotency-Key: a retried batch replays the items that were carried out. */
  @IsOptional()
  @IsString()
  @Matches(IDEMPOTENCY_KEY, { message: 'idempotencyKey must be 1 to 200 visible ASCII characters' })
  idempotencyKey?: string;
  /** Sent as this item's If-Match. */
  @IsOptional() @IsString() @Matches(REVISION, { message: 'ifMatch must be a resource revision from its ETag, e.g. "3"' }) ifMatch?: string;
}

export class BatchDto {
  @IsArray()
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => BatchItemDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_ITEMS)
  items!: BatchItemDto[];
}
