import { IsString, Length } from 'class-validator';

export class AssignCustomerOwnerDto {
  /** The agent id of the account manager. */
  @IsString() @Length(1, 200) owner!: string;
}
