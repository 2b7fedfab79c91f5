import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsOptional, IsString, Length, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import type { SlaClockStart } from '../sla-policy';
import { IsDecimalNumber } from '../../shared/http/decimal-number';

const HOURS = { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 };
const MAX_HOURS = 24 * 366;

export class HoursBySeverityDto {
  @IsDecimalNumber(HOURS) @Min(0.01) @Max(MAX_HOURS) critical!: number;
  @IsDecimalNumber(HOURS) @Min(0.01) @Max(MAX_HOURS) high!: number;
  @IsDecimalNumber(HOURS) @Min(0.01) @Max(MAX_HOURS) medium!: number;
  @IsDecimalNumber(HOURS) @Min(0.01) @Max(MAX_HOURS) low!: number;
}

/** Service by value: at most these hours for customers in a segment at grading time. */
export class SlaValueTierDto {
  /** A segment name in any scheme ("champions", "star") or "scheme:name". */
  @IsString() @Length(1, 200) segment!: string;
  @IsDecimalNumber(HOURS) @Min(0.01) @Max(MAX_HOURS) resolutionHours!: number;
  @ValidateIf((_, v) => v !== null && v !== undefined) @IsDecimalNumber(HOURS) @Min(0.01) @Max(MAX_HOURS) firstResponseHours?:
    number | null;
}

/** A new version of the SLA policy; first-response times above resolution times are refused with 422 SLA_POLICY_INVALID. */
export class PublishSlaPolicyDto {
  @IsObject() @ValidateNested() @Type(() => HoursBySeverityDto) resolutionHours!: HoursBySeverityDto;
  @IsObject() @ValidateNested() @Type(() => HoursBySeverityDto) firstResponseHours!: HoursBySeverityDto;
  /** Share of the resolution time after which a warning is raised, strictly between 0 and 1. */
  @IsDecimalNumber({ maxDecimalPlaces: 4 }) @Min(0.0001) @Max(0.9999) warningShare!: number;
  @IsIn(['grading', 'receipt']) clockStartsAt!: SlaClockStart;
  /** First matching tier wins; leave out for deadlines by severity only. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => SlaValueTierDto)
  valueTiers?: SlaValueTierDto[];
}
