import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
} from 'class-validator';
import { type Role, ROLES } from '../roles';

export class CreateAccessKeyDto {
  /** What the key is for ("billing integration", "Ana's laptop"): shown in the key list. */
  @IsString() @Length(1, 100) name!: string;
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true, message: `each role must be one of ${ROLES.join(', ')}` })
  roles!: Role[];
  /** Lifts the masking of personal data for analysts and auditors. */
  @IsOptional() @IsBoolean() pii?: boolean;
  /** An ISO 8601 instant in the future; omitted: the key does not expire. */
  @IsOptional() @IsISO8601({ strict: true }) expiresAt?: string;
}
