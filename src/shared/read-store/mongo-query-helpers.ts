import { BSON, MongoInvalidArgumentError, MongoServerError, type IndexDescription } from 'mongodb';
import { DuplicateKeyError, InvalidQueryError } from './read-store.port';
import type { Filter, IndexSpec, Update } from './read-store.port';

/**
 * Pure building blocks of the MongoDB read store adapter (mongo-read-store.ts): opaque keyset
 * cursors and keyset filters (over sorts normalised by cursor.ts), the projection position
 * guard, write preparation, index planning, name rules and error translation. Kept free of I/O
 * so they are unit-tested without a server.
 */

export type SortDirection = 1 | -1;
/** A sort as normalizeSort (cursor.ts) returns it: keys in order, ending with `_id`. */
export type NormalisedSort = ReadonlyArray<readonly [field: string, direction: SortDirection]>;
export type MongoFilter = Record<string, unknown>;

/** The visible position field of the port, a decimal string exactly as the caller gave it. */
export const POSITION_FIELD = '_position';
/**
 * Internal field holding the position zero-padded to POSITION_WIDTH digits, so that string order
 * is numeric order and the guard is a plain `$lt`/`$gte` on one string field. Decimal128 was
 * rejected because the guard must stay a query predicate usable with upsert ($expr is not
 * allowed there). The field is reserved, never returned to callers.
 */
export const POSITION_KEY_FIELD = '_positionKey';
/** 20 digits hold every 64-bit value, the range of event store commit positions. */
export const POSITION_WIDTH = 20;

/** Projection that hides internal fields from every document handed to callers. */
export const HIDDEN_FIELDS_PROJECTION: Readonly<Record<string, 0>> = { [POSITION_KEY_FIELD]: 0 };

// ---------------------------------------------------------------------------------------------
// Positions
// ---------------------------------------------------------------------------------------------

const POSITION_PATTERN = /^-?\d+$/;

/**
 * The comparable form of a position (a decimal integer string of at most 20 digits): the
 * magnitude zero-padded to 20 digits; a negative one (never produced by the event stores, but
 * a valid bigint) is "-" and the nines' complement of its padded magnitude, so that "-" sorts
 * before any digit and a larger magnitude sorts lower.
 */
export function positionKey(position: string): string {
  if (typeof position !== 'string' || !POSITION_PATTERN.test(position)) {
    throw new InvalidQueryError(`Position must be a decimal integer string, got ${String(position)}`);
  }
  const negative = position.startsWith('-');
  const digits = (negative ? position.slice(1) : position).replace(/^0+(?=\d)/, '');
  if (digits.length > POSITION_WIDTH) {
    throw new InvalidQueryError(`Position ${position} exceeds ${POSITION_WIDTH} digits`);
  }
  const padded = digits.padStart(POSITION_WIDTH, '0');
  if (!negative || digits === '0') return padded;
  return `-${padded.replace(/\d/g, (digit) => String(9 - Number(digit)))}`;
}

/**
 * Matches documents whose stored position is absent or lower than `position`. `$not` also
 * matches documents without the field, which is exactly "never written with a position".
 */
export function positionGuardFilter(position: string): MongoFilter {
  return { [POSITION_KEY_FIELD]: { $not: { $gte: positionKey(position) } } };
}

/** Both position fields to store along with a write, or none when no usable position is known. */
function positionFields(position: string | undefined): Record<string, string> {
  return position === undefined ? {} : { [POSITION_FIELD]: position, [POSITION_KEY_FIELD]: positionKey(position) };
}

function isValidPosition(value: unknown): value is string {
  return typeof value === 'string' && /^-?\d+$/.test(value) && value.replace(/^-?0*/, '').length <= POSITION_WIDTH;
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A deep copy of a value to write, stored the way the embedded adapter stores JSON: Dates become
 * ISO 8601 strings (the port keeps dates as strings so both adapters sort and compare them
 * alike), non-finite numbers and undefined array elements become null, undefined object fields
 * are dropped. Other class instances (BSON values) are kept as they are.
 */
export function toStoredValue<V>(value: V): V {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new InvalidQueryError('Invalid Date value');
    return value.toISOString() as V;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null as V;
  if (Array.isArray(value)) return value.map((item: unknown) => (item === undefined ? null : toStoredValue(item))) as V;
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) copy[key] = toStoredValue(item);
    }
    return copy as V;
  }
  return value;
}

