import { Type } from 'class-transformer';
import { IsIn, IsNumber, IsObject, Max, Min, ValidateNested } from 'class-validator';
import type { SlaClockStart } from '../sla-policy';

const HOURS = { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 };
const MAX_HOURS = 24 * 366;

export class HoursBySeverityDto {
  @IsNumber(HOURS) @Min(0.01) @Max(MAX_HOURS) critical!: number;
  @IsNumber(HOURS) @Min(0.01) @Max(MAX_HOURS) high!: number;
  @IsNumber(HOURS) @Min(0.01) @Max(MAX_HOURS) medium!: number;
  @IsNumber(HOURS) @Min(0.01) @Max(MAX_HOURS) low!: number;
}

/** A new version of the SLA policy; first-response times above resolution times are refused with 422 SLA_POLICY_INVALID. */
export class PublishSlaPolicyDto {
  @IsObject() @ValidateNested() @Type(() => HoursBySeverityDto) resolutionHours!: HoursBySeverityDto;
  @IsObject() @ValidateNested() @Type(() => HoursBySeverityDto) firstResponseHours!: HoursBySeverityDto;
  /** Share of the resolution time after which a warning is raised, strictly between 0 and 1. */
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 4 }) @Min(0.0001) @Max(0.9999) warningShare!: number;
  @IsIn(['grading', 'receipt']) clockStartsAt!: SlaClockStart;
}
