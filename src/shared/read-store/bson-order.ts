/**
 * The order and equality MongoDB applies to BSON values, over plain JSON values: what the
 * embedded read store's update evaluator (mongo-update.ts) needs for $min, $max, $push's $sort,
 * $addToSet and $pull by value. Filters are evaluated by mingo (mongo-filter.ts), not here.
 */
import { isPlainObject } from './mongo-filter-shapes';

/** BSON type bracket used for ordering and for the bracketing of comparison operators. */
function typeOrder(value: unknown): number {
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
function compareStrings(a: string, b: string): number {
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