/**
 * Rejects Date values in a filter, as the embedded adapter does: stored dates are ISO strings,
 * so a Date would silently match nothing. Returns the filter unchanged.
 */
export function assertFilterValues(filter: Filter): Filter {
  const visit = (value: unknown): void => {
    if (value instanceof Date) throw new InvalidQueryError('Filter values must be JSON: use ISO strings for dates');
    if (Array.isArray(value)) value.forEach(visit);
    else if (isPlainObject(value)) Object.values(value).forEach(visit);
  };
  visit(filter);
  return filter;
}

/**
 * The value at a dotted path, following objects and numeric array indexes; undefined when
 * missing. A non-numeric step into an array returns the array itself: MongoDB would sort by
 * several values there, which the caller rejects.
 */
export function valueAtPath(doc: Record<string, unknown>, path: string): unknown {
  let current: unknown = doc;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return current;
      current = current[Number(segment)];
    } else if (current !== null && typeof current === 'object') {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// Updates
// ---------------------------------------------------------------------------------------------

/** True for an operator update, false for a replacement document; mixing both is rejected. */
export function isOperatorUpdate(update: Update): boolean {
  const keys = Object.keys(update);
  const operators = keys.filter((key) => key.startsWith('$')).length;
  if (operators > 0 && operators < keys.length) {
    throw new InvalidQueryError('An update mixes operators and plain fields; use only operators or only fields');
  }
  return operators > 0;
}

/**
 * An operator update ready for updateOne: dates normalised and, with a position, `_position`
 * (and its comparable key) added to `$set`. Without a position, the key follows a `$set` of a
 * valid `_position` or an `$unset` of it, so later guarded writes compare against the visible value.
 */
export function prepareOperatorUpdate(update: Update, position?: string): Record<string, unknown> {
  const prepared = toStoredValue(update) as Record<string, unknown>;
  const current = prepared.$set;
  if (current !== undefined && !isPlainObject(current)) {
    throw new InvalidQueryError('$set must be an object');
  }
  const set: Record<string, unknown> = { ...(current ?? {}) };
  delete set[POSITION_KEY_FIELD];
  if (position !== undefined) {
    Object.assign(set, positionFields(position));
  } else if (isValidPosition(set[POSITION_FIELD])) {
    set[POSITION_KEY_FIELD] = positionKey(set[POSITION_FIELD]);
  }
  if (current !== undefined || Object.keys(set).length > 0) prepared.$set = set;
  const unset = prepared.$unset;
  if (isPlainObject(unset) && POSITION_FIELD in unset) prepared.$unset = { ...unset, [POSITION_KEY_FIELD]: '' };
  return prepared;
}

/**
 * A replacement document ready for replaceOne: without `_id` (the filter carries it; a different
 * `_id` is rejected), dates normalised, position fields set from `position` or, failing that,
 * derived from a valid `_position` already in the document (copies of documents keep their guard).
 */
export function prepareReplacement(id: string, doc: Record<string, unknown>, position?: string): Record<string, unknown> {
  if (doc._id !== undefined && doc._id !== id) {
    throw new InvalidQueryError(`Replacement _id ${String(doc._id)} differs from ${id}`);
  }
  const prepared = toStoredValue(doc);
  const { _id: _ignored, [POSITION_KEY_FIELD]: _internal, ...rest } = prepared;
  if (position !== undefined) return { ...rest, ...positionFields(position) };
  const visible = rest[POSITION_FIELD];
  return isValidPosition(visible) ? { ...rest, [POSITION_KEY_FIELD]: positionKey(visible) } : rest;
}

// ---------------------------------------------------------------------------------------------
// Cursors
// ---------------------------------------------------------------------------------------------

function sortSignature(sort: NormalisedSort): string {
  return sort.map(([field, direction]) => `${field}:${direction}`).join(',');
}

/**
 * The opaque cursor after `doc`: base64url of canonical Extended JSON (so non-JSON BSON values
 * such as Decimal128 keep their type) holding the sort signature and the doc's sort values.
 * Missing values are stored as null: MongoDB sorts and matches both alike.
 */
export function encodeCursor(sort: NormalisedSort, doc: Record<string, unknown>): string {
  const values = sort.map(([field]) => {
    const value = valueAtPath(doc, field);
    if (Array.isArray(value)) {
      throw new InvalidQueryError(`Cannot paginate on "${field}": it holds an array (sort keys must be scalars)`);
    }
    return value === undefined ? null : value;
  });
  const payload = BSON.EJSON.stringify({ s: sortSignature(sort), v: values }, { relaxed: false });
  return Buffer.from(payload, 'utf8').toString('base64url');
}

/** The sort values stored in a cursor; the cursor must come from a page with the same sort. */
export function decodeCursor(cursor: string, sort: NormalisedSort): unknown[] {
  let parsed: unknown;
  try {
    if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    parsed = BSON.EJSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'), { relaxed: true });
  } catch {
    throw new InvalidQueryError('Malformed cursor');
  }
  if (!isPlainObject(parsed) || typeof parsed.s !== 'string' || !Array.isArray(parsed.v)) {
    throw new InvalidQueryError('Malformed cursor');
  }
  if (parsed.s !== sortSignature(sort) || parsed.v.length !== sort.length) {
    throw new InvalidQueryError('Cursor does not belong to this sort order');
  }
  const values: unknown[] = parsed.v;
  if (typeof values[values.length - 1] !== 'string') throw new InvalidQueryError('Malformed cursor');
  return values;
}

// ---------------------------------------------------------------------------------------------
// Keyset filters
// ---------------------------------------------------------------------------------------------

/**
 * BSON sort order of the types JSON-ish documents can hold (MinKey/MaxKey cannot be written
 * through the port; arrays sort by their min/max element, not as a bracket of their own), as
 * `$type` aliases. Comparison operators only match within one bracket ({$gt: null} matches
 * nothing, {$gt: 5} no string), so "after v" = "greater within v's bracket" OR "in a later bracket".
 */
export const BSON_SORT_BRACKETS: ReadonlyArray<readonly string[]> = [
  ['null'],
  ['number'],
  ['string', 'symbol'],
  ['object'],
  ['binData'],
  ['objectId'],
  ['bool'],
  ['date'],
  ['timestamp'],
  ['regex'],
];
const NULL_BRACKET = 0;

/** Index in BSON_SORT_BRACKETS of a cursor value; null (and missing) is bracket 0. */
export function sortBracketOf(value: unknown): number {
  if (value === null || value === undefined) return NULL_BRACKET;
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return 1;
    case 'string':
      return 2;
    case 'boolean':
      return 6;
    case 'object':
      break;
    default:
      throw new InvalidQueryError(`Unsupported sort value of type ${typeof value}`);
  }
  if (value instanceof Date) return 7;
  if (value instanceof RegExp) return 9;
  if (value instanceof Uint8Array) return 4;
  if (Array.isArray(value)) throw new InvalidQueryError('Array sort values cannot be paginated');
  const tag = (value as { _bsontype?: unknown })._bsontype;
  switch (tag) {
    case undefined:
      if (isPlainObject(value)) return 3;
      break;
    case 'Int32':
    case 'Double':
    case 'Long':
    case 'Decimal128':
      return 1;
    case 'BSONSymbol':
      return 2;
    case 'Binary':
      return 4;
    case 'ObjectId':
      return 5;
    case 'Timestamp':
      return 8;
    case 'BSONRegExp':
      return 9;
  }
  throw new InvalidQueryError(`Unsupported sort value ${String(tag ?? 'object')}`);
}

