/**
 * Relata's update evaluator (hand-written for speed, see docs/read-store-query-dialect.md) against
 * mingo's update operators: seeded random documents and valid updates, each applied by both, must
 * give the same document.
 *
 * The generator stays where the two engines are meant to agree; it leaves out, on purpose:
 * - $min/$max across types, and between arrays or documents: Relata compares in BSON order
 *   (MongoDB's), mingo in its own; here both sides are numbers (or the field is missing).
 * - $push's $sort on arrays or documents compared as whole values, for the same reason; here it
 *   sorts numbers, or documents by a numeric field with distinct values.
 * - $push/$addToSet with modifiers on a missing field: mingo stores $each as given, skipping
 *   $sort/$slice and $addToSet's de-duplication (MongoDB applies them as to an empty array, as
 *   Relata does); here missing fields get plain values or a bare $each of distinct values.
 * - array indexes past the end: mingo leaves holes where MongoDB (and Relata) pad with null.
 * - $setOnInsert: mingo has no upserts; it is compared as the $set it becomes on insert.
 * - updates MongoDB refuses (conflicting paths, $inc on a string...): Relata raises an error
 *   where mingo skips silently; those are covered by mongo-update.unit.spec.ts.
 */
import * as mingoUpdate from 'mingo/operators/update';
import { applyUpdate } from '../../src/shared/read-store/mongo-update';
import type { Document } from '../../src/shared/read-store/read-store.port';

const CASES = 5000;
const SEED = 0x5eed1234;

/** xorshift32: small, deterministic, good enough to spread cases. */
function rng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x100000000;
  };
}

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, values: readonly T[]): T => values[int(r, 0, values.length - 1)];
const chance = (r: Rand, p: number): boolean => r() < p;
const WORDS = ['a', 'b', 'vip', 'lead', 'churn', 'Zed', 'é'];
const word = (r: Rand): string => pick(r, WORDS);
const numbers = (r: Rand, max: number): number[] => Array.from({ length: int(r, 0, max) }, () => int(r, -5, 9));

function randomDocument(r: Rand): Document {
  const doc: Document = { _id: 'doc-1' };
  if (chance(r, 0.8)) doc.n1 = int(r, -20, 20);
  if (chance(r, 0.7)) doc.n2 = chance(r, 0.5) ? int(r, 0, 5) : int(r, -100, 100) / 4;
  if (chance(r, 0.7)) doc.s = word(r);
  if (chance(r, 0.7)) doc.tags = Array.from(new Set(Array.from({ length: int(r, 0, 4) }, () => word(r))));
  if (chance(r, 0.8)) doc.nums = numbers(r, 6);
  if (chance(r, 0.7)) {
    const obj: Record<string, unknown> = { x: int(r, -9, 9), y: word(r) };
    if (chance(r, 0.6)) obj.inner = { z: int(r, 0, 9) };
    doc.obj = obj;
  }
  if (chance(r, 0.6)) {
    const keys = Array.from(new Set(numbers(r, 5)));
    doc.items = keys.map((k) => ({ k, v: word(r) }));
  }
  return doc;
}

function randomValue(r: Rand): unknown {
  switch (int(r, 0, 5)) {
    case 0:
      return int(r, -50, 50);
    case 1:
      return word(r);
    case 2:
      return chance(r, 0.5);
    case 3:
      return null;
    case 4:
      return numbers(r, 3);
    default:
      return { x: int(r, 0, 9), y: word(r) };
  }
}

type Candidate = (r: Rand, doc: Document) => [string, unknown] | null;

const arrayOf = (doc: Document, field: string): unknown[] | undefined =>
  Array.isArray(doc[field]) ? (doc[field] as unknown[]) : undefined;
const objOf = (doc: Document): Record<string, unknown> | undefined => doc.obj as Record<string, unknown> | undefined;
const indexIn = (r: Rand, array: unknown[] | undefined): number | null => (array && array.length > 0 ? int(r, 0, array.length - 1) : null);

// A numeric field (or a missing one, which $inc/$min/$max create) for the arithmetic operators.
const numericPath: Candidate = (r, doc) => {
  const choices: string[] = ['n1', 'fresh'];
  if (typeof doc.n2 === 'number') choices.push('n2');
  if (objOf(doc)) choices.push('obj.x', 'obj.inner.z');
  const i = indexIn(r, arrayOf(doc, 'nums'));
  if (i !== null) choices.push(`nums.${i}`);
  return [pick(r, choices), int(r, -30, 30)];
};

