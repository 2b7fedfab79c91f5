import { plainToInstance } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { exampleFor } from './property-examples';

/**
 * The bridge from class-validator to OpenAPI: the DTOs carry validation decorators only (no
 * @ApiProperty, no Nest CLI plugin), so their schemas are read from class-validator's metadata
 * storage at document build time. What the validation pipe enforces is what the document says.
 *
 * Mapping: isString/isInt/isNumber/isBoolean/isArray/isObject give the type (else the property's
 * design:type); isLength/minLength/maxLength, min/max, arrayMinSize/arrayMaxSize/arrayUnique give
 * the bounds; isIn/isEnum the enum; isUuid, isEmail, isIso8601 and URL validators the format;
 * matches the pattern (flags are lost: OpenAPI patterns have none). A constraint with
 * `each: true` describes the items of an array. ValidateNested + class-transformer's @Type give a
 * nested DTO (found by letting class-transformer instantiate it). A property is optional when a
 * conditional validator (IsOptional, ValidateIf) skips `undefined`; ValidateIf that skips `null`
 * marks it nullable (IsOptional lets null through too, but clients are not told to send it).
 */

export type DtoClass = abstract new (...args: never[]) => object;

export interface DtoProperty {
  name: string;
  required: boolean;
  schema: SchemaObject;
  /** The nested DTO (of the property, or of its items when it is an array). */
  nested?: DtoClass;
}

const storage = () => getMetadataStorage();

function metadataOf(dto: DtoClass): ValidationMetadata[] {
  return storage().getTargetValidationMetadatas(dto, '', true, false);
}

/** Whether a class has any validation rule (i.e. is a DTO the bridge can describe). */
export function isValidatedDto(value: unknown): value is DtoClass {
  return typeof value === 'function' && metadataOf(value as DtoClass).length > 0;
}

function designType(dto: DtoClass, property: string): unknown {
  return Reflect.getMetadata('design:type', dto.prototype, property);
}

/** The property's initialiser (`limit = 50`), if constructing the DTO without arguments works. */
function defaultsOf(dto: DtoClass): Record<string, unknown> {
  try {
    return { ...(Reflect.construct(dto, []) as Record<string, unknown>) };
  } catch {
    return {};
  }
}

function enumType(values: readonly unknown[]): SchemaObject['type'] | undefined {
  if (values.length === 0) return undefined;
  if (values.every((value) => typeof value === 'string')) return 'string';
  if (values.every((value) => typeof value === 'boolean')) return 'boolean';
  if (values.every((value) => Number.isInteger(value))) return 'integer';
  if (values.every((value) => typeof value === 'number')) return 'number';
  return undefined;
}

// Long because it is one switch with a case per class-validator constraint Relata's DTOs use, each a
// line or two: the table of how a constraint reads in JSON Schema.
/** Applies one constraint to the schema it describes (the property's, or its items'). */
function applyConstraint(schema: SchemaObject, meta: ValidationMetadata): void {
  const [first, second] = meta.constraints ?? [];
  switch (meta.name) {
    case 'isString':
      schema.type = 'string';
      break;
    case 'isInt':
      schema.type = 'integer';
      break;
    case 'isNumber':
      if (schema.type !== 'integer') schema.type = 'number';
      break;
    case 'isBoolean':
      schema.type = 'boolean';
      break;
    case 'isArray':
      schema.type = 'array';
      break;
    case 'isObject':
      schema.type = 'object';
      break;
    case 'isLength':
      if (typeof first === 'number') schema.minLength = first;
      if (typeof second === 'number') schema.maxLength = second;
      schema.type ??= 'string';
      break;
    case 'minLength':
      if (typeof first === 'number') schema.minLength = first;
      break;
    case 'maxLength':
      if (typeof first === 'number') schema.maxLength = first;
      break;
    case 'isNotEmpty':
      if (schema.type === 'string') schema.minLength ??= 1;
      break;
    case 'min':
      if (typeof first === 'number') schema.minimum = first;
      break;
    case 'max':
      if (typeof first === 'number') schema.maximum = first;
      break;
    case 'arrayMinSize':
      if (typeof first === 'number') schema.minItems = first;
      break;
    case 'arrayMaxSize':
      if (typeof first === 'number') schema.maxItems = first;
      break;
    case 'arrayUnique':
      schema.uniqueItems = true;
      break;
    case 'isIn':
      if (Array.isArray(first)) {
        schema.enum = [...(first as unknown[])];
        schema.type = enumType(schema.enum) ?? schema.type;
      }
      break;
    case 'isEnum':
      if (typeof first === 'object' && first !== null) {
        // TypeScript numeric enums map names to values and back: keep the values.
        const values = Object.entries(first as Record<string, unknown>)
          .filter(([key]) => !/^\d+$/.test(key))
          .map(([, value]) => value);
        schema.enum = values;
        schema.type = enumType(values) ?? schema.type;
      }
      break;
    case 'isUuid':
      schema.type = 'string';
      schema.format = 'uuid';
      break;
    case 'isEmail':
      schema.type = 'string';
      schema.format = 'email';
      break;
    case 'isIso8601':
    case 'isDateString':
      schema.type = 'string';
      schema.format ??= 'date-time';
      break;
    case 'matches':
      schema.type ??= 'string';
      if (first instanceof RegExp) schema.pattern = first.source;
      else if (typeof first === 'string') schema.pattern = first;
      break;
    default:
      // Custom validators (registerDecorator) say nothing the bridge can read, but their name.
      if (meta.name && /url|uri/i.test(meta.name)) {
        schema.type ??= 'string';
        schema.format = 'uri';
      }
  }
}