/**
 * Documents strictly after `value` on one sort key in the given direction, or null when nothing
 * can follow (descending past null). Null and missing values share the lowest bracket.
 */
export function beyondFilter(field: string, direction: SortDirection, value: unknown): MongoFilter | null {
  if (field === '_id') return { _id: { [direction === 1 ? '$gt' : '$lt']: value } }; // ids are always strings
  const bracket = sortBracketOf(value);
  const clauses: MongoFilter[] = [];
  if (bracket !== NULL_BRACKET) clauses.push({ [field]: { [direction === 1 ? '$gt' : '$lt']: value } });
  const otherBrackets = direction === 1 ? BSON_SORT_BRACKETS.slice(bracket + 1) : BSON_SORT_BRACKETS.slice(NULL_BRACKET + 1, bracket);
  const aliases = otherBrackets.flat();
  if (aliases.length > 0) clauses.push({ [field]: { $type: aliases } });
  // null/missing precede every other bracket; $eq: null matches both null and a missing field
  if (direction === -1 && bracket !== NULL_BRACKET) clauses.push({ [field]: { $eq: null } });
  if (clauses.length === 0) return null;
  return clauses.length === 1 ? clauses[0] : { $or: clauses };
}

/** Documents sorting equal to `value` on one key; `$eq: null` also matches a missing field. */
export function equalFilter(field: string, value: unknown): MongoFilter {
  return { [field]: { $eq: value ?? null } };
}

