/**
 * A MongoDB query filter matcher over plain JSON documents, for the embedded read store.
 *
 * Follows MongoDB's semantics for the subset the read store port documents:
 * - a path resolves through nested objects and arrays ("a.b" on {a: [{b: 1}, {b: 2}]} yields 1 and 2;
 *   a numeric part also indexes into an array);
 * - a condition on an array value matches when the array itself or any of its elements matches;
 * - equality to null matches null and missing fields;
 * - $gt/$gte/$lt/$lte only compare values of the same type bracket (numbers with numbers, strings
 *   with strings, ...), so { age: { $gt: 1 } } never matches a string or a missing age;
 * - values of different types order as BSON does: null < numbers < strings < objects < arrays < booleans.
 *
 * Filters are compiled once into closures; unknown operators raise InvalidQueryError.
 */
import { InvalidQueryError, type Filter } from './read-store.port';

export type DocumentMatcher = (doc: unknown) => boolean;

/** A test on the candidate values a path resolved to. */
type PathTest = (candidates: readonly unknown[]) => boolean;
/** A test on one value. */
type ValueTest = (value: unknown) => boolean;

const LOGICAL_OPERATORS = new Set(['$and', '$or', '$nor']);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** BSON type bracket used for ordering and for the bracketing of comparison operators. */
export function typeOrder(value: unknown): number {
  if (value === null || value === undefined) return 1;
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    case 'boolean':
      return 6;
    default:
      if (Array.isArray(value)) return 5;
      if (isPlainObject(value)) return 4;
      return 7;
  }
}

/** Code point order (what MongoDB and SQLite's BINARY collation use), not UTF-16 code unit order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca !== cb) {
      if (ca >= 0xd800 && cb >= 0xd800) {
        // Surrogates (astral code points) sort after U+E000..U+FFFF in code point order.
        ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
        cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
      }
      return ca < cb ? -1 : 1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Total order over JSON values as MongoDB compares BSON values (missing counts as null). */
export function compareValues(a: unknown, b: unknown): number {
  const ta = typeOrder(a);
  const tb = typeOrder(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case 2: {
      const x = a as number;
      const y = b as number;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 3:
      return compareStrings(a as string, b as string);
    case 4:
      return compareObjects(a as Record<string, unknown>, b as Record<string, unknown>);
    case 5:
      return compareArrays(a as unknown[], b as unknown[]);
    case 6:
      return a === b ? 0 : a === false ? -1 : 1;
    default:
      return 0;
  }
}

function compareArrays(a: readonly unknown[], b: readonly unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

// BSON compares embedded documents element by element: value type, then field name, then value.
function compareObjects(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const va = a[ka[i]];
    const vb = b[kb[i]];
    const t = typeOrder(va) - typeOrder(vb);
    if (t !== 0) return t < 0 ? -1 : 1;
    const k = compareStrings(ka[i], kb[i]);
    if (k !== 0) return k;
    const c = compareValues(va, vb);
    if (c !== 0) return c;
  }
  return ka.length === kb.length ? 0 : ka.length < kb.length ? -1 : 1;
}

/** MongoDB equality: same type bracket and equal; documents compare field order too. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && compareValues(a, b) === 0;
}

/**
 * The values a dotted path resolves to in a document, MongoDB style: arrays met on the way are
 * traversed (each element that is an object continues the path; a numeric part also indexes the
 * array). A missing field yields undefined.
 */
export function resolvePath(doc: unknown, path: string): unknown[] {
  if (path.indexOf('.') < 0) {
    return [isPlainObject(doc) ? doc[path] : undefined];
  }
  const out: unknown[] = [];
  collect(doc, path.split('.'), 0, out);
  if (out.length === 0) out.push(undefined);
  return out;
}

function collect(value: unknown, parts: readonly string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    const part = parts[i];
    if (isArrayIndex(part)) {
      const index = Number(part);
      if (index < value.length) collect(value[index], parts, i + 1, out);
    }
    for (const element of value) {
      if (isPlainObject(element)) collect(element, parts, i, out);
    }
    return;
  }
  if (isPlainObject(value)) {
    collect(value[parts[i]], parts, i + 1, out);
    return;
  }
  out.push(undefined);
}

function isArrayIndex(part: string): boolean {
  return part.length > 0 && part.length < 10 && /^\d+$/.test(part);
}

/** True when some candidate, or an element of a candidate array, passes the test. */
function anyValue(candidates: readonly unknown[], test: ValueTest): boolean {
  for (const candidate of candidates) {
    if (test(candidate)) return true;
    if (Array.isArray(candidate)) {
      for (const element of candidate) if (test(element)) return true;
    }
  }
  return false;
}