/** ISO 8601 also accepts dates: a pattern that admits dates only makes the format `date`. */
function settleDateFormat(schema: SchemaObject): void {
  if (schema.format !== 'date-time' || schema.pattern === undefined) return;
  const pattern = new RegExp(schema.pattern);
  if (!pattern.test('2026-03-10T12:00:00Z') && pattern.test('2026-03-10')) schema.format = 'date';
}

/** The nested DTO class, found the way the validation pipe finds it: by class-transformer's @Type. */
function nestedClass(dto: DtoClass, property: string, isArray: boolean): DtoClass | undefined {
  const instance = plainToInstance(dto as new () => object, { [property]: isArray ? [{}] : {} }) as Record<string, unknown>;
  const value = instance[property];
  const sample = isArray ? (Array.isArray(value) ? value[0] : undefined) : value;
  if (typeof sample !== 'object' || sample === null) return undefined;
  const ctor = (sample as object).constructor;
  return ctor !== Object && isValidatedDto(ctor) ? ctor : undefined;
}

function typeFromDesign(type: unknown): SchemaObject {
  if (type === String) return { type: 'string' };
  if (type === Number) return { type: 'number' };
  if (type === Boolean) return { type: 'boolean' };
  if (type === Array) return { type: 'array' };
  if (type === Date) return { type: 'string', format: 'date-time' };
  return {};
}

/** The DTO's properties as OpenAPI schemas, inherited ones included, in declaration order (parents first). */
export function dtoProperties(dto: DtoClass): DtoProperty[] {
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const meta of metadataOf(dto)) {
    if (meta.type === 'whitelist') continue;
    const list = byProperty.get(meta.propertyName) ?? [];
    list.push(meta);
    byProperty.set(meta.propertyName, list);
  }
  const defaults = defaultsOf(dto);
  const out: DtoProperty[] = [];
  for (const [name, metas] of byProperty) {
    const conditions = metas.filter((meta) => meta.type === 'conditionalValidation');
    const skips = (value: unknown) =>
      conditions.some((meta) => {
        const condition = meta.constraints?.[0];
        return typeof condition === 'function' && condition({}, value) === false;
      });
    const required = !skips(undefined) && metas.some((meta) => meta.type !== 'conditionalValidation');
    const nullable = conditions.some((meta) => meta.name !== 'isOptional') && skips(null);

    const schema: SchemaObject = typeFromDesign(designType(dto, name));
    const items: SchemaObject = {};
    let eachSeen = false;
    for (const meta of metas) {
      if (meta.type !== 'customValidation' && meta.type !== 'isDefined') continue;
      if (meta.each) {
        eachSeen = true;
        applyConstraint(items, meta);
      } else {
        applyConstraint(schema, meta);
      }
    }
    const validatesNested = metas.some((meta) => meta.type === 'nestedValidation');
    const isArray =
      schema.type === 'array' || eachSeen || (validatesNested && metas.some((meta) => meta.type === 'nestedValidation' && meta.each));
    if (isArray) schema.type = 'array';
    const nested = validatesNested ? nestedClass(dto, name, isArray) : undefined;

    settleDateFormat(schema);
    settleDateFormat(items);
    if (isArray) schema.items = nested ? refTo(nested) : items;
    else if (nested) schema.type = 'object';
    if (nullable) schema.nullable = true;
    if (defaults[name] !== undefined) schema.default = defaults[name];
    const example = exampleFor(name, schema, (cls) => exampleBody(cls), nested);
    if (example !== undefined) schema.example = example;
    out.push({ name, required, schema, nested });
  }
  return out;
}

export function schemaName(dto: DtoClass): string {
  return dto.name;
}

export function refTo(dto: DtoClass): ReferenceObject {
  return { $ref: `#/components/schemas/${schemaName(dto)}` };
}

/**
 * The object schema of a DTO, with nested DTOs as references; `register` is called for each
 * nested DTO so that the caller adds its schema to the components too.
 */
export function dtoSchema(dto: DtoClass, register: (nested: DtoClass) => void = () => undefined): SchemaObject {
  const properties: Record<string, SchemaObject | ReferenceObject> = {};
  const required: string[] = [];
  for (const property of dtoProperties(dto)) {
    if (property.nested) register(property.nested);
    // A nested object property is its reference (OpenAPI 3.0 ignores siblings of $ref).
    properties[property.name] = property.nested && property.schema.type === 'object' ? refTo(property.nested) : property.schema;
    if (property.required) required.push(property.name);
  }
  // The validation pipe forbids unknown properties.
  const schema: SchemaObject = { type: 'object', properties, additionalProperties: false };
  if (required.length > 0) schema.required = required;
  return schema;
}

/**
 * An example body built from the properties' examples (nested DTOs included). Optional references
 * to other resources (uuids) are left out: a made-up id would point nowhere and the example would
 * be refused.
 */
export function exampleBody(dto: DtoClass): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const property of dtoProperties(dto)) {
    if (!property.required && property.schema.format === 'uuid') continue;
    if (property.schema.example !== undefined) body[property.name] = property.schema.example;
  }
  return body;
}