/**
 * Documents strictly after the cursor position for a normalised sort (ending with `_id`):
 * OR over i of (equal on keys before i AND beyond on key i), each key in its own direction.
 */
export function keysetFilter(sort: NormalisedSort, values: readonly unknown[]): MongoFilter {
  if (values.length !== sort.length) throw new InvalidQueryError('Cursor does not belong to this sort order');
  const branches: MongoFilter[] = [];
  sort.forEach(([field, direction], index) => {
    const beyond = beyondFilter(field, direction, values[index]);
    if (beyond === null) return;
    const branch: MongoFilter = {};
    for (let prior = 0; prior < index; prior += 1) Object.assign(branch, equalFilter(sort[prior][0], values[prior]));
    branches.push(Object.assign(branch, beyond));
  });
  return branches.length === 1 ? branches[0] : { $or: branches };
}

/** A user filter AND an extra condition, without wrapping when one side is empty. */
export function andFilters(filter: Filter | undefined, extra: MongoFilter | null): MongoFilter {
  const base = filter ?? {};
  if (extra === null || Object.keys(extra).length === 0) return base;
  if (Object.keys(base).length === 0) return extra;
  return { $and: [base, extra] };
}

// ---------------------------------------------------------------------------------------------
// Indexes
// ---------------------------------------------------------------------------------------------

/** An index as listIndexes reports it (only what the plan needs). */
export interface ExistingIndex {
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
}

/**
 * The indexes ensureIndexes still has to create, with the embedded adapter's rules: the default
 * name is MongoDB's (`field_1_other_-1`); an index with the same name, keys and uniqueness, or
 * with the same keys and uniqueness under another name, already counts as present; the same name
 * with other keys is an InvalidQueryError; an index on `_id` alone is the primary key.
 */
