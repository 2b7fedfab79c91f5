import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { SourceRefDto } from '../../shared/http/source-ref.dto';
import {
  type ActionKind,
  CLOSE_REASONS,
  type CloseReason,
  COMPLAINT_CHANNELS,
  type ComplaintChannel,
  type Difficulty,
  DIFFICULTIES,
  ROOT_CAUSE_CATEGORIES,
  type RootCauseCategory,
} from '../complaint.events';
import { type Severity, SEVERITIES } from '../sla-policy';

export const ACTION_KINDS: readonly ActionKind[] = ['corrective', 'preventive'];

const SHORT = 200;
const TEXT = 4000;
const LONG = 10_000;

export class RegisterComplaintDto {
  @IsUUID() customerId!: string;
  @IsIn(COMPLAINT_CHANNELS) channel!: ComplaintChannel;
  @IsString() @Length(1, SHORT) category!: string;
  @IsOptional() @IsString() @Length(1, SHORT) subCategory?: string;
  @IsOptional() @IsString() @Length(1, SHORT) product?: string;
  @IsString() @Length(1, LONG) description!: string;
  @IsOptional() @IsString() @Length(1, TEXT) remedySought?: string;
  /** When the problem happened; default: now. */
  @IsOptional() @IsISO8601({ strict: true }) occurredAt?: string;
  /** The closed complaint this one follows up (its reopen window has passed). */
  @IsOptional() @IsUUID() followUpOf?: string;
  /** Business time: when the complaint was received, for one received before it is registered here (e.g. by post, or in another system). Default: now. */
  @IsOptional() @IsISO8601({ strict: true }) receivedAt?: string;
  /** Business time: when it was acknowledged, for one acknowledged before it is registered here (no later than now, not before receivedAt). */
  @IsOptional() @IsISO8601({ strict: true }) acknowledgedAt?: string;
  /** The record in the system it comes from, to find it by that id later. */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => SourceRefDto) source?: SourceRefDto;
}

export class AssignComplaintDto {
  /** The id of a department (POST /departments). */
  @IsUUID() department!: string;
  /** Left out or null: the department's queue, nobody in particular. */
  @ValidateIf((_, v) => v !== null && v !== undefined) @IsString() @Length(1, SHORT) assignee?: string | null;
}

export class AssessValidityDto {
  @IsBoolean() valid!: boolean;
  @IsString() @Length(1, TEXT) rationale!: string;
  /** Required (422 FEEDBACK_TO_CUSTOMER_REQUIRED) when the complaint is not valid. */
  @IsOptional() @IsString() @Length(1, TEXT) feedbackToCustomer?: string;
}

export class GradeComplaintDto {
  @IsIn(SEVERITIES) severity!: Severity;
  @IsIn(DIFFICULTIES) difficulty!: Difficulty;
}

export class ReasonDto {
  @IsString() @Length(1, TEXT) reason!: string;
}

export class AddNoteDto {
  @IsString() @Length(1, LONG) note!: string;
}

export class RecordRootCauseDto {
  @IsIn(ROOT_CAUSE_CATEGORIES) category!: RootCauseCategory;
  @IsString() @Length(1, TEXT) text!: string;
}

export class OpenActionDto {
  @IsIn(ACTION_KINDS) kind!: ActionKind;
  @IsString() @Length(1, TEXT) description!: string;
  /** The id of the department that carries the action out. */
  @IsUUID() department!: string;
  @IsISO8601({ strict: true }) dueAt!: string;
}

export class CompleteActionDto {
  @IsString() @Length(1, TEXT) outcome!: string;
}

export class ProgressUpdateDto {
  @IsIn(COMPLAINT_CHANNELS) channel!: ComplaintChannel;
  @IsString() @Length(1, TEXT) summary!: string;
}

export class ResolveComplaintDto {
  @IsString() @Length(1, LONG) solution!: string;
}

export class CommunicateDecisionDto {
  @IsIn(COMPLAINT_CHANNELS) channel!: ComplaintChannel;
  @IsString() @Length(1, TEXT) summary!: string;
  /** When the customer was told; default: now. */
  @IsOptional() @IsISO8601({ strict: true }) communicatedAt?: string;
}

export class RecordSatisfactionDto {
  @IsInt() @Min(1) @Max(5) csat!: number;
  @IsOptional() @IsInt() @Min(0) @Max(10) nps?: number;
  /** Required (422 SATISFACTION_REASON_REQUIRED) when csat is 1 or 2. */
  @IsOptional() @IsString() @Length(1, TEXT) reason?: string;
  @IsOptional() @IsString() @Length(1, TEXT) comment?: string;
}

export class CloseComplaintDto {
  @IsIn(CLOSE_REASONS) reason!: CloseReason;
  /** The complaint this one duplicates (reason "duplicate"). */
  @IsOptional() @IsUUID() duplicateOf?: string;
}
