/**
 * MongoDB update semantics over plain JSON documents, for the embedded read store. Hand-written
 * rather than mingo's update operators: projection rebuilds apply one update per event, and this
 * evaluator costs a fraction of mingo's (docs/read-store-query-dialect.md); the differential test
 * test/read-store/update-engine-vs-mingo.unit.spec.ts checks the two agree.
 *
 * Supports $set, $unset, $inc, $mul, $min, $max, $push (with $each, $slice, $position, $sort),
 * $addToSet (with $each), $pull (a value, a condition on the element values, or a query on
 * array elements that are documents) and $setOnInsert; dotted paths create the objects they
 * traverse and a numeric part addresses an array element. An update without operator keys is
 * a replacement. Malformed updates raise InvalidQueryError before anything is changed.
 */
import { compareValues, valuesEqual } from './bson-order';
import { compileFilter } from './mongo-filter';
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

type Container = Record<string, unknown> | unknown[];

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
 * Applies an update to a document. Operator updates change `doc` in place and return it; a
 * replacement returns a new document. `isInsert` tells whether the document is being created by
 * an upsert ($setOnInsert applies only then). On error the document may be partly changed, so
 * callers apply updates to a copy they can throw away.
 */
export function applyUpdate<T extends Document>(doc: T, update: Update, options: { isInsert: boolean }): T {
  if (!isOperatorUpdate(update)) return replacementDocument(doc._id, update) as T;
  checkPaths(update);
  const id = doc._id;
  for (const operator of Object.keys(update)) {
    const fields = update[operator] as Record<string, unknown>;
    if (operator === '$setOnInsert' && !options.isInsert) continue;
    for (const path of Object.keys(fields)) {
      applyOperator(doc, operator, path, fields[path]);
    }
  }
  if (doc._id !== id) throw new InvalidQueryError('_id is immutable');
  return doc;
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

function isArrayIndex(part: string): boolean {
  return part.length > 0 && part.length < 10 && /^\d+$/.test(part);
}

/**
 * The container holding the last part of a path. With `create`, missing objects on the way are
 * created; without, a missing or non-container step returns null (nothing to change).
 */
function parentOf(doc: Container, parts: readonly string[], create: boolean, path: string): Container | null {
  let current: Container = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i];
    let next = readChild(current, part, path, create);
    if (next === undefined) {
      if (!create) return null;
      next = {};
      writeChild(current, part, next, path);
    } else if (!Array.isArray(next) && !isPlainObject(next)) {
      if (!create) return null;
      throw new InvalidQueryError(`cannot create field "${parts[i + 1]}" in element {${part}: ${JSON.stringify(next)}}`);
    }
    current = next as Container;
  }
  return current;
}

function readChild(container: Container, key: string, path: string, strict: boolean): unknown {
  if (Array.isArray(container)) {
    if (!isArrayIndex(key)) {
      if (!strict) return undefined;
      throw new InvalidQueryError(`cannot use the part "${key}" of "${path}" to traverse an array`);
    }
    return container[Number(key)];
  }
  return container[key];
}

function writeChild(container: Container, key: string, value: unknown, path: string): void {
  if (Array.isArray(container)) {
    if (!isArrayIndex(key)) throw new InvalidQueryError(`cannot use the part "${key}" of "${path}" to traverse an array`);
    const index = Number(key);
    while (container.length < index) container.push(null);
    container[index] = value;
    return;
  }
  container[key] = value;
}

function requireNumber(operator: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidQueryError(`${operator} needs a numeric argument`);
  }
  return value;
}

// Long because it is one switch over the update operators, each case a few lines on the resolved
// parent: the hot loop of every projection write (see the header for why it is hand-written).
function applyOperator(doc: Container, operator: string, path: string, arg: unknown): void {
  const parts = path.split('.');
  const key = parts[parts.length - 1];
  if (operator === '$unset') {
    const parent = parentOf(doc, parts, false, path);
    if (parent === null) return;
    if (Array.isArray(parent)) {
      // MongoDB keeps array positions: an unset element becomes null.
      if (isArrayIndex(key) && Number(key) < parent.length) parent[Number(key)] = null;
    } else {
      delete parent[key];
    }
    return;
  }
  if (operator === '$pull') {
    const test = pullTest(arg);
    const parent = parentOf(doc, parts, false, path);
    if (parent === null) return;
    const current = readChild(parent, key, path, false);
    if (current === undefined) return;
    if (!Array.isArray(current)) throw new InvalidQueryError(`cannot apply $pull to the non-array value at "${path}"`);
    writeChild(
      parent,
      key,
      current.filter((element) => !test(element)),
      path,
    );
    return;
  }
  // Validate the argument before creating anything on the way to the field.
  const push = operator === '$push' ? pushSpec(arg) : null;
  const addToSet = operator === '$addToSet' ? addToSetItems(arg) : null;
  if (operator === '$inc' || operator === '$mul') requireNumber(operator, arg);

  const parent = parentOf(doc, parts, true, path) as Container;
  const current = readChild(parent, key, path, true);
  switch (operator) {
    case '$set':
    case '$setOnInsert':
      writeChild(parent, key, cloneValue(arg), path);
      return;
    case '$inc':
    case '$mul': {
      const n = arg as number;
      if (current === undefined) {
        writeChild(parent, key, operator === '$inc' ? n : 0, path);
      } else if (typeof current === 'number') {
        writeChild(parent, key, operator === '$inc' ? current + n : current * n, path);
      } else {
        throw new InvalidQueryError(`cannot apply ${operator} to the non-numeric value at "${path}"`);
      }
      return;
    }
    case '$min':
    case '$max': {
      const replace = current === undefined || (operator === '$min' ? compareValues(arg, current) < 0 : compareValues(arg, current) > 0);
      if (replace) writeChild(parent, key, cloneValue(arg), path);
      return;
    }
    case '$push': {
      const array = arrayAt(current, operator, path);
      const spec = push as PushSpec;
      const position = spec.position === undefined ? array.length : resolvePosition(spec.position, array.length);
      array.splice(position, 0, ...spec.items.map(cloneValue));
      if (spec.sort !== undefined) sortArray(array, spec.sort);
      if (spec.slice !== undefined) {
        const kept = spec.slice >= 0 ? array.slice(0, spec.slice) : array.slice(Math.max(array.length + spec.slice, 0));
        array.length = 0;
        array.push(...kept);
      }
      writeChild(parent, key, array, path);
      return;
    }
    case '$addToSet': {
      const array = arrayAt(current, operator, path);
      for (const item of addToSet as unknown[]) {
        if (!array.some((existing) => valuesEqual(existing, item))) array.push(cloneValue(item));
      }
      writeChild(parent, key, array, path);
      return;
    }
    default:
      throw new InvalidQueryError(`unknown update operator ${operator}`);
  }
}

