import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import type { ValidatorOptions } from 'class-validator';
import { type FieldError, ValidationFailedError } from '../errors/domain-errors';
import { bodyLimitBreach } from './body-limits';
import { knownValid } from './compiled-validation';
import { nullsInNonNullableFields } from './null-fields';

export { MAX_BODY_DEPTH, MAX_BODY_KEYS, MAX_KEYS_PER_OBJECT } from './body-limits';

/** Flattens class-validator's nested errors into one entry per bad field, with dotted paths. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const name = error.property || 'body';
    const field = parent ? `${parent}.${name}` : name;
    if (error.constraints) out.push({ field, messages: Object.values(error.constraints) });
    if (error.children?.length) out.push(...toFieldErrors(error.children, field));
  }
  return out;
}

/** For commands that take no body: none, or an empty object. Anything else is an unknown field. */
export class EmptyBodyDto {}

/**
 * Unknown fields are rejected and every bad field is listed in the 400 problem. A body that is
 * missing or not a JSON object is refused up front with a message saying so, and so is one too
 * deep, too wide or with fields named like Object.prototype's members (body-limits.ts), before
 * class-transformer spends time on it. After validation, null in a field that may only be left
 * out is refused (null-fields.ts).
 */
class RelataValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const breach = bodyLimitBreach(value);
      if (breach !== null) throw new ValidationFailedError([breach]);
    }
    if (metadata.type === 'body' && metadata.metatype === EmptyBodyDto) {
      if (value === undefined || value === null) return {};
      // class-validator has no rule to run on a class without fields, so list the fields here.
      if (typeof value === 'object' && !Array.isArray(value)) {
        const unknown = Object.keys(value);
        if (unknown.length === 0) return {};
        throw new ValidationFailedError(unknown.map((field) => ({ field, messages: [`property ${field} should not exist`] })));
      }
    }
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new ValidationFailedError([{ field: 'body', messages: ['the body must be a JSON object'] }]);
    }
    const dto = await super.transform(value, metadata);
    if (metadata.type === 'body') {
      const nulls = nullsInNonNullableFields(dto);
      if (nulls.length > 0) throw new ValidationFailedError(nulls);
    }
    return dto;
  }

  /**
   * The compiled check first (compiled-validation.ts): a valid DTO, the usual case, costs no
   * class-validator run. An invalid one is validated by class-validator, whose errors make the 400.
   */
  protected override validate(object: object, validatorOptions?: ValidatorOptions): Promise<ValidationError[]> | ValidationError[] {
    if (knownValid(object)) return [];
    return super.validate(object, validatorOptions);
  }
}

export function relataValidationPipe(): ValidationPipe {
  return new RelataValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(toFieldErrors(errors)),
  });
}