const GENERATORS: Readonly<Record<string, Candidate>> = {
  $set: (r, doc) => {
    const choices = ['n1', 's', 'obj.x', 'obj.inner.z', 'obj.added', 'fresh.a.b', 'tags'];
    const i = indexIn(r, arrayOf(doc, 'nums'));
    if (i !== null) choices.push(`nums.${i}`);
    const j = indexIn(r, arrayOf(doc, 'items'));
    if (j !== null) choices.push(`items.${j}.v`, `items.${j}.w`);
    if (!objOf(doc)) choices.splice(2, 3);
    return [pick(r, choices), randomValue(r)];
  },
  $setOnInsert: (r) => [pick(r, ['s', 'created', 'meta.source']), randomValue(r)],
  $unset: (r, doc) => {
    const choices = ['n1', 's', 'obj.x', 'obj.inner', 'missing.path', 'items'];
    const i = indexIn(r, arrayOf(doc, 'nums'));
    if (i !== null) choices.push(`nums.${i}`);
    return [pick(r, choices), ''];
  },
  $inc: numericPath,
  $mul: (r, doc) => {
    const candidate = numericPath(r, doc);
    return candidate && [candidate[0], int(r, -3, 3)];
  },
  $min: numericPath,
  $max: numericPath,
  $push: (r, doc) => {
    const nums = arrayOf(doc, 'nums');
    if (chance(r, 0.5) && arrayOf(doc, 'items')) {
      const spec: Record<string, unknown> = { $each: [{ k: 20 + int(r, 0, 5), v: word(r) }] };
      if (chance(r, 0.6)) spec.$sort = { k: pick(r, [1, -1]) };
      if (chance(r, 0.5)) spec.$slice = int(r, -4, 4);
      return ['items', spec];
    }
    if (!nums && doc.nums !== undefined) return null;
    if (!nums || chance(r, 0.3)) return ['nums', chance(r, 0.5) || nums ? int(r, 0, 9) : { $each: numbers(r, 3) }];
    const spec: Record<string, unknown> = { $each: numbers(r, 4) };
    if (chance(r, 0.4)) spec.$position = int(r, -3, nums.length);
    if (chance(r, 0.4)) spec.$sort = pick(r, [1, -1]);
    if (chance(r, 0.5)) spec.$slice = int(r, -5, 5);
    return ['nums', spec];
  },
  $addToSet: (r, doc) => {
    if (doc.tags === undefined || chance(r, 0.5)) return ['tags', chance(r, 0.5) ? word(r) : { $each: [...new Set([word(r), word(r)])] }];
    return ['tags', { $each: Array.from({ length: int(r, 0, 4) }, () => word(r)) }];
  },
  $pull: (r, doc) => {
    if (arrayOf(doc, 'items') && chance(r, 0.4)) return ['items', chance(r, 0.5) ? { k: int(r, -5, 9) } : { k: { $gte: int(r, -5, 9) } }];
    if (arrayOf(doc, 'tags') && chance(r, 0.3)) return ['tags', chance(r, 0.5) ? word(r) : { $in: [word(r), word(r)] }];
    if (!arrayOf(doc, 'nums')) return null;
    return ['nums', pick(r, [int(r, -5, 9), { $gte: int(r, -5, 9) }, { $lt: int(r, -5, 9) }, { $in: numbers(r, 3) }])];
  },
};

const OPERATORS = Object.keys(GENERATORS);

// Two operations on the same path, or one inside the other, are a conflict MongoDB refuses.
function conflicts(path: string, taken: readonly string[]): boolean {
  return taken.some((other) => other === path || other.startsWith(`${path}.`) || path.startsWith(`${other}.`));
}

function randomUpdate(r: Rand, doc: Document): Record<string, Record<string, unknown>> {
  const update: Record<string, Record<string, unknown>> = {};
  const taken: string[] = [];
  const operations = int(r, 1, 4);
  for (let attempt = 0; attempt < operations * 3 && taken.length < operations; attempt++) {
    const operator = pick(r, OPERATORS);
    const candidate = GENERATORS[operator](r, doc);
    if (!candidate || conflicts(candidate[0], taken)) continue;
    taken.push(candidate[0]);
    (update[operator] ??= {})[candidate[0]] = candidate[1];
  }
  return update;
}

// Documents reach the engine as parsed JSON (same realm, plain prototypes), so copies are made the same way.
const copyOf = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

type MingoOperator = (expr: Record<string, unknown>) => (obj: Record<string, unknown>) => string[];
const MINGO: Readonly<Record<string, MingoOperator>> = { ...mingoUpdate, $setOnInsert: mingoUpdate.$set };

function withMingo(doc: Document, update: Record<string, Record<string, unknown>>, isInsert: boolean): Document {
  const copy = copyOf(doc);
  for (const operator of Object.keys(update)) {
    if (operator === '$setOnInsert' && !isInsert) continue;
    MINGO[operator](copyOf(update[operator]))(copy);
  }
  return copy;
}

function withRelata(doc: Document, update: Record<string, Record<string, unknown>>, isInsert: boolean): Document | string {
  try {
    return applyUpdate(copyOf(doc), update, { isInsert });
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

describe('the read store update engine agrees with mingo', () => {
  it(`on ${CASES} seeded random documents and updates`, () => {
    const r = rng(SEED);
    const mismatches: string[] = [];
    const operatorsSeen = new Set<string>();
    for (let index = 0; index < CASES; index++) {
      const doc = randomDocument(r);
      const update = randomUpdate(r, doc);
      const isInsert = chance(r, 0.3);
      for (const operator of Object.keys(update)) operatorsSeen.add(operator);
      const relata = withRelata(doc, update, isInsert);
      const mingo = withMingo(doc, update, isInsert);
      // As JSON, so field order counts too (MongoDB keeps it).
      if (JSON.stringify(relata) !== JSON.stringify(mingo)) {
        mismatches.push(
          `case ${index} (seed ${SEED}, isInsert ${isInsert}): document ${JSON.stringify(doc)} update ${JSON.stringify(update)} ` +
            `-> relata ${JSON.stringify(relata)} mingo ${JSON.stringify(mingo)}`,
        );
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect([...operatorsSeen].sort()).toEqual([...OPERATORS].sort());
  });
});