function arrayAt(current: unknown, operator: string, path: string): unknown[] {
  if (current === undefined) return [];
  if (!Array.isArray(current)) throw new InvalidQueryError(`cannot apply ${operator} to the non-array value at "${path}"`);
  return current;
}

function resolvePosition(position: number, length: number): number {
  if (position >= 0) return Math.min(position, length);
  return Math.max(length + position, 0);
}

interface PushSpec {
  items: unknown[];
  slice?: number;
  position?: number;
  sort?: 1 | -1 | Record<string, 1 | -1>;
}

const PUSH_MODIFIERS = new Set(['$each', '$slice', '$position', '$sort']);

function pushSpec(arg: unknown): PushSpec {
  if (!isPlainObject(arg) || !('$each' in arg)) return { items: [arg] };
  const spec: PushSpec = { items: [] };
  for (const modifier of Object.keys(arg)) {
    if (!PUSH_MODIFIERS.has(modifier)) throw new InvalidQueryError(`unknown $push modifier ${modifier}`);
  }
  if (!Array.isArray(arg.$each)) throw new InvalidQueryError('$each needs an array');
  spec.items = arg.$each;
  if (arg.$slice !== undefined) {
    if (typeof arg.$slice !== 'number' || !Number.isInteger(arg.$slice)) throw new InvalidQueryError('$slice needs an integer');
    spec.slice = arg.$slice;
  }
  if (arg.$position !== undefined) {
    if (typeof arg.$position !== 'number' || !Number.isInteger(arg.$position)) {
      throw new InvalidQueryError('$position needs an integer');
    }
    spec.position = arg.$position;
  }
  if (arg.$sort !== undefined) {
    const sort = arg.$sort;
    const validObject = isPlainObject(sort) && Object.keys(sort).length > 0 && Object.values(sort).every((d) => d === 1 || d === -1);
    if (sort !== 1 && sort !== -1 && !validObject) throw new InvalidQueryError('$sort needs 1, -1 or { field: 1 | -1 }');
    spec.sort = sort as PushSpec['sort'];
  }
  return spec;
}

function sortArray(array: unknown[], sort: 1 | -1 | Record<string, 1 | -1>): void {
  if (sort === 1 || sort === -1) {
    array.sort((a, b) => sort * compareValues(a, b));
    return;
  }
  const keys = Object.entries(sort);
  const field = (value: unknown, path: string): unknown => {
    let current = value;
    for (const part of path.split('.')) {
      if (!isPlainObject(current)) return undefined;
      current = current[part];
    }
    return current;
  };
  array.sort((a, b) => {
    for (const [path, direction] of keys) {
      const c = compareValues(field(a, path), field(b, path));
      if (c !== 0) return direction * c;
    }
    return 0;
  });
}

function addToSetItems(arg: unknown): unknown[] {
  if (!isPlainObject(arg) || !('$each' in arg)) return [arg];
  if (Object.keys(arg).length !== 1) throw new InvalidQueryError('$addToSet supports only the $each modifier');
  if (!Array.isArray(arg.$each)) throw new InvalidQueryError('$each needs an array');
  return arg.$each;
}

// As MongoDB: a document of field conditions is a query on elements that are documents; an
// operator expression ({ $gte: 5 }) applies to each element value; anything else is equality.
function pullTest(arg: unknown): (element: unknown) => boolean {
  if (arg instanceof RegExp) {
    const regex = new RegExp(arg.source, arg.flags.replace(/[gy]/g, ''));
    return (element) => typeof element === 'string' && regex.test(element);
  }
  if (isPlainObject(arg)) {
    const keys = Object.keys(arg);
    const operatorExpression = keys.length > 0 && keys[0].startsWith('$') && !['$and', '$or', '$nor'].includes(keys[0]);
    if (operatorExpression) {
      const matcher = compileFilter({ value: arg });
      return (element) => matcher({ value: element });
    }
    const matcher = compileFilter(arg);
    return (element) => isPlainObject(element) && matcher(element);
  }
  return (element) => valuesEqual(element, arg);
}
