import { getMetadataStorage, type ValidationArguments, ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

/**
 * A validity check per DTO class, compiled once from the class's class-validator metadata: the
 * same decorators the OpenAPI document is built from (src/openapi/validation-schema.ts), and the
 * same constraint functions class-validator runs, so it can only say what class-validator says.
 *
 * class-validator spends most of a request's validation (27-40 µs per DTO) on its machinery:
 * looking the metadata up and grouping it, and an error object per property, valid or not. Here
 * that is done once; a request walks a prepared list. Only the verdict is computed: a body found
 * invalid goes through class-validator after all, which writes the 400 problem's field errors, so
 * they stay exactly as they were.
 *
 * It assumes the options of the Relata validation pipe (whitelist and forbidNonWhitelisted,
 * forbidUnknownValues, no groups, no skipping). A class using anything it does not model (groups,
 * asynchronous or promise validation, schemas) does not compile, and class-validator decides.
 */

interface Check {
  validate(value: unknown, args: ValidationArguments): unknown;
  each: boolean;
  metadata: ValidationMetadata;
}

interface CompiledProperty {
  name: string;
  conditions: ValidationMetadata[];
  checks: Check[];
  nested: boolean;
}

interface CompiledDto {
  names: ReadonlySet<string>;
  properties: CompiledProperty[];
}

const MODELLED: ReadonlySet<string> = new Set([
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.NESTED_VALIDATION,
  ValidationTypes.IS_DEFINED,
  ValidationTypes.WHITELIST,
]);

/** null: not compiled (no rules, or rules this does not model). */
const compiled = new WeakMap<object, CompiledDto | null>();

function checkOf(metadata: ValidationMetadata): Check[] | null {
  if (metadata.type === ValidationTypes.NESTED_VALIDATION || metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) return [];
  if (metadata.type === ValidationTypes.WHITELIST) return [];
  const constraints = getMetadataStorage().getTargetValidatorConstraints(metadata.constraintCls);
  if (constraints.some((constraint) => constraint.async)) return null;
  return constraints.map((constraint) => {
    const instance = constraint.instance;
    return { validate: (value, args) => instance.validate(value, args), each: metadata.each === true, metadata };
  });
}

function compile(type: object): CompiledDto | null {
  const storage = getMetadataStorage();
  // The call class-validator's executor makes for a top-level object with no groups.
  const metadatas = storage.getTargetValidationMetadatas(type as new () => unknown, undefined as unknown as string, false, false);
  if (metadatas.length === 0) return null;
  const grouped = storage.groupByPropertyName(metadatas);
  const properties: CompiledProperty[] = [];
  for (const [name, own] of Object.entries(grouped)) {
    const property: CompiledProperty = { name, conditions: [], checks: [], nested: false };
    for (const metadata of own) {
      if (!MODELLED.has(metadata.type) || (metadata.groups?.length ?? 0) > 0) return null;
      if (metadata.validateIf !== undefined) return null;
      const checks = checkOf(metadata);
      if (checks === null) return null;
      property.checks.push(...checks);
      if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) property.conditions.push(metadata);
      if (metadata.type === ValidationTypes.NESTED_VALIDATION) property.nested = true;
    }
    properties.push(property);
  }
  return { names: new Set(Object.keys(grouped)), properties };
}

function compiledFor(type: object): CompiledDto | null {
  let dto = compiled.get(type);
  if (dto === undefined) {
    dto = compile(type);
    compiled.set(type, dto);
  }
  return dto;
}

function passes(check: Check, object: object, value: unknown): boolean {
  const args: ValidationArguments = {
    targetName: object.constructor?.name,
    property: check.metadata.propertyName,
    object,
    value,
    constraints: check.metadata.constraints,
  };
  if (!check.each) return check.validate(value, args) === true;
  // Sets and maps never come out of a JSON body: let class-validator judge them.
  if (!Array.isArray(value)) return value instanceof Set || value instanceof Map ? false : check.validate(value, args) === true;
  return value.every((item) => check.validate(item, args) === true);
}

/** A nested value as class-validator's nestedValidations sees it. */
function nestedValid(value: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.every((item) => nestedValid(item));
  if (typeof value !== 'object' || value === null || value instanceof Set || value instanceof Map) return false;
  return objectValid(value);
}

function objectValid(object: object): boolean {
  // A stand-in ({ constructor: Dto }) or a value whose constructor was replaced: class-validator's case.
  if (Object.prototype.hasOwnProperty.call(object, 'constructor')) return false;
  const dto = compiledFor(object.constructor);
  if (dto === null) return false;
  for (const name of Object.keys(object)) if (!dto.names.has(name)) return false;
  const record = object as Record<string, unknown>;
  for (const property of dto.properties) {
    const value = record[property.name];
    if (!property.conditions.every((condition) => (condition.constraints[0] as (o: object, v: unknown) => boolean)(object, value)))
      continue;
    for (const check of property.checks) if (!passes(check, object, value)) return false;
    if (property.nested && !nestedValid(value)) return false;
  }
  return true;
}

/**
 * True only when class-validator, with the Relata pipe's options, would find no error in this
 * transformed DTO; false when it would, or when the compiled check cannot tell.
 */
export function knownValid(dto: unknown): boolean {
  return typeof dto === 'object' && dto !== null && !Array.isArray(dto) && objectValid(dto);
}

/** Whether a DTO class is checked by the compiled path (tests: the benchmarked commands' DTOs must be). */
export function isCompiled(type: object): boolean {
  return compiledFor(type) !== null;
}
