/**
 * MongoDB update semantics over plain JSON documents, for the embedded read store: mingo applies
 * the operators; this module checks the update first, so a malformed update, or one MongoDB would
 * refuse on this document, raises InvalidQueryError before anything is changed (mingo skips such
 * operations silently), and stores values as JSON (Dates as ISO strings).
 *
 * Supports $set, $unset, $inc, $mul, $min, $max, $push (with $each, $slice, $position, $sort),
 * $addToSet (with $each), $pull (a value, a condition on the element values, or a query on
 * array elements that are documents) and $setOnInsert (applied here as $set on insert, as mingo has
 * no upserts); dotted paths create the objects they traverse and a numeric part addresses an array
 * element. An update without operator keys is a replacement.
 */
import * as mingoOperators from 'mingo/operators/update';
import { isPlainObject } from './mongo-filter-shapes';
import { InvalidQueryError, type Document, type Update } from './read-store.port';

export const UPDATE_OPERATORS: ReadonlySet<string> = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$push',
  '$addToSet',
  '$pull',
  '$setOnInsert',
]);

/**
 * True for an operator update, false for a replacement; throws when the update mixes both,
 * is not an object, or names an unsupported operator.
 */
export function isOperatorUpdate(update: Update): boolean {
  if (!isPlainObject(update)) throw new InvalidQueryError('an update must be an object');
  let operators = 0;
  let fields = 0;
  for (const key of Object.keys(update)) {
    if (key.startsWith('$')) {
      if (!UPDATE_OPERATORS.has(key)) throw new InvalidQueryError(`unknown update operator ${key}`);
      operators++;
    } else {
      fields++;
    }
  }
  if (operators > 0 && fields > 0) throw new InvalidQueryError('an update cannot mix operators and fields');
  return operators > 0;
}

/** A deep copy of a value as it would be stored (Dates become ISO strings, undefined becomes null). */
export function cloneValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      throw new InvalidQueryError(`cannot store a ${typeof value}`);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(cloneValue);
  if (value instanceof Date) return value.toISOString();
  if (!isPlainObject(value)) throw new InvalidQueryError('stored values must be plain JSON');
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (value[key] !== undefined) copy[key] = cloneValue(value[key]);
  }
  return copy;
}

/** The result of a replacement update: the new fields with the document's `_id` kept (first). */
export function replacementDocument(id: string, replacement: Record<string, unknown>): Document {
  if (replacement._id !== undefined && replacement._id !== id) {
    throw new InvalidQueryError('a replacement cannot change _id');
  }
  const doc: Document = { _id: id };
  for (const key of Object.keys(replacement)) {
    if (key === '_id' || replacement[key] === undefined) continue;
    if (key.startsWith('$')) throw new InvalidQueryError(`invalid field name ${key}`);
    doc[key] = cloneValue(replacement[key]);
  }
  return doc;
}

/**
 * mingo's operators, applied one by one: mingo's update() builds a new operator context on every
 * call (copies of all its operator tables), which costs several times the update itself.
 */
const MINGO_OPERATORS: Readonly<Record<string, (expr: Record<string, unknown>) => (obj: Record<string, unknown>) => string[]>> = {
  $set: mingoOperators.$set,
  $unset: mingoOperators.$unset,
  $inc: mingoOperators.$inc,
  $mul: mingoOperators.$mul,
  $min: mingoOperators.$min,
  $max: mingoOperators.$max,
  $push: mingoOperators.$push,
  $addToSet: mingoOperators.$addToSet,
  $pull: mingoOperators.$pull,
};

/** Operators whose values are stored (copied as JSON first). */
const STORING_OPERATORS = new Set(['$set', '$setOnInsert', '$min', '$max', '$push', '$addToSet']);

/**
 * Applies an update to a document. Operator updates change `doc` in place and return it; a
 * replacement returns a new document. `isInsert` tells whether the document is being created by
 * an upsert ($setOnInsert applies only then). On error the document may be partly changed, so
 * callers apply updates to a copy they can throw away.
 */
export function applyUpdate<T extends Document>(doc: T, update: Update, options: { isInsert: boolean }): T {
  if (!isOperatorUpdate(update)) return replacementDocument(doc._id, update) as T;
  checkPaths(update);
  const id = doc._id;
  const modifier: Record<string, Record<string, unknown>> = {};
  for (const operator of Object.keys(update)) {
    const fields = update[operator] as Record<string, unknown>;
    if (operator === '$setOnInsert' && !options.isInsert) continue;
    const target = operator === '$setOnInsert' ? '$set' : operator;
    for (const path of Object.keys(fields)) {
      const missing = checkOperation(doc, operator, path, fields[path]);
      const value = STORING_OPERATORS.has(operator) ? cloneValue(fields[path]) : fields[path];
      if (missing && (operator === '$push' || operator === '$addToSet')) {
        (modifier.$set ??= {})[path] = arrayFrom(operator, value);
        continue;
      }
      // Setting _id to the value it has is allowed (MongoDB accepts it); mingo refuses any write to _id.
      if (target === '$set' && path === '_id' && value === id) continue;
      (modifier[target] ??= {})[path] = value;
    }
  }
  try {
    for (const operator of Object.keys(modifier)) MINGO_OPERATORS[operator](modifier[operator])(doc);
  } catch (error) {
    throw error instanceof InvalidQueryError ? error : new InvalidQueryError((error as Error).message);
  }
  if (doc._id !== id) throw new InvalidQueryError('_id is immutable');
  for (const fields of Object.values(modifier)) for (const path of Object.keys(fields)) if (INDEX_PART.test(path)) fillHoles(doc, path);
  return doc;
}

