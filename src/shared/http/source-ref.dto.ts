import { IsString, Matches } from 'class-validator';

/** A source id: printable ASCII (so it can be looked up in a URL path), at most 100 characters. */
export const SOURCE_ID_PATTERN = /^[\x20-\x7E]{1,100}$/;

/** A source system name and the record's id there. */
export class SourceRefDto {
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,39}$/, { message: 'system must be lowercase letters, digits and dashes (at most 40)' })
  system!: string;
  @IsString() @Matches(SOURCE_ID_PATTERN, { message: 'id must be 1 to 100 printable ASCII characters' }) id!: string;
}
