import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  registerDecorator,
  type ValidationOptions,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { COMPLAINT_EVENT_TYPES } from '../../complaints/complaint.events';
import { ALL_EVENT_TYPES, WEBHOOK_SCOPES, type WebhookScope } from '../department.events';

/** Who supervises: a user id or login as the identity provider knows it. */
const SUBJECT = /^[\x21-\x7e]{1,200}$/;
const SUBJECT_MESSAGE = 'supervisorId must be 1-200 visible ASCII characters';

/** Surrounding spaces are not part of a department's name (names are unique ignoring case and spaces). */
const Trim = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

export const WEBHOOK_EVENT_TYPES: readonly string[] = [ALL_EVENT_TYPES, ...COMPLAINT_EVENT_TYPES];

export class CreateDepartmentDto {
  @Trim() @IsString() @Length(1, 200) name!: string;
  @ValidateIf((_, v) => v !== null && v !== undefined) @IsString() @Matches(SUBJECT, { message: SUBJECT_MESSAGE }) supervisorId?:
    string | null;
}

/** Fields left out stay as they are; supervisorId may be null to remove the supervisor. */
export class UpdateDepartmentDto {
  @IsOptional() @Trim() @IsString() @Length(1, 200) name?: string;
  @ValidateIf((_, v) => v !== null && v !== undefined) @IsString() @Matches(SUBJECT, { message: SUBJECT_MESSAGE }) supervisorId?:
    string | null;
}

/**
 * An absolute http(s) URL without credentials: a user:password in the URL would be shown by the
 * GET routes and could not be rotated apart from the subscription. Private and loopback hosts are
 * allowed (on-premise receivers); restrict egress at the network level if that is a concern.
 */
export function isWebhookUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 2000) return false;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return false;
  }
  return (
    (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.hostname !== ''
  );
}

function IsWebhookUrl(options?: ValidationOptions) {
  return (target: object, propertyName: string): void =>
    registerDecorator({
      name: 'isWebhookUrl',
      target: target.constructor,
      propertyName,
      options: { message: 'url must be an absolute http:// or https:// URL without credentials, at most 2000 characters', ...options },
      validator: { validate: isWebhookUrl },
    });
}

export class WebhookFilterDto {
  /** Only events of customers this agent owns, and follow-ups they own. */
  @IsOptional() @IsString() @Length(1, 200) owner?: string;
  /** Only events of customers currently in this segment: `name`, or `scheme:name`. */
  @IsOptional() @IsString() @Length(1, 200) segment?: string;
  /** Only events that concern this department. */
  @IsOptional() @IsUUID() department?: string;
}

export class SubscribeWebhookDto {
  @IsWebhookUrl() url!: string;
  /**
   * Complaint event types (COMPLAINT_EVENT_TYPES) or ['*'] for all of them, and any of the event
   * types other features publish (all-webhook-events.ts), checked by the handler against the catalog.
   */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(/^(\*|[A-Z][A-Za-z]{1,99})$/, {
    each: true,
    message: `each of eventTypes must be '*' or an event type (${COMPLAINT_EVENT_TYPES.join(', ')}, ...)`,
  })
  eventTypes!: string[];
  @IsOptional() @IsObject() @ValidateNested() @Type(() => WebhookFilterDto) filter?: WebhookFilterDto;
  /** Which complaints: those assigned to the department (default) or all. */
  @IsOptional() @IsIn(WEBHOOK_SCOPES) scope: WebhookScope = 'assigned';
  /** Your own signing secret; when absent Relata generates one and shows it once in the response. */
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{16,200}$/, { message: 'secret must be 16-200 visible ASCII characters' })
  secret?: string;
}