/**
 * The array a $push or $addToSet creates on a missing field. mingo would store $each as given,
 * skipping $sort, $slice and de-duplication; MongoDB applies them as to an empty array.
 */
function arrayFrom(operator: string, arg: unknown): unknown[] {
  const scratch: { _id: string; array: unknown[] } = { _id: '', array: [] };
  MINGO_OPERATORS[operator]({ array: arg })(scratch);
  return scratch.array;
}

/** A path with an array index among its parts. */
const INDEX_PART = /(?:^|\.)\d+(?:\.|$)/;

// Setting an element past the end of an array leaves holes in mingo; MongoDB pads with nulls.
function fillHoles(doc: Document, path: string): void {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) if (!(i in current)) current[i] = null;
      current = isArrayIndex(part) ? current[Number(part)] : undefined;
    } else if (isDocument(current)) {
      current = current[part];
    } else {
      return;
    }
  }
}

/** Non-empty dot-separated parts, none starting with `$` (no positional operators). */
const VALID_PATH = /^(?:[^.$][^.]*)(?:\.[^.$][^.]*)*$/;

// Validates the shape of every operator and rejects two operations on the same or nested paths
// (MongoDB refuses such updates as conflicting).
function checkPaths(update: Update): void {
  const seen = new Set<string>();
  const paths: string[] = [];
  for (const operator of Object.keys(update)) {
    const fields = update[operator];
    if (!isPlainObject(fields)) throw new InvalidQueryError(`${operator} needs an object of paths`);
    for (const path of Object.keys(fields)) {
      if (!VALID_PATH.test(path)) {
        throw new InvalidQueryError(`unsupported update path "${path}" (positional operators are not supported)`);
      }
      if (seen.has(path)) throw new InvalidQueryError(`updating the path "${path}" would create a conflict`);
      seen.add(path);
      paths.push(path);
    }
  }
  if (paths.length < 2) return;
  for (const path of paths) {
    let dot = path.indexOf('.');
    while (dot >= 0) {
      const prefix = path.slice(0, dot);
      if (seen.has(prefix)) throw new InvalidQueryError(`updating the path "${path}" would create a conflict at "${prefix}"`);
      dot = path.indexOf('.', dot + 1);
    }
  }
}

/** A JSON object met on a path (whatever realm created it; arrays are handled before). */
function isDocument(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function isArrayIndex(part: string): boolean {
  return part.length > 0 && part.length < 10 && /^\d+$/.test(part);
}

function requireInteger(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value))) {
    throw new InvalidQueryError(`${name} needs an integer`);
  }
}

const PUSH_MODIFIERS = new Set(['$each', '$slice', '$position', '$sort']);

function checkArgument(operator: string, arg: unknown): void {
  if (operator === '$inc' || operator === '$mul') {
    if (typeof arg !== 'number' || !Number.isFinite(arg)) throw new InvalidQueryError(`${operator} needs a numeric argument`);
    return;
  }
  if ((operator !== '$push' && operator !== '$addToSet') || !isPlainObject(arg) || !('$each' in arg)) return;
  if (!Array.isArray(arg.$each)) throw new InvalidQueryError('$each needs an array');
  if (operator === '$addToSet') {
    if (Object.keys(arg).length !== 1) throw new InvalidQueryError('$addToSet supports only the $each modifier');
    return;
  }
  for (const modifier of Object.keys(arg)) {
    if (!PUSH_MODIFIERS.has(modifier)) throw new InvalidQueryError(`unknown $push modifier ${modifier}`);
  }
  requireInteger('$slice', arg.$slice);
  requireInteger('$position', arg.$position);
  const sort = arg.$sort;
  if (sort === undefined || sort === 1 || sort === -1) return;
  const validObject = isPlainObject(sort) && Object.keys(sort).length > 0 && Object.values(sort).every((d) => d === 1 || d === -1);
  if (!validObject) throw new InvalidQueryError('$sort needs 1, -1 or { field: 1 | -1 }');
}

/**
 * What MongoDB refuses and mingo would skip (returns whether the target is missing): a path that would have to go through a scalar or use
 * a field name on an array, arithmetic on a non-number, array operators on a non-array. $unset and
 * $pull never create anything: a path that does not reach a value leaves them nothing to do.
 */
function checkOperation(doc: Document, operator: string, path: string, arg: unknown): boolean {
  checkArgument(operator, arg);
  if (operator === '$unset') return false;
  const creates = operator !== '$pull';
  const parts = path.split('.');
  let current: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (Array.isArray(current)) {
      if (!isArrayIndex(part)) {
        if (!creates) return false;
        throw new InvalidQueryError(`cannot use the part "${part}" of "${path}" to traverse an array`);
      }
      current = current[Number(part)];
    } else if (isDocument(current)) {
      current = current[part];
    } else {
      if (current === undefined || !creates) return current === undefined;
      throw new InvalidQueryError(`cannot create field "${part}" in element {${parts[i - 1]}: ${JSON.stringify(current)}}`);
    }
  }
  if (current === undefined) return true;
  if ((operator === '$inc' || operator === '$mul') && typeof current !== 'number') {
    throw new InvalidQueryError(`cannot apply ${operator} to the non-numeric value at "${path}"`);
  }
  if ((operator === '$push' || operator === '$addToSet' || operator === '$pull') && !Array.isArray(current)) {
    throw new InvalidQueryError(`cannot apply ${operator} to the non-array value at "${path}"`);
  }
  return false;
}