export function planIndexes(specs: readonly IndexSpec[], existing: readonly ExistingIndex[]): IndexDescription[] {
  const present = existing.map((index) => ({
    name: index.name,
    keys: JSON.stringify(Object.entries(index.key).map(([field, direction]) => [field, Number(direction)])),
    unique: index.unique === true,
  }));
  const toCreate: IndexDescription[] = [];
  for (const spec of specs) {
    const entries = Object.entries(spec?.keys ?? {});
    if (entries.length === 0) throw new InvalidQueryError('An index needs at least one key');
    for (const [field, direction] of entries) {
      if (direction !== 1 && direction !== -1) throw new InvalidQueryError(`Index direction of "${field}" must be 1 or -1`);
      if (field === '' || field.startsWith('$') || field.split('.').some((part) => part === '')) {
        throw new InvalidQueryError(`Invalid index field "${field}"`);
      }
    }
    const name = spec.name ?? entries.map(([field, direction]) => `${field}_${direction}`).join('_');
    const keys = JSON.stringify(entries);
    const unique = spec.unique === true;
    const named = present.find((index) => index.name === name);
    if (named !== undefined) {
      if (named.keys === keys && named.unique === unique) continue;
      throw new InvalidQueryError(`An index named ${name} already exists with other keys`);
    }
    if (present.some((index) => index.keys === keys && index.unique === unique)) continue;
    if (entries.length === 1 && entries[0][0] === '_id') continue;
    present.push({ name, keys, unique });
    toCreate.push({ key: Object.fromEntries(entries), name, ...(unique ? { unique: true } : {}) });
  }
  return toCreate;
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/** Longest `<db>.<collection>` namespace MongoDB accepts (bytes, unsharded collections). */
export const MAX_NAMESPACE_BYTES = 255;

/**
 * Collection names map 1:1 to MongoDB collections, so they must be valid MongoDB names: not
 * empty, no `$` or NUL, not in the reserved `system.` space, namespace within 255 bytes. Checked
 * up front because collection() is synchronous; anything subtler is left to the server.
 */
export function assertValidCollectionName(name: string, dbName: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidQueryError('Collection name must not be empty');
  if (name.includes('$') || name.includes('\0')) {
    throw new InvalidQueryError(`Collection name "${name}" must not contain "$" or NUL`);
  }
  if (name.startsWith('system.')) throw new InvalidQueryError(`Collection name "${name}" is reserved`);
  if (Buffer.byteLength(`${dbName}.${name}`, 'utf8') > MAX_NAMESPACE_BYTES) {
    throw new InvalidQueryError(`Collection name "${name}" is too long`);
  }
}

export const DEFAULT_DB_NAME = 'relata';

/** The database named in a mongodb:// or mongodb+srv:// URL path, or null when none is given. */
export function databaseNameFromUrl(url: string): string | null {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?#]*\/([^?#]*)/.exec(url);
  if (!match || match[1] === '') return null;
  return decodeURIComponent(match[1]);
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

const DUPLICATE_KEY_CODES = new Set([11000, 11001, 12582]);

/**
 * Server codes that mean the filter, update, sort, index spec or name itself is malformed:
 * BadValue, FailedToParse, TypeMismatch, ConflictingUpdateOperators, DollarPrefixedFieldName,
 * EmptyFieldName, DottedFieldName, ImmutableField, CannotCreateIndex, InvalidNamespace,
 * IndexOptionsConflict, IndexKeySpecsConflict, InvalidPipelineOperator, invalid $regex pattern
 * / options.
 */
export const INVALID_QUERY_CODES: ReadonlySet<number> = new Set([2, 9, 14, 40, 52, 56, 57, 66, 67, 73, 85, 86, 168, 51091, 51108]);

/** "<index name> <key as JSON>", the embedded adapter's wording, e.g. `email_1 {"email":"a@b.c"}`. */
function keyDescription(error: MongoServerError): string {
  const index = /index: (\S+)/.exec(error.message)?.[1];
  const keyValue: unknown = error.keyValue;
  const key = isPlainObject(keyValue) ? BSON.EJSON.stringify(keyValue, { relaxed: true }) : undefined;
  return [index, key].filter((part) => part !== undefined).join(' ') || error.message;
}

/** True for a duplicate key error on the `_id` index (an upsert racing or blocked by the guard). */
export function isDuplicateIdError(error: unknown): boolean {
  if (!(error instanceof MongoServerError) || !DUPLICATE_KEY_CODES.has(Number(error.code))) return false;
  const keyPattern: unknown = error.keyPattern;
  if (isPlainObject(keyPattern)) return Object.keys(keyPattern).length === 1 && '_id' in keyPattern;
  return /index: _id_ /.test(error.message);
}

/**
 * The port error for a driver error: duplicate keys become DuplicateKeyError, malformed
 * queries InvalidQueryError, anything else is returned unchanged. Errors labelled for
 * transaction retry are never translated, so session.withTransaction can still retry them.
 */
export function translateMongoError(error: unknown, collection: string): unknown {
  if (error instanceof MongoServerError) {
    if (error.hasErrorLabel('TransientTransactionError') || error.hasErrorLabel('UnknownTransactionCommitResult')) {
      return error;
    }
    const code = Number(error.code);
    if (DUPLICATE_KEY_CODES.has(code)) {
      return Object.assign(new DuplicateKeyError(collection, keyDescription(error)), { cause: error });
    }
    if (INVALID_QUERY_CODES.has(code)) return Object.assign(new InvalidQueryError(error.message), { cause: error });
    return error;
  }
  if (error instanceof MongoInvalidArgumentError || error instanceof BSON.BSONError) {
    return Object.assign(new InvalidQueryError(error.message), { cause: error });
  }
  return error;
}
