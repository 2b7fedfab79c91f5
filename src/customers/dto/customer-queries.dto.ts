import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const POSITION = /^\d{1,20}$/;

export class ConsistencyQueryDto {
  /** Wait until the read model has passed this position (from a command response). */
  @IsOptional() @Matches(POSITION, { message: 'minPosition must be a position from a command response' }) minPosition?: string;
}

export class PageQueryDto extends ConsistencyQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit: number = 50;
  @IsOptional() @IsString() @MaxLength(2000) cursor?: string;
}

export class ListCustomersQueryDto extends PageQueryDto {
  @IsOptional() @IsIn(['prospect', 'customer', 'deactivated']) status?: 'prospect' | 'customer' | 'deactivated';
  /** Case-insensitive search in name, email and company. */
  @IsOptional() @IsString() @MaxLength(100) q?: string;
}
