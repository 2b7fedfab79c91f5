import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import type { FollowUpStatus } from '../follow-up.events';

const SHORT = 200;
const TEXT = 4000;
/** At most 30 days of reminder lead. */
const MAX_LEAD_MINUTES = 30 * 24 * 60;

export class CreateFollowUpDto {
  /** The customer it is about; may be left out when complaintId is given (the complaint's customer). */
  @IsOptional() @IsUUID() customerId?: string;
  @IsOptional() @IsUUID() complaintId?: string;
  /** The agent who owns it. */
  @IsString() @Length(1, SHORT) owner!: string;
  /** The department whose queue it is in (POST /departments). */
  @IsOptional() @IsUUID() department?: string;
  @IsString() @Length(1, SHORT) title!: string;
  @IsOptional() @IsString() @Length(1, TEXT) note?: string;
  /** Business time it is due. */
  @IsISO8601({ strict: true }) dueAt!: string;
  /** How long before dueAt the owner is reminded; default RELATA_FOLLOW_UP_REMINDER_LEAD_MINUTES. */
  @IsOptional() @IsInt() @Min(0) @Max(MAX_LEAD_MINUTES) remindBeforeMinutes?: number;
}

export class ReassignFollowUpDto {
  @IsString() @Length(1, SHORT) owner!: string;
  /** Left out: the department stays; null: no department. */
  @ValidateIf((_, v) => v !== null && v !== undefined) @IsUUID() department?: string | null;
}

export class RescheduleFollowUpDto {
  @IsISO8601({ strict: true }) dueAt!: string;
  /** Left out: the same lead as before. */
  @IsOptional() @IsInt() @Min(0) @Max(MAX_LEAD_MINUTES) remindBeforeMinutes?: number;
}

export class CancelFollowUpDto {
  @IsOptional() @IsString() @Length(1, TEXT) reason?: string;
}

const POSITION = /^\d{1,20}$/;
export const FOLLOW_UP_STATUSES: readonly FollowUpStatus[] = ['open', 'done', 'cancelled'];

export class FollowUpConsistencyQueryDto {
  @IsOptional() @Matches(POSITION, { message: 'minPosition must be a position from a command response' }) minPosition?: string;
}

export class FollowUpQueueQueryDto extends FollowUpConsistencyQueryDto {
  @IsOptional() @IsString() @Length(1, SHORT) owner?: string;
  @IsOptional() @IsUUID() department?: string;
  @IsOptional() @IsUUID() customerId?: string;
  /** Default open. */
  @IsOptional() @IsIn(FOLLOW_UP_STATUSES) status?: FollowUpStatus;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit: number = 50;
  @IsOptional() @IsString() @MaxLength(2000) cursor?: string;
}

export class OverdueQueryDto extends FollowUpConsistencyQueryDto {
  @IsOptional() @IsString() @Length(1, SHORT) owner?: string;
  @IsOptional() @IsUUID() department?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit: number = 50;
  @IsOptional() @IsString() @MaxLength(2000) cursor?: string;
}

export class FollowUpSummaryQueryDto extends FollowUpConsistencyQueryDto {
  @IsOptional() @IsUUID() department?: string;
}
