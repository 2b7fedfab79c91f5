import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';

const POSITION = /^\d{1,20}$/;

export class DepartmentConsistencyQueryDto {
  /** Wait until the read model has passed this position (from a command response). */
  @IsOptional() @Matches(POSITION, { message: 'minPosition must be a position from a command response' }) minPosition?: string;
}

export class DepartmentPageQueryDto extends DepartmentConsistencyQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit: number = 50;
  @IsOptional() @IsString() @MaxLength(2000) cursor?: string;
}

export class DeliveriesQueryDto extends DepartmentPageQueryDto {
  /** Only the attempts to deliver this event. */
  @IsOptional() @IsUUID() eventId?: string;
}
