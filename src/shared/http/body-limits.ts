import type { FieldError } from '../errors/domain-errors';

/** Deeper JSON than any command takes; class-transformer recurses per level and would overflow the stack. */
export const MAX_BODY_DEPTH = 32;
/**
 * More fields in one object than any DTO declares, many times over. class-transformer's
 * whitelisting filters duplicate keys in quadratic time: one body of 60,000 keys held the event
 * loop for seconds, so wide objects are refused before it runs.
 */
export const MAX_KEYS_PER_OBJECT = 100;
/** Fields and array items in a whole body: a purchase of 500 lines needs a few thousand. */
export const MAX_BODY_KEYS = 10_000;

/**
 * Names that mean something to JavaScript objects themselves: accepted as data they shadow or
 * reach the prototype (`toString`, `constructor`, `__proto__`), and no DTO uses one.
 */
const PROTOTYPE_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

export function isPrototypeName(name: string): boolean {
  return PROTOTYPE_NAMES.has(name);
}

export interface BodyLimits {
  maxDepth: number;
  maxKeysPerObject: number;
  maxKeys: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { maxDepth: MAX_BODY_DEPTH, maxKeysPerObject: MAX_KEYS_PER_OBJECT, maxKeys: MAX_BODY_KEYS };

/**
 * The first reason a parsed JSON value is too big or odd to hand to the transformer, or null.
 * Iterative (no recursion to overflow) and linear in the number of keys; it stops at the first
 * breach, so a huge body costs no more than the limit to look at.
 */
export function bodyLimitBreach(value: unknown, limits: BodyLimits = DEFAULT_BODY_LIMITS): FieldError | null {
  const pending: { node: unknown; depth: number; path: string }[] = [{ node: value, depth: 0, path: '' }];
  let total = 0;
  const at = (path: string): string => path || 'body';
  while (pending.length > 0) {
    const { node, depth, path } = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= limits.maxDepth)
      return { field: 'body', messages: [`the body nests objects or arrays more than ${limits.maxDepth} levels deep`] };
    const keys = Object.keys(node);
    total += keys.length;
    if (total > limits.maxKeys)
      return { field: 'body', messages: [`the body holds more than ${limits.maxKeys} fields and array items in all`] };
    if (!Array.isArray(node) && keys.length > limits.maxKeysPerObject) {
      return { field: at(path), messages: [`an object may hold at most ${limits.maxKeysPerObject} fields`] };
    }
    for (const key of keys) {
      const childPath = path ? `${path}.${key}` : key;
      if (!Array.isArray(node) && isPrototypeName(key)) return { field: childPath, messages: [`a field may not be named ${key}`] };
      const child = (node as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) pending.push({ node: child, depth: depth + 1, path: childPath });
    }
  }
  return null;
}