/** An object whose keys are operators ({ $gt: 1 }) rather than a literal embedded document. */
export function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  let operators = 0;
  let fields = 0;
  for (const key of Object.keys(value)) {
    if (key.startsWith('$')) operators++;
    else fields++;
  }
  if (operators > 0 && fields > 0) {
    throw new InvalidQueryError(`cannot mix operators and fields in ${JSON.stringify(value)}`);
  }
  return operators > 0;
}

// Filter values must be JSON (plus RegExp where MongoDB takes one); a Date would never match the
// ISO strings the read models store, so it is rejected rather than silently matching nothing.
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

function equalityTest(expected: unknown): ValueTest {
  if (expected === null || expected === undefined) return (value) => value === null || value === undefined;
  assertFilterValue(expected);
  if (typeof expected !== 'object') return (value) => value === expected;
  return (value) => valuesEqual(value, expected);
}

function regexTest(regex: RegExp): ValueTest {
  return (value) => typeof value === 'string' && regex.test(value);
}

function buildRegex(pattern: unknown, options: unknown): RegExp {
  let source: string;
  let flags = '';
  if (pattern instanceof RegExp) {
    source = pattern.source;
    flags = pattern.flags.replace(/[gy]/g, '');
  } else if (typeof pattern === 'string') {
    source = pattern;
  } else {
    throw new InvalidQueryError('$regex must be a string or a RegExp');
  }
  if (options !== undefined) {
    if (typeof options !== 'string' || !/^[ims]*$/.test(options)) {
      throw new InvalidQueryError('$options supports only the flags i, m and s');
    }
    for (const flag of options) if (!flags.includes(flag)) flags += flag;
  }
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new InvalidQueryError(`invalid $regex: ${(error as Error).message}`);
  }
}

type ComparisonOperator = '$gt' | '$gte' | '$lt' | '$lte';

function comparisonTest(operator: ComparisonOperator, bound: unknown): ValueTest {
  if (bound === null || bound === undefined) {
    // Only null equals null: $gte/$lte null match null and missing, $gt/$lt null match nothing.
    if (operator === '$gte' || operator === '$lte') return (value) => value === null || value === undefined;
    return () => false;
  }
  if (bound instanceof RegExp) throw new InvalidQueryError(`${operator} does not take a regular expression`);
  assertFilterValue(bound);
  const bracket = typeOrder(bound);
  if (bracket === 2) {
    const n = bound as number;
    switch (operator) {
      case '$gt':
        return (value) => typeof value === 'number' && value > n;
      case '$gte':
        return (value) => typeof value === 'number' && value >= n;
      case '$lt':
        return (value) => typeof value === 'number' && value < n;
      case '$lte':
        return (value) => typeof value === 'number' && value <= n;
    }
  }
  const accept = (c: number): boolean => (operator === '$gt' ? c > 0 : operator === '$gte' ? c >= 0 : operator === '$lt' ? c < 0 : c <= 0);
  return (value) => typeOrder(value) === bracket && accept(compareValues(value, bound));
}

function inTest(values: unknown, operator: string): ValueTest {
  if (!Array.isArray(values)) throw new InvalidQueryError(`${operator} needs an array`);
  const tests = values.map((v) => (v instanceof RegExp ? regexTest(buildRegex(v, undefined)) : equalityTest(v)));
  return (value) => {
    for (const test of tests) if (test(value)) return true;
    return false;
  };
}

