import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldError, ValidationFailedError } from '../errors/domain-errors';

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

/** Deeper JSON than any command takes; class-transformer recurses per level and would overflow the stack. */
export const MAX_BODY_DEPTH = 32;

/** Whether a parsed JSON value nests objects or arrays deeper than `max` levels (iterative: no recursion to overflow). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (pending.length > 0) {
    const { node, depth } = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) pending.push({ node: child, depth: depth + 1 });
  }
  return false;
}

/** For commands that take no body: none, or an empty object. Anything else is an unknown field. */
export class EmptyBodyDto {}

/**
 * Unknown fields are rejected and every bad field is listed in the 400 problem. A body that is
 * missing or not a JSON object is refused up front with a message saying so.
 */
class RelataValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
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
    if (metadata.type === 'body' && nestsDeeperThan(value, MAX_BODY_DEPTH)) {
      throw new ValidationFailedError([{ field: 'body', messages: [`the body nests objects or arrays more than ${MAX_BODY_DEPTH} levels deep`] }]);
    }
    return super.transform(value, metadata);
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
