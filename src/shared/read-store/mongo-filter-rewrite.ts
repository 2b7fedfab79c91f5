/**
 * Rewrites a checked filter (mongo-filter.ts) into one mingo answers as MongoDB does. mingo departs
 * from MongoDB in three places the port relies on:
 * - a null bound: { $gte: null } and { $lte: null } match null and missing fields, { $gt: null } and
 *   { $lt: null } match nothing (mingo only compares values of the same JS type, and missing is not null);
 * - equality to null on a dotted path through an array: { 'orders.note': null } matches when some
 *   element lacks the field, or when the array holds no documents (mingo drops missing values);
 * - $regex with $options and RegExp values: MongoDB knows only the flags i, m and s; a g or y flag
 *   would make RegExp.test stateful;
 * - $elemMatch with field conditions only looks at elements that are documents (mingo reads any
 *   path of a scalar element as the scalar itself, so { tags: { $elemMatch: { x: 'a' } } } would
 *   match the string 'a');
 * - $all on a field that is not an array: MongoDB reads $all as an $and of equalities, so
 *   { n: { $all: [5] } } matches n = 5, where mingo only looks into arrays.
 * Everything else is passed through as it is. Known differences that remain are listed in
 * docs/read-store-query-dialect.md.
 */
import { buildRegex, isOperatorObject } from './mongo-filter-shapes';
import type { Filter } from './read-store.port';

const LOGICAL_OPERATORS = new Set(['$and', '$or', '$nor']);

/**
 * A field no stored document has: ids and replacements cannot introduce it (field names with a
 * space and a colon are never written by Relata). Inside a doc-mode $elemMatch, mingo resolves it
 * to undefined on a document and to the element itself on a scalar, so `$exists: false` on it
 * keeps scalar (and null) elements out, as MongoDB does.
 */
const ELEMENT_IS_DOCUMENT: Filter = { ' relata:element-is-a-document': { $exists: false } };

/** Matches nothing ($in an empty list). */
function never(path: string): Filter {
  return { [path]: { $in: [] } };
}

function withoutStatefulFlags(value: unknown): unknown {
  return value instanceof RegExp ? buildRegex(value, undefined) : value;
}

function isArrayIndex(part: string): boolean {
  return /^\d+$/.test(part);
}

/**
 * { path: null } with MongoDB's reading on a dotted path: some value the path reaches is null or
 * missing. Each array met on the way is either searched for an element whose rest of the path is
 * null (recursively), or holds no documents at all (so the rest of the path is missing).
 */
function nullEquality(path: string): Filter {
  const parts = path.split('.');
  if (parts.length === 1) return { [path]: null };
  const branches: Filter[] = [{ [path]: null }];
  for (let i = 1; i < parts.length; i++) {
    if (isArrayIndex(parts[i])) continue; // an index step is mingo's own (covered by the first branch)
    const prefix = parts.slice(0, i).join('.');
    const rest = parts.slice(i).join('.');
    branches.push({ [prefix]: { $elemMatch: { ...nullEquality(rest), ...ELEMENT_IS_DOCUMENT } } });
    branches.push({ $and: [{ [prefix]: { $type: 'array' } }, { $nor: [{ [prefix]: { $elemMatch: { $type: 'object' } } }] }] });
  }
  return { $or: branches };
}

function isDotted(path: string): boolean {
  return path.includes('.');
}

/** Equality to any of `values` (null handled as nullEquality on dotted paths). */
function inClause(path: string, values: unknown[]): Filter {
  const cleaned = values.map(withoutStatefulFlags);
  if (!isDotted(path) || !cleaned.includes(null)) return { [path]: { $in: cleaned } };
  const others = cleaned.filter((value) => value !== null);
  return { $or: [{ [path]: { $in: others } }, nullEquality(path)] };
}

/** The operators of one field condition, as clauses to AND. */
function rewriteOperators(path: string, spec: Record<string, unknown>): Filter[] {
  const kept: Record<string, unknown> = {};
  const clauses: Filter[] = [];
  for (const operator of Object.keys(spec)) {
    const arg = spec[operator];
    switch (operator) {
      case '$eq':
        if (arg === null && isDotted(path)) clauses.push(nullEquality(path));
        else kept.$eq = arg;
        break;
      case '$ne':
        if (arg === null && isDotted(path)) clauses.push({ $nor: [nullEquality(path)] });
        else kept.$ne = arg;
        break;
      case '$gte':
      case '$lte':
        if (arg === null) clauses.push(nullEquality(path));
        else kept[operator] = arg;
        break;
      case '$gt':
      case '$lt':
        if (arg === null) clauses.push(never(path));
        else kept[operator] = arg;
        break;
      case '$in':
        clauses.push(inClause(path, arg as unknown[]));
        break;
      case '$nin':
        clauses.push({ $nor: [inClause(path, arg as unknown[])] });
        break;
      case '$all': {
        const values = arg as unknown[];
        if (values.length === 0) clauses.push(never(path));
        for (const value of values)
          clauses.push(value instanceof RegExp ? { [path]: withoutStatefulFlags(value) } : rewriteField(path, { $eq: value }));
        break;
      }
      case '$regex':
        kept.$regex = buildRegex(arg, spec.$options);
        break;
      case '$options':
        break;
      case '$not':
        // { path: { $not: X } } is by definition { $nor: [{ path: X }] }, which lets X be rewritten too.
        clauses.push({ $nor: [arg instanceof RegExp ? { [path]: withoutStatefulFlags(arg) } : rewriteField(path, arg)] });
        break;
      case '$elemMatch':
        kept.$elemMatch = rewriteElemMatch(arg as Record<string, unknown>);
        break;
      default:
        kept[operator] = arg;
    }
  }
  if (Object.keys(kept).length > 0) clauses.unshift({ [path]: kept });
  return clauses;
}

function rewriteElemMatch(spec: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(spec);
  const valueMode = keys.length > 0 && keys.every((k) => k.startsWith('$') && !LOGICAL_OPERATORS.has(k));
  if (!valueMode) return { ...rewriteFilter(spec), ...ELEMENT_IS_DOCUMENT };
  // The element itself is tested: a path of one part, so only null bounds and regexes need care.
  const rewritten: Record<string, unknown> = {};
  for (const operator of keys) {
    const arg = spec[operator];
    if (operator === '$options') continue;
    if (operator === '$regex') rewritten.$regex = buildRegex(arg, spec.$options);
    else if (arg === null && (operator === '$gte' || operator === '$lte')) rewritten.$eq = null;
    else if (arg === null && (operator === '$gt' || operator === '$lt')) rewritten.$in = [];
    else rewritten[operator] = withoutStatefulFlags(arg);
  }
  return rewritten;
}

function and(clauses: Filter[]): Filter {
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}

function rewriteField(path: string, condition: unknown): Filter {
  if (condition instanceof RegExp) return { [path]: withoutStatefulFlags(condition) };
  if (isOperatorObject(condition)) return and(rewriteOperators(path, condition));
  if ((condition === null || condition === undefined) && isDotted(path)) return nullEquality(path);
  return { [path]: condition };
}

/** The filter mingo should evaluate for a filter checked by checkFilter. */
export function rewriteFilter(filter: Filter): Filter {
  const clauses: Filter[] = [];
  for (const key of Object.keys(filter)) {
    const condition = filter[key];
    if (LOGICAL_OPERATORS.has(key)) clauses.push({ [key]: (condition as Filter[]).map(rewriteFilter) });
    else clauses.push(rewriteField(key, condition));
  }
  if (clauses.length === 0) return {};
  return and(clauses);
}
