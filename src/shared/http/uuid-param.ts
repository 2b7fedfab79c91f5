import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ValidationFailedError } from '../errors/domain-errors';
import { declareFieldNames } from './declared-fields';

/** A path parameter that must be a UUID: a malformed one is a 400 naming the parameter, like any other bad field. */
export const UuidParam = (name: string) => {
  declareFieldNames(name);
  return Param(
    name,
    new ParseUUIDPipe({ exceptionFactory: () => new ValidationFailedError([{ field: name, messages: [`${name} must be a UUID`] }]) }),
  );
};
