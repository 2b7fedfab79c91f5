import type { JsonValue } from '../shared/read-store/read-store.port';

/**
 * Decider states hold Sets, Maps and sometimes bigints, which JSON cannot carry: a Set becomes an
 * array (in insertion order), a Map an object (keys as strings), a bigint a decimal string, a Date
 * its ISO string; undefined members are left out, as JSON.stringify would.
 */
export function toJsonView(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Set) return [...value].map(toJsonView);
  if (value instanceof Map) {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of value) out[String(key)] = toJsonView(item);
    return out;
  }
  if (Array.isArray(value)) return value.map(toJsonView);
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined && typeof item !== 'function') out[key] = toJsonView(item);
    }
    return out;
  }
  return null;
}
