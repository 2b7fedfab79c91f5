import { getMetadataStorage, IS_OPTIONAL, ValidationTypes } from 'class-validator';
import type { FieldError } from '../errors/domain-errors';

/**
 * Per DTO class: the fields marked @IsOptional() that do not also say when they may be null.
 * @IsOptional() skips every rule for null as well as for a missing field, so `{"name": null}` would
 * pass and reach the decider as null. A field that may be cleared says so with a @ValidateIf that
 * lets null through; every other optional field must be left out instead of sent as null.
 */
const cache = new WeakMap<object, readonly string[]>();

function notNullableOptionals(type: object): readonly string[] {
  const known = cache.get(type);
  if (known) return known;
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(type as new () => unknown, '', false, false);
  const optional = new Set<string>();
  const conditional = new Set<string>();
  for (const metadata of metadatas) {
    if (metadata.type !== ValidationTypes.CONDITIONAL_VALIDATION) continue;
    if (metadata.name === IS_OPTIONAL) optional.add(metadata.propertyName);
    else conditional.add(metadata.propertyName);
  }
  const names = [...optional].filter((name) => !conditional.has(name));
  cache.set(type, names);
  return names;
}

/** Every null given to an optional field that is not nullable, in a transformed DTO (nested DTOs too). */
export function nullsInNonNullableFields(dto: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const pending: { node: unknown; path: string }[] = [{ node: dto, path: '' }];
  while (pending.length > 0) {
    const { node, path } = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    const prefix = path ? `${path}.` : '';
    if (Array.isArray(node)) {
      node.forEach((item, index) => pending.push({ node: item, path: `${prefix}${index}` }));
      continue;
    }
    const record = node as Record<string, unknown>;
    if (node.constructor !== Object) {
      for (const name of notNullableOptionals(node.constructor)) {
        if (record[name] === null) errors.push({ field: `${prefix}${name}`, messages: [`${name} may be left out but not null`] });
      }
    }
    for (const [name, child] of Object.entries(record))
      if (typeof child === 'object' && child !== null) pending.push({ node: child, path: `${prefix}${name}` });
  }
  return errors;
}