/** Compiles the operators of one field condition ({ $gte: 1, $lt: 5 }) into a test on its candidates. */
function compileOperators(spec: Record<string, unknown>): PathTest {
  const tests: PathTest[] = [];
  const keys = Object.keys(spec);
  for (const operator of keys) {
    const arg = spec[operator];
    switch (operator) {
      case '$eq': {
        if (arg instanceof RegExp) throw new InvalidQueryError('$eq does not take a regular expression');
        const test = equalityTest(arg);
        tests.push((c) => anyValue(c, test));
        break;
      }
      case '$ne': {
        if (arg instanceof RegExp) throw new InvalidQueryError('$ne does not take a regular expression');
        const test = equalityTest(arg);
        tests.push((c) => !anyValue(c, test));
        break;
      }
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        const test = comparisonTest(operator, arg);
        tests.push((c) => anyValue(c, test));
        break;
      }
      case '$in': {
        const test = inTest(arg, operator);
        tests.push((c) => anyValue(c, test));
        break;
      }
      case '$nin': {
        const test = inTest(arg, operator);
        tests.push((c) => !anyValue(c, test));
        break;
      }
      case '$all': {
        if (!Array.isArray(arg)) throw new InvalidQueryError('$all needs an array');
        const all = arg.map((v) => (v instanceof RegExp ? regexTest(buildRegex(v, undefined)) : equalityTest(v)));
        tests.push((c) => all.length > 0 && all.every((test) => anyValue(c, test)));
        break;
      }
      case '$exists': {
        const wanted = Boolean(arg);
        tests.push((c) => c.some((v) => v !== undefined) === wanted);
        break;
      }
      case '$regex': {
        const test = regexTest(buildRegex(arg, spec.$options));
        tests.push((c) => anyValue(c, test));
        break;
      }
      case '$options':
        if (!('$regex' in spec)) throw new InvalidQueryError('$options needs $regex');
        break;
      case '$size': {
        if (typeof arg !== 'number' || !Number.isInteger(arg) || arg < 0) {
          throw new InvalidQueryError('$size needs a non-negative integer');
        }
        tests.push((c) => c.some((v) => Array.isArray(v) && v.length === arg));
        break;
      }
      case '$elemMatch': {
        const test = elemMatchTest(arg);
        tests.push((c) => c.some((v) => Array.isArray(v) && v.some(test)));
        break;
      }
      case '$not': {
        let inner: PathTest;
        if (arg instanceof RegExp) {
          const test = regexTest(buildRegex(arg, undefined));
          inner = (c) => anyValue(c, test);
        } else if (isPlainObject(arg) && Object.keys(arg).length > 0 && isOperatorObject(arg)) {
          inner = compileOperators(arg);
        } else {
          throw new InvalidQueryError('$not needs an operator expression or a regular expression');
        }
        tests.push((c) => !inner(c));
        break;
      }
      default:
        throw new InvalidQueryError(`unknown operator ${operator}`);
    }
  }
  if (tests.length === 1) return tests[0];
  return (c) => {
    for (const test of tests) if (!test(c)) return false;
    return true;
  };
}

function elemMatchTest(spec: unknown): ValueTest {
  if (!isPlainObject(spec)) throw new InvalidQueryError('$elemMatch needs an object');
  const keys = Object.keys(spec);
  const valueMode = keys.length > 0 && keys.every((k) => k.startsWith('$') && !LOGICAL_OPERATORS.has(k));
  if (valueMode) {
    // { $elemMatch: { $gte: 80, $lt: 85 } }: the element itself must satisfy every operator.
    const test = compileOperators(spec);
    return (element) => test([element]);
  }
  const matcher = compileFilter(spec);
  return (element) => isPlainObject(element) && matcher(element);
}

function compileCondition(condition: unknown): PathTest {
  if (condition instanceof RegExp) {
    const test = regexTest(buildRegex(condition, undefined));
    return (c) => anyValue(c, test);
  }
  if (isOperatorObject(condition)) return compileOperators(condition);
  const test = equalityTest(condition);
  return (c) => anyValue(c, test);
}

function compileLogical(operator: string, clauses: unknown): DocumentMatcher {
  if (!Array.isArray(clauses) || clauses.length === 0) {
    throw new InvalidQueryError(`${operator} needs a non-empty array of filters`);
  }
  const matchers = clauses.map((clause) => {
    if (!isPlainObject(clause)) throw new InvalidQueryError(`${operator} needs an array of filter objects`);
    return compileFilter(clause);
  });
  switch (operator) {
    case '$and':
      return (doc) => matchers.every((m) => m(doc));
    case '$or':
      return (doc) => matchers.some((m) => m(doc));
    default:
      return (doc) => !matchers.some((m) => m(doc));
  }
}

/** Compiles a filter into a predicate; throws InvalidQueryError when the filter is malformed. */
export function compileFilter(filter?: Filter | null): DocumentMatcher {
  if (filter === undefined || filter === null) return () => true;
  if (!isPlainObject(filter)) throw new InvalidQueryError('a filter must be an object');
  const matchers: DocumentMatcher[] = [];
  for (const key of Object.keys(filter)) {
    const condition = filter[key];
    if (key.startsWith('$')) {
      if (!LOGICAL_OPERATORS.has(key)) throw new InvalidQueryError(`unknown top-level operator ${key}`);
      matchers.push(compileLogical(key, condition));
      continue;
    }
    if (key === '' || key.split('.').some((part) => part === '')) {
      throw new InvalidQueryError(`invalid field path "${key}"`);
    }
    const test = compileCondition(condition);
    if (key.indexOf('.') < 0) {
      // Top-level field: skip the generic path resolution.
      const candidates: unknown[] = [undefined];
      matchers.push((doc) => {
        candidates[0] = isPlainObject(doc) ? doc[key] : undefined;
        return test(candidates);
      });
    } else {
      matchers.push((doc) => test(resolvePath(doc, key)));
    }
  }
  if (matchers.length === 0) return () => true;
  if (matchers.length === 1) return matchers[0];
  return (doc) => {
    for (const m of matchers) if (!m(doc)) return false;
    return true;
  };
}

/** One-off match; compile the filter with compileFilter when matching many documents. */
export function matchesFilter(doc: unknown, filter?: Filter | null): boolean {
  return compileFilter(filter)(doc);
}
