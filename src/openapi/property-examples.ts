import type { SchemaObject } from '@nestjs/swagger';

/**
 * Example values for the document, derived from a property's schema. Names that mean something
 * to a reader get a realistic value first (a regular expression cannot be turned into a readable
 * example in general); every candidate is checked against the schema's own bounds and pattern, so
 * an example never contradicts the rules. test/openapi checks that every example body passes
 * the validation pipe.
 */
const BY_NAME: Readonly<Record<string, unknown>> = {
  name: 'Ana Lima',
  email: 'ana.lima@example.com',
  phone: '+44 20 7946 0958',
  company: 'Lima Trading Ltd',
  currency: 'EUR',
  purchaseId: 'INV-2026-0042',
  product: 'Espresso machine',
  category: 'Billing',
  subCategory: 'Double charge',
  description: 'I was charged twice for the same order.',
  remedySought: 'Refund of the second charge',
  summary: 'Called about the delivery date',
  agent: 'bruno.agent',
  assignee: 'bruno.agent',
  supervisorId: 'carla.supervisor',
  actor: 'bruno.agent',
  reason: 'Customer asked to stop contact',
  rationale: 'The charge appears twice on the statement',
  note: 'Asked the payment provider for the transaction log',
  text: 'A retry in the payment job sent the charge twice',
  outcome: 'Retries are now idempotent',
  solution: 'Refunded the second charge',
  comment: 'Quick and friendly',
  url: 'https://hooks.example.com/relata',
  secret: 'whsec-0123456789abcdef',
  minPosition: '0',
  fromPosition: '0',
  after: '0',
  revision: '0',
  fromRevision: '0',
  code: 'VALIDATION_FAILED',
  until: '2026-03-01',
  segment: 'champions',
  path: '/customers',
  idempotencyKey: 'crm-sync-2026-03-10-0001',
  ifMatch: '"3"',
  // An array's items are named after the array.
  eventTypes: 'ComplaintAssigned',
  owner: 'bruno.agent',
  title: 'Call back about the refund',
};

const BY_FORMAT: Readonly<Record<string, unknown>> = {
  uuid: '0b6f3c2e-8d4a-4f1e-9c7b-5a2d1e3f4a6b',
  'date-time': '2026-03-10T12:00:00Z',
  date: '2026-03-10',
  email: 'ana.lima@example.com',
  uri: 'https://example.com/',
};

/** Whether a candidate satisfies the schema's own rules (type, enum, bounds, pattern). */
export function fitsSchema(value: unknown, schema: SchemaObject): boolean {
  if (schema.enum !== undefined) return schema.enum.includes(value);
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') return false;
      if (schema.minLength !== undefined && value.length < schema.minLength) return false;
      if (schema.maxLength !== undefined && value.length > schema.maxLength) return false;
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) return false;
      if (schema.format !== undefined && schema.format in BY_FORMAT && value !== BY_FORMAT[schema.format] && schema.format !== 'email') {
        // Formats are checked by the validators; only the known-good sample is trusted here.
        return false;
      }
      return true;
    }
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      if (schema.type === 'integer' && !Number.isInteger(value)) return false;
      if (schema.minimum !== undefined && value < schema.minimum) return false;
      if (schema.maximum !== undefined && value > schema.maximum) return false;
      return true;
    }
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return value !== undefined;
  }
}

function numberCandidates(schema: SchemaObject): number[] {
  const { minimum: min, maximum: max } = schema;
  const out: number[] = [];
  // A small range: its middle (csat 1-5 -> 3); otherwise a round value, else the bound.
  if (min !== undefined && max !== undefined && max - min <= 100) {
    const middle = (min + max) / 2;
    out.push(schema.type === 'integer' ? Math.round(middle) : middle);
  }
  out.push(10, 1);
  if (min !== undefined) out.push(min);
  if (max !== undefined) out.push(max);
  return out;
}

function stringCandidates(name: string, schema: SchemaObject): string[] {
  const out: string[] = [];
  if (schema.format !== undefined && typeof BY_FORMAT[schema.format] === 'string') out.push(BY_FORMAT[schema.format] as string);
  // Spelled-out property name, cut or padded to the length bounds.
  let text = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  if (schema.maxLength !== undefined) text = text.slice(0, schema.maxLength);
  if (schema.minLength !== undefined) text = text.padEnd(schema.minLength, 'x');
  out.push(text);
  return out;
}

/**
 * An example for a property, or undefined when no candidate fits (the document then shows none).
 * `nestedExample` builds the example of a nested DTO.
 */
export function exampleFor(
  name: string,
  schema: SchemaObject,
  nestedExample: (dto: never) => unknown,
  nested?: abstract new (...args: never[]) => object,
): unknown {
  if (schema.type === 'array') {
    const items = schema.items && !('$ref' in schema.items) ? (schema.items as SchemaObject) : {};
    const item = nested ? nestedExample(nested as never) : exampleFor(name, items, nestedExample);
    if (item === undefined) return undefined;
    const count = Math.max(1, schema.minItems ?? 1);
    if (count > 1 && schema.uniqueItems) return undefined;
    return Array.from({ length: count }, () => item);
  }
  if (nested) return nestedExample(nested as never);
  if (schema.default !== undefined && fitsSchema(schema.default, schema)) return schema.default;
  const candidates: unknown[] = [];
  if (name in BY_NAME) candidates.push(BY_NAME[name]);
  if (schema.enum !== undefined) candidates.push(schema.enum[0]);
  else if (schema.type === 'string') candidates.push(...stringCandidates(name, schema));
  else if (schema.type === 'integer' || schema.type === 'number') candidates.push(...numberCandidates(schema));
  else if (schema.type === 'boolean') candidates.push(true);
  return candidates.find((candidate) => fitsSchema(candidate, schema));
}
