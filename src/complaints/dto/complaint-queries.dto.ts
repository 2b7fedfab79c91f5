import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../customers/dto/customer-queries.dto';
import { COMPLAINT_STATUSES, type ComplaintStatus } from '../complaint.events';
import { SEVERITIES, type Severity } from '../sla-policy';

export { ConsistencyQueryDto } from '../../customers/dto/customer-queries.dto';

/** "a,b" -> ["a", "b"]; anything else is left for the validators to refuse. */
const CommaList = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value));

/** Query strings carry text: only the words true and false are booleans. */
const BooleanWord = () => Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value));

export class ListComplaintsQueryDto extends PageQueryDto {
  @IsOptional() @IsUUID() department?: string;
  @IsOptional() @IsString() @Length(1, 200) assignee?: string;
  /** One status or several, comma-separated; "open" stands for every status but closed. */
  @IsOptional()
  @CommaList()
  @IsIn([...COMPLAINT_STATUSES, 'open'], { each: true, message: `status must be "open" or among ${COMPLAINT_STATUSES.join(', ')}` })
  status?: (ComplaintStatus | 'open')[];
  @IsOptional() @BooleanWord() @IsIn([true, false], { message: 'overdue must be true or false' }) overdue?: boolean;
  @IsOptional() @IsUUID() customerId?: string;
  /** The complaint number the customer quotes, e.g. CMP-2026-000042 (case does not matter). */
  @IsOptional()
  @Matches(/^[A-Za-z]{3}-\d{4}-\d{1,9}$/, { message: 'number must be a complaint number such as CMP-2026-000042' })
  number?: string;
  @IsOptional() @IsString() @Length(1, 200) category?: string;
  /** One severity or several, comma-separated. */
  @IsOptional()
  @CommaList()
  @IsIn(SEVERITIES, { each: true, message: `severity must be among ${SEVERITIES.join(', ')}` })
  severity?: Severity[];
  /** Text in the number, category, sub-category, product or description, ignoring case. */
  @IsOptional() @IsString() @MaxLength(100) q?: string;
}

export class ListSolutionsQueryDto extends PageQueryDto {
  @IsOptional() @IsString() @Length(1, 200) category?: string;
  @IsOptional() @IsString() @Length(1, 200) product?: string;
}
