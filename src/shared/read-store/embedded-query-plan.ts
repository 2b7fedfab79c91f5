/**
 * The SQL part of a filter for the embedded read store: the conjuncts that are plain comparisons
 * on indexed fields (or _id) become WHERE conditions on their key expressions (an index range), and
 * a page becomes a keyset-paginated SELECT with ORDER BY. mingo (mongo-filter.ts) still checks every
 * row unless the plan is exact.
 */
import type { CursorPosition, SortKey } from './cursor';
import type { CollectionMeta } from './embedded-catalog';
import { keyExpression, keyValue, NULL_KEY, quoteIdentifier, type SqlValue } from './embedded-key-expression';
import { isOperatorObject } from './mongo-filter';
import type { Filter } from './read-store.port';

/** The SQL part of a filter. */
export interface FilterPlan {
  where: string[];
  params: SqlValue[];
  /** True when SQL alone selects exactly the matching documents. */
  exact: boolean;
  /** Fields fixed to one value by an equality: sorting on them is a no-op. */
  pinned: Set<string>;
}

type Pushed = 'exact' | 'none';

const SQL_COMPARISON: Record<string, string> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

function pushEquality(expr: string, isId: boolean, value: unknown, plan: FilterPlan): Pushed {
  if (typeof value === 'string') {
    plan.where.push(`${expr} = ?`);
    plan.params.push(value);
    return 'exact';
  }
  if (isId) return 'none';
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || value === null || value === undefined) {
    plan.where.push(`${expr} = ?`);
    plan.params.push(keyValue(value));
    return 'exact';
  }
  return 'none';
}

function pushOperator(expr: string, isId: boolean, operator: string, arg: unknown, plan: FilterPlan): Pushed {
  switch (operator) {
    case '$eq':
      return pushEquality(expr, isId, arg, plan);
    case '$in': {
      if (!Array.isArray(arg)) return 'none';
      if (arg.length === 0) {
        plan.where.push('0');
        return 'exact';
      }
      for (const value of arg) {
        if (typeof value === 'string') continue;
        if (isId) return 'none';
        const scalar = (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || value === null;
        if (!scalar) return 'none';
      }
      plan.where.push(`${expr} IN (${arg.map(() => '?').join(', ')})`);
      for (const value of arg) plan.params.push(keyValue(value));
      return 'exact';
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const op = SQL_COMPARISON[operator];
      const upper = operator === '$lt' || operator === '$lte';
      if (typeof arg === 'string') {
        plan.where.push(`${expr} ${op} ?`);
        plan.params.push(arg);
        // Type bracketing, strings only: every text sorts after every number and before every blob.
        if (!isId) plan.where.push(upper ? `${expr} >= ''` : `${expr} < x''`);
        return 'exact';
      }
      if (isId) return 'none';
      if (typeof arg === 'number' && Number.isFinite(arg)) {
        plan.where.push(`${expr} ${op} ?`);
        plan.params.push(arg);
        if (upper) {
          plan.where.push(`${expr} > ?`);
          plan.params.push(NULL_KEY);
        } else {
          plan.where.push(`${expr} < ''`);
        }
        return 'exact';
      }
      if (arg === null) {
        if (upper ? operator === '$lte' : operator === '$gte') {
          plan.where.push(`${expr} = ?`);
          plan.params.push(NULL_KEY);
        } else {
          plan.where.push('0');
        }
        return 'exact';
      }
      return 'none';
    }
    default:
      return 'none';
  }
}

function planConjunction(filter: Record<string, unknown>, indexed: ReadonlySet<string>, plan: FilterPlan): void {
  for (const key of Object.keys(filter)) {
    const condition = filter[key];
    if (key === '$and' && Array.isArray(condition)) {
      for (const clause of condition) planConjunction(clause as Record<string, unknown>, indexed, plan);
      continue;
    }
    const isId = key === '_id';
    if (key.startsWith('$') || (!isId && !indexed.has(key)) || condition instanceof RegExp) {
      plan.exact = false;
      continue;
    }
    const expr = keyExpression(key);
    if (isOperatorObject(condition)) {
      for (const operator of Object.keys(condition)) {
        const pushed = pushOperator(expr, isId, operator, condition[operator], plan);
        if (pushed !== 'exact') plan.exact = false;
        if (operator === '$eq' && pushed !== 'none') plan.pinned.add(key);
      }
    } else {
      const pushed = pushEquality(expr, isId, condition, plan);
      if (pushed !== 'exact') plan.exact = false;
      if (pushed !== 'none') plan.pinned.add(key);
    }
  }
}

export function planFilter(filter: Filter | undefined, meta: CollectionMeta): FilterPlan {
  const plan: FilterPlan = { where: [], params: [], exact: true, pinned: new Set() };
  if (filter) planConjunction(filter, meta.indexed, plan);
  return plan;
}

/** SELECT for one page: filter, keyset condition after the cursor, ORDER BY (no LIMIT). */
export function selectForPage(
  meta: CollectionMeta,
  plan: FilterPlan,
  sort: readonly SortKey[],
  after: CursorPosition | null,
  exclude: readonly string[] = [],
): { sql: string; params: SqlValue[] } {
  const where = [...plan.where];
  // Left out by SQLite (json_remove), so the fields are never parsed in JavaScript.
  const docExpr = exclude.length === 0 ? 'doc' : `json_remove(doc${', ?'.repeat(exclude.length)}) AS doc`;
  const params: SqlValue[] = [...exclude.map((field) => `$."${field}"`), ...plan.params];
  const keys: Array<{ expr: string; direction: 1 | -1; value: SqlValue }> = [];
  sort.forEach(([field, direction], i) => {
    if (field !== '_id' && plan.pinned.has(field)) return;
    const value = after === null ? null : field === '_id' ? after.id : keyValue(after.values[i]);
    keys.push({ expr: keyExpression(field), direction, value });
  });
  if (after !== null) {
    if (keys.length > 1) {
      // A plain bound on the first key lets SQLite start the index range at the cursor.
      where.push(`${keys[0].expr} ${keys[0].direction === 1 ? '>=' : '<='} ?`);
      params.push(keys[0].value);
    }
    let condition = '';
    let conditionParams: SqlValue[] = [];
    for (let i = keys.length - 1; i >= 0; i--) {
      const { expr, direction, value } = keys[i];
      const op = direction === 1 ? '>' : '<';
      if (i === keys.length - 1) {
        condition = `${expr} ${op} ?`;
        conditionParams = [value];
      } else {
        condition = `(${expr} ${op} ? OR (${expr} = ? AND ${condition}))`;
        conditionParams = [value, value, ...conditionParams];
      }
    }
    where.push(condition);
    params.push(...conditionParams);
  }
  const orderBy = keys.map(({ expr, direction }) => `${expr}${direction === 1 ? '' : ' DESC'}`).join(', ');
  const whereSql = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  return { sql: `SELECT ${docExpr} FROM ${quoteIdentifier(meta.table)}${whereSql} ORDER BY ${orderBy}`, params };
}
