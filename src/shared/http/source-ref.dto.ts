import { IsString, Length, Matches } from 'class-validator';

/** A source system name and the record's id there. */
export class SourceRefDto {
  @IsString() @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'system must be lowercase letters, digits and dashes (at most 40)' }) system!: string;
  @IsString() @Length(1, 100) id!: string;
}
