/**
 * MongoDB query filters over plain JSON documents, for the embedded read store: mingo evaluates
 * them; this module checks the filter against the dialect the port documents (read-store.port.ts),
 * so a malformed filter raises InvalidQueryError as the MongoDB adapter does, and rewrites the few
 * constructs where mingo answers differently from MongoDB (mongo-filter-rewrite.ts).
 *
 * Filters are compiled once (new Query) and then tested against many documents.
 */
import { Context } from 'mingo';
import * as queryOperators from 'mingo/operators/query';
import { Query } from 'mingo/query';
import { rewriteFilter } from './mongo-filter-rewrite';
import { buildRegex, isOperatorObject, isPlainObject } from './mongo-filter-shapes';
import { InvalidQueryError, type Filter } from './read-store.port';

export { isOperatorObject, isPlainObject };

export type DocumentMatcher = (doc: unknown) => boolean;

const LOGICAL_OPERATORS = new Set(['$and', '$or', '$nor']);

type QueryOperators = NonNullable<NonNullable<Parameters<typeof Context.init>[0]>['query']>;

/**
 * Only the query operators: mingo copies its context for every filter compiled, and the default
 * one holds every expression, pipeline and accumulator operator as well. No $where, $function or
 * $accumulator: filters are data, never code.
 */
const MINGO_OPTIONS = {
  context: Context.init({ query: { ...queryOperators } as QueryOperators }),
  scriptEnabled: false,
  useStrictMode: true,
  failOnError: true,
} as const;

// Filter values must be JSON; a Date would never match the ISO strings the read models store, so
// it is rejected rather than silently matching nothing.
function assertFilterValue(value: unknown): void {
  if (value === null || value === undefined) return;
  const type = typeof value;
  if (type === 'string' || type === 'boolean') return;
  if (type === 'number') {
    if (Number.isNaN(value)) throw new InvalidQueryError('NaN is not a valid filter value');
    return;
  }
  if (Array.isArray(value)) {
    for (const element of value) assertFilterValue(element);
    return;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) assertFilterValue(value[key]);
    return;
  }
  throw new InvalidQueryError(`unsupported filter value ${String(value)}: use JSON values (dates as ISO strings)`);
}

function assertEqualityValue(value: unknown, operator: string): void {
  if (value instanceof RegExp) throw new InvalidQueryError(`${operator} does not take a regular expression`);
  assertFilterValue(value);
}

function assertValueList(values: unknown, operator: string): void {
  if (!Array.isArray(values)) throw new InvalidQueryError(`${operator} needs an array`);
  for (const value of values) if (!(value instanceof RegExp)) assertFilterValue(value);
}

/** Checks the operators of one field condition ({ $gte: 1, $lt: 5 }). */
function checkOperators(spec: Record<string, unknown>): void {
  for (const operator of Object.keys(spec)) {
    const arg = spec[operator];
    switch (operator) {
      case '$eq':
      case '$ne':
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        assertEqualityValue(arg, operator);
        break;
      case '$in':
      case '$nin':
      case '$all':
        assertValueList(arg, operator);
        break;
      case '$exists':
        break;
      case '$regex':
        buildRegex(arg, spec.$options);
        break;
      case '$options':
        if (!('$regex' in spec)) throw new InvalidQueryError('$options needs $regex');
        break;
      case '$size':
        if (typeof arg !== 'number' || !Number.isInteger(arg) || arg < 0) throw new InvalidQueryError('$size needs a non-negative integer');
        break;
      case '$elemMatch':
        checkElemMatch(arg);
        break;
      case '$not':
        if (arg instanceof RegExp) break;
        if (!isPlainObject(arg) || Object.keys(arg).length === 0 || !isOperatorObject(arg)) {
          throw new InvalidQueryError('$not needs an operator expression or a regular expression');
        }
        checkOperators(arg);
        break;
      default:
        throw new InvalidQueryError(`unknown operator ${operator}`);
    }
  }
}

function checkElemMatch(spec: unknown): void {
  if (!isPlainObject(spec)) throw new InvalidQueryError('$elemMatch needs an object');
  const keys = Object.keys(spec);
  // { $elemMatch: { $gte: 80, $lt: 85 } } tests the element itself; otherwise it is a filter on elements.
  if (keys.length > 0 && keys.every((k) => k.startsWith('$') && !LOGICAL_OPERATORS.has(k))) checkOperators(spec);
  else checkFilter(spec);
}

function checkCondition(condition: unknown): void {
  if (condition instanceof RegExp) return;
  if (isOperatorObject(condition)) checkOperators(condition);
  else assertFilterValue(condition);
}

/** Throws InvalidQueryError unless the filter keeps to the dialect the port documents. */
export function checkFilter(filter: unknown): void {
  if (!isPlainObject(filter)) throw new InvalidQueryError('a filter must be an object');
  for (const key of Object.keys(filter)) {
    const condition = filter[key];
    if (key.startsWith('$')) {
      if (!LOGICAL_OPERATORS.has(key)) throw new InvalidQueryError(`unknown top-level operator ${key}`);
      if (!Array.isArray(condition) || condition.length === 0) throw new InvalidQueryError(`${key} needs a non-empty array of filters`);
      for (const clause of condition) {
        if (!isPlainObject(clause)) throw new InvalidQueryError(`${key} needs an array of filter objects`);
        checkFilter(clause);
      }
      continue;
    }
    if (key === '' || key.split('.').some((part) => part === '')) throw new InvalidQueryError(`invalid field path "${key}"`);
    checkCondition(condition);
  }
}

/** Compiles a filter into a predicate; throws InvalidQueryError when the filter is malformed. */
export function compileFilter(filter?: Filter | null): DocumentMatcher {
  if (filter === undefined || filter === null) return () => true;
  checkFilter(filter);
  if (Object.keys(filter).length === 0) return () => true;
  let query: Query;
  try {
    query = new Query(rewriteFilter(filter), MINGO_OPTIONS);
  } catch (error) {
    throw new InvalidQueryError(`invalid filter: ${(error as Error).message}`);
  }
  return (doc) => query.test(doc as Record<string, unknown>);
}

/** One-off match; compile the filter with compileFilter when matching many documents. */
export function matchesFilter(doc: unknown, filter?: Filter | null): boolean {
  return compileFilter(filter)(doc);
}
