import { randomUUID } from 'node:crypto';
import { MongoInvalidArgumentError, MongoServerError, type MongoClient } from 'mongodb';
import { MongoReadStore } from '../../src/shared/read-store/mongo-read-store';
import {
  BSON_SORT_BRACKETS,
  POSITION_KEY_FIELD,
  andFilters,
  assertFilterValues,
  assertValidCollectionName,
  beyondFilter,
  databaseNameFromUrl,
  decodeCursor,
  encodeCursor,
  isDuplicateIdError,
  isOperatorUpdate,
  keysetFilter,
  planIndexes,
  positionGuardFilter,
  positionKey,
  prepareOperatorUpdate,
  prepareReplacement,
  toStoredValue,
  translateMongoError,
  valueAtPath,
  type MongoFilter,
  type NormalisedSort,
} from '../../src/shared/read-store/mongo-query-helpers';
import { normalizeSort as normaliseSort } from '../../src/shared/read-store/cursor';
import { DuplicateKeyError, InvalidQueryError, type SortSpec } from '../../src/shared/read-store/read-store.port';
import { readStoreContract } from '../contracts/read-store.contract';
import { describeWithEnv } from '../support/skips';

/*
 * A tiny evaluator of the filter subset the helpers generate, following MongoDB's documented
 * rules (type bracketing of comparisons, `null` matching missing fields, BSON sort order).
 * It lets the keyset filters be checked for what they select, not only for their shape:
 * paging through generated documents must return exactly the fully sorted list.
 */
type Doc = Record<string, unknown> & { _id: string };

function bracket(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return 1;
  if (typeof value === 'string') return 2;
  if (typeof value === 'boolean') return 6;
  throw new Error(`evaluator does not support ${JSON.stringify(value)}`);
}

/** BSON order of two scalars (null and missing equal). */
function compareValues(a: unknown, b: unknown): number {
  const byBracket = bracket(a) - bracket(b);
  if (byBracket !== 0) return byBracket;
  if (a === null || a === undefined) return 0;
  if (typeof a === 'boolean') return Number(a) - Number(b);
  return (a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0;
}

const TYPE_TESTS: Record<string, (value: unknown) => boolean> = {
  null: (value) => value === null,
  number: (value) => typeof value === 'number',
  string: (value) => typeof value === 'string',
  bool: (value) => typeof value === 'boolean',
};

function matchOperator(value: unknown, operator: string, argument: unknown): boolean {
  const comparable = () => value !== undefined && argument !== null && bracket(value) === bracket(argument);
  switch (operator) {
    case '$eq':
      return argument === null ? value === null || value === undefined : comparable() && compareValues(value, argument) === 0;
    case '$ne':
      return !matchOperator(value, '$eq', argument);
    case '$gt':
      return comparable() && compareValues(value, argument) > 0;
    case '$gte':
      return comparable() && compareValues(value, argument) >= 0;
    case '$lt':
      return comparable() && compareValues(value, argument) < 0;
    case '$lte':
      return comparable() && compareValues(value, argument) <= 0;
    case '$exists':
      return (value !== undefined) === argument;
    case '$not':
      return !matchCondition(value, argument);
    case '$type':
      return value !== undefined && (argument as string[]).some((alias) => TYPE_TESTS[alias]?.(value) ?? false);
    default:
      throw new Error(`evaluator does not support ${operator}`);
  }
}

function matchCondition(value: unknown, condition: unknown): boolean {
  const isOperators = condition !== null && typeof condition === 'object' && Object.keys(condition).every((key) => key.startsWith('$'));
  if (!isOperators) return matchOperator(value, '$eq', condition);
  return Object.entries(condition as Record<string, unknown>).every(([op, arg]) => matchOperator(value, op, arg));
}

function matches(doc: Doc, filter: MongoFilter): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$or') return (condition as MongoFilter[]).some((branch) => matches(doc, branch));
    if (key === '$and') return (condition as MongoFilter[]).every((branch) => matches(doc, branch));
    return matchCondition(valueAtPath(doc, key), condition);
  });
}

function sortDocs(docs: Doc[], sort: NormalisedSort): Doc[] {
  return [...docs].sort((a, b) => {
    for (const [field, direction] of sort) {
      const order = compareValues(valueAtPath(a, field), valueAtPath(b, field));
      if (order !== 0) return order * direction;
    }
    return 0;
  });
}

/** What find() does against the server, with the evaluator standing in for MongoDB. */
function simulateFind(docs: Doc[], filter: MongoFilter, sortSpec: SortSpec | undefined, limit: number, cursor?: string) {
  const sort = normaliseSort(sortSpec);
  const after = cursor === undefined ? null : keysetFilter(sort, decodeCursor(cursor, sort));
  const query = andFilters(filter, after);
  const fetched = sortDocs(
    docs.filter((doc) => matches(doc, query)),
    sort,
  ).slice(0, limit + 1);
  const items = fetched.slice(0, limit);
  return { items, nextCursor: fetched.length > limit ? encodeCursor(sort, items[items.length - 1]) : null };
}

function pageThrough(docs: Doc[], filter: MongoFilter, sort: SortSpec | undefined, limit: number): Doc[] {
  const seen: Doc[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard <= docs.length + 1; guard += 1) {
    const page = simulateFind(docs, filter, sort, limit, cursor);
    seen.push(...page.items);
    if (page.nextCursor === null) return seen;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not terminate');
}

/** Deterministic pseudo-random numbers (LCG) so the generated data is the same on every run. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const VALUE_POOL: unknown[] = [undefined, null, -3, 0, 2.5, 10, '', 'a', 'b', 'B', false, true];

function generateDocs(count: number, seed: number): Doc[] {
  const random = sequence(seed);
  const pick = () => VALUE_POOL[Math.floor(random() * VALUE_POOL.length)];
  return Array.from({ length: count }, (_, index) => {
    const doc: Doc = { _id: `id-${String(Math.floor(random() * 1000)).padStart(3, '0')}-${index}` };
    const a = pick();
    const b = pick();
    if (a !== undefined) doc.a = a;
    if (b !== undefined) doc.nested = { b };
    return doc;
  });
}

describe('MongoDB read store helpers', () => {
  describe('keyset pagination', () => {
    const docs = generateDocs(60, 7);
    const sorts: Array<SortSpec | undefined> = [
      undefined,
      { a: 1 },
      { a: -1 },
      { a: 1, 'nested.b': -1 },
      { a: -1, 'nested.b': 1 },
      { 'nested.b': 1, a: 1 },
      { 'nested.b': -1, a: -1 },
      { a: 1, _id: -1 },
      { _id: -1 },
    ];

    it.each(sorts.flatMap((sort) => [1, 2, 7].map((limit) => [JSON.stringify(sort), limit, sort] as const)))(
      'pages through mixed, null and missing values in order: sort %s, limit %d',
      (_label, limit, sort) => {
        const expected = sortDocs(docs, normaliseSort(sort)).map((doc) => doc._id);
        expect(pageThrough(docs, {}, sort, limit).map((doc) => doc._id)).toEqual(expected);
      },
    );

    it('keeps the user filter on every page', () => {
      const filter = { a: { $ne: null } };
      const expected = sortDocs(
        docs.filter((doc) => doc.a !== undefined && doc.a !== null),
        normaliseSort({ a: -1 }),
      ).map((doc) => doc._id);
      expect(expected.length).toBeGreaterThan(3);
      expect(pageThrough(docs, filter, { a: -1 }, 3).map((doc) => doc._id)).toEqual(expected);
    });

    it('pages through many documents sharing one value by _id', () => {
      const same: Doc[] = Array.from({ length: 9 }, (_, i) => ({ _id: `d${9 - i}`, a: 'x' }));
      expect(pageThrough(same, {}, { a: -1 }, 2).map((doc) => doc._id)).toEqual(['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'd9']);
    });

    it('ascending after a null value: nulls with a greater _id, then every non-null value', () => {
      expect(keysetFilter(normaliseSort({ a: 1 }), [null, 'k'])).toEqual({
        $or: [{ a: { $type: BSON_SORT_BRACKETS.slice(1).flat() } }, { a: { $eq: null }, _id: { $gt: 'k' } }],
      });
    });

    it('descending after a null value: only nulls/missing with a greater _id remain (_id ascending)', () => {
      expect(keysetFilter(normaliseSort({ a: -1 }), [null, 'k'])).toEqual({ a: { $eq: null }, _id: { $gt: 'k' } });
      expect(keysetFilter(normaliseSort({ a: -1, _id: -1 }), [null, 'k'])).toEqual({ a: { $eq: null }, _id: { $lt: 'k' } });
    });

    it('ascending after a number: greater numbers or any later type', () => {
      expect(beyondFilter('a', 1, 5)).toEqual({
        $or: [{ a: { $gt: 5 } }, { a: { $type: BSON_SORT_BRACKETS.slice(2).flat() } }],
      });
    });

    it('descending after a string: lower strings, numbers, then null/missing', () => {
      expect(beyondFilter('a', -1, 'm')).toEqual({
        $or: [{ a: { $lt: 'm' } }, { a: { $type: ['number'] } }, { a: { $eq: null } }],
      });
    });

    it('compares _id directly: ids are always strings', () => {
      expect(beyondFilter('_id', -1, 'x')).toEqual({ _id: { $lt: 'x' } });
    });

    it('mixes directions: equal on earlier keys, beyond on the next', () => {
      const filter = keysetFilter(normaliseSort({ a: 1, b: -1 }), [1, true, 'k']);
      expect(filter.$or).toEqual([
        { $or: [{ a: { $gt: 1 } }, { a: { $type: BSON_SORT_BRACKETS.slice(2).flat() } }] },
        { a: { $eq: 1 }, $or: [{ b: { $lt: true } }, { b: { $type: BSON_SORT_BRACKETS.slice(1, 6).flat() } }, { b: { $eq: null } }] },
        { a: { $eq: 1 }, b: { $eq: true }, _id: { $gt: 'k' } },
      ]);
    });
  });

  describe('cursors', () => {
    const sort = normaliseSort({ 'when.at': -1, name: 1 });

    it('round-trip the sort values of the last document, missing ones as null', () => {
      const cursor = encodeCursor(sort, { _id: 'c1', when: { at: '2026-01-02T00:00:00.000Z' } });
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor, sort)).toEqual(['2026-01-02T00:00:00.000Z', null, 'c1']);
    });

    it('keep non-JSON BSON types such as dates', () => {
      const at = new Date('2026-03-04T05:06:07.000Z');
      const values = decodeCursor(encodeCursor(sort, { _id: 'c1', when: { at }, name: 2.5 }), sort);
      expect(values[0]).toBeInstanceOf(Date);
      expect((values[0] as Date).toISOString()).toBe(at.toISOString());
      expect(values[1]).toBe(2.5);
    });

    it('are rejected when they belong to another sort order', () => {
      const cursor = encodeCursor(sort, { _id: 'c1', name: 'n' });
      expect(() => decodeCursor(cursor, normaliseSort({ name: 1 }))).toThrow(InvalidQueryError);
      expect(() => decodeCursor(cursor, normaliseSort({ 'when.at': 1, name: 1 }))).toThrow(InvalidQueryError);
    });

    it.each(['', 'not a cursor!', Buffer.from('{"s":1}').toString('base64url'), Buffer.from('[]').toString('base64url'), 'e30'])(
      'reject malformed cursor %p',
      (cursor) => {
        expect(() => decodeCursor(cursor, sort)).toThrow(InvalidQueryError);
      },
    );

    it('follow numeric array indexes in sort paths, as MongoDB does', () => {
      const byFirst = normaliseSort({ 'emails.0': 1 });
      expect(decodeCursor(encodeCursor(byFirst, { _id: 'x', emails: ['a@x', 'b@x'] }), byFirst)).toEqual(['a@x', 'x']);
      expect(valueAtPath({ _id: 'x', list: [{ n: 1 }] }, 'list.0.n')).toBe(1);
      expect(valueAtPath({ _id: 'x', list: [{ n: 1 }] }, 'list.n')).toEqual([{ n: 1 }]);
    });

    it('refuse to paginate on array values (MongoDB sorts arrays by their min/max element)', () => {
      expect(() => encodeCursor(normaliseSort({ tags: 1 }), { _id: 'x', tags: ['a', 'b'] })).toThrow(InvalidQueryError);
    });
  });

  describe('position guard', () => {
    it('pads positions to 20 digits so string order is numeric order', () => {
      expect(positionKey('0')).toBe('00000000000000000000');
      expect(positionKey('007')).toBe(positionKey('7'));
      expect(positionKey('18446744073709551615')).toBe('18446744073709551615');
      const positions = ['10', '9', '100', '0', '18446744073709551615', '4294967296', '99999999999', '-1', '-10', '-9', '-0'];
      const byKey = [...positions].sort((a, b) => (positionKey(a) < positionKey(b) ? -1 : 1));
      const byNumber = [...positions].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      expect(byKey).toEqual(byNumber);
    });

    it('keeps negative positions (valid bigints) below zero', () => {
      expect(positionKey('-1') < positionKey('0')).toBe(true);
      expect(positionKey('-0')).toBe(positionKey('0'));
      expect(positionKey('-99999999999999999999') < positionKey('-99999999999999999998')).toBe(true);
    });

    it.each(['', '-', '1.5', '1e3', 'abc', ' 1', '+1', '123456789012345678901'])('rejects position %p', (position) => {
      expect(() => positionKey(position)).toThrow(InvalidQueryError);
    });

    it('applies only when the stored position is absent or lower', () => {
      const guard = positionGuardFilter('100');
      const stored = (position?: string): Doc =>
        position === undefined ? { _id: 'x' } : { _id: 'x', [POSITION_KEY_FIELD]: positionKey(position) };
      expect(matches(stored(), guard)).toBe(true);
      expect(matches(stored('99'), guard)).toBe(true);
      expect(matches(stored('9'), guard)).toBe(true);
      expect(matches(stored('100'), guard)).toBe(false);
      expect(matches(stored('101'), guard)).toBe(false);
      expect(matches(stored('1000'), guard)).toBe(false);
      expect(matches(stored('-5'), guard)).toBe(true);
    });
  });

  describe('update preparation', () => {
    it('tells operator updates from replacements and rejects a mix', () => {
      expect(isOperatorUpdate({ $set: { a: 1 }, $inc: { n: 1 } })).toBe(true);
      expect(isOperatorUpdate({ a: 1 })).toBe(false);
      expect(isOperatorUpdate({})).toBe(false);
      expect(() => isOperatorUpdate({ $set: { a: 1 }, b: 2 })).toThrow(InvalidQueryError);
    });

    it('adds the position to $set without touching the caller object', () => {
      const update = { $set: { name: 'n' }, $inc: { count: 1 } };
      expect(prepareOperatorUpdate(update, '42')).toEqual({
        $set: { name: 'n', _position: '42', [POSITION_KEY_FIELD]: positionKey('42') },
        $inc: { count: 1 },
      });
      expect(update).toEqual({ $set: { name: 'n' }, $inc: { count: 1 } });
      expect(prepareOperatorUpdate({ $push: { tags: 't' } }, '1')).toEqual({
        $push: { tags: 't' },
        $set: { _position: '1', [POSITION_KEY_FIELD]: positionKey('1') },
      });
    });

    it('keeps the internal key in step with a $set or $unset of _position, and never takes it from callers', () => {
      expect(prepareOperatorUpdate({ $set: { _position: '5', [POSITION_KEY_FIELD]: 'forged' } })).toEqual({
        $set: { _position: '5', [POSITION_KEY_FIELD]: positionKey('5') },
      });
      expect(prepareOperatorUpdate({ $unset: { _position: '' } })).toEqual({
        $unset: { _position: '', [POSITION_KEY_FIELD]: '' },
      });
      expect(prepareOperatorUpdate({ $set: { a: 1 } })).toEqual({ $set: { a: 1 } });
    });

    it('turns dates into ISO strings and rejects a non-object $set', () => {
      const at = new Date('2026-01-01T10:00:00.000Z');
      expect(prepareOperatorUpdate({ $set: { at, list: [at] } })).toEqual({
        $set: { at: at.toISOString(), list: [at.toISOString()] },
      });
      expect(() => prepareOperatorUpdate({ $set: 5 })).toThrow(InvalidQueryError);
    });

    it('prepares replacements without _id and with position fields', () => {
      expect(prepareReplacement('x', { _id: 'x', name: 'n', [POSITION_KEY_FIELD]: 'forged' }, '12')).toEqual({
        name: 'n',
        _position: '12',
        [POSITION_KEY_FIELD]: positionKey('12'),
      });
      expect(prepareReplacement('x', { name: 'n' })).toEqual({ name: 'n' });
      expect(() => prepareReplacement('x', { _id: 'y' })).toThrow(InvalidQueryError);
    });

    it('derives the internal key from a copied document that carries _position', () => {
      expect(prepareReplacement('x', { name: 'n', _position: '77' })).toEqual({
        name: 'n',
        _position: '77',
        [POSITION_KEY_FIELD]: positionKey('77'),
      });
    });

    it('stores values as JSON would: dates as ISO strings, non-finite numbers as null, undefined fields dropped', () => {
      const stored = toStoredValue({ a: { b: new Date(0), gone: undefined }, n: Number.POSITIVE_INFINITY, list: [undefined, 1] });
      expect(stored).toStrictEqual({ a: { b: '1970-01-01T00:00:00.000Z' }, n: null, list: [null, 1] });
      expect(() => toStoredValue({ at: new Date(Number.NaN) })).toThrow(InvalidQueryError);
    });
  });

  describe('filters', () => {
    it('pass JSON filters through untouched and reject Date values, like the embedded adapter', () => {
      const filter = { a: { $in: [1, 'x'] }, $or: [{ b: /re/i }, { 'c.d': { $exists: false } }] };
      expect(assertFilterValues(filter)).toBe(filter);
      expect(() => assertFilterValues({ at: { $gt: new Date(0) } })).toThrow(InvalidQueryError);
      expect(() => assertFilterValues({ $or: [{ at: [new Date(0)] }] })).toThrow(InvalidQueryError);
    });

    it('combines a user filter with the keyset condition only when both are present', () => {
      expect(andFilters(undefined, null)).toEqual({});
      expect(andFilters({ a: 1 }, null)).toEqual({ a: 1 });
      expect(andFilters({}, { b: 2 })).toEqual({ b: 2 });
      expect(andFilters({ a: 1 }, { b: 2 })).toEqual({ $and: [{ a: 1 }, { b: 2 }] });
    });
  });

  describe('indexes', () => {
    const existing = [
      { name: '_id_', key: { _id: 1 } },
      { name: 'email_1', key: { email: 1 }, unique: true },
      { name: 'by_stage', key: { stage: 1, updatedAt: -1 } },
    ];

    it('creates missing indexes with MongoDB default names', () => {
      expect(planIndexes([{ keys: { owner: 1, 'due.at': -1 } }, { keys: { code: 1 }, unique: true, name: 'code_u' }], existing)).toEqual([
        { key: { owner: 1, 'due.at': -1 }, name: 'owner_1_due.at_-1' },
        { key: { code: 1 }, name: 'code_u', unique: true },
      ]);
    });

    it('skips indexes already present under the same or another name, and the _id index', () => {
      expect(
        planIndexes(
          [
            { keys: { email: 1 }, unique: true },
            { keys: { stage: 1, updatedAt: -1 } },
            { keys: { _id: -1 } },
            { keys: { x: 1 } },
            { keys: { x: 1 } },
          ],
          existing,
        ),
      ).toEqual([{ key: { x: 1 }, name: 'x_1' }]);
    });

    it('rejects a name taken by other keys, and malformed specs', () => {
      expect(() => planIndexes([{ keys: { phone: 1 }, name: 'email_1' }], existing)).toThrow(InvalidQueryError);
      expect(() => planIndexes([{ keys: { email: 1 }, name: 'email_1' }], existing)).toThrow(InvalidQueryError);
      expect(() => planIndexes([{ keys: {} }], existing)).toThrow(InvalidQueryError);
      expect(() => planIndexes([{ keys: { a: 2 as 1 } }], existing)).toThrow(InvalidQueryError);
      expect(() => planIndexes([{ keys: { $a: 1 } }], existing)).toThrow(InvalidQueryError);
    });
  });

  describe('names', () => {
    it.each(['contacts', 'deals_v2', 'projection.contacts.3', 'Ünicode', '_internal'])('accepts collection %p', (name) => {
      expect(() => assertValidCollectionName(name, 'relata')).not.toThrow();
    });

    it.each(['', 'a$b', 'nul\0', 'system.users', 'x'.repeat(250)])('rejects collection %p', (name) => {
      expect(() => assertValidCollectionName(name, 'relata')).toThrow(InvalidQueryError);
    });

    it('reads the database from the URL path', () => {
      expect(databaseNameFromUrl('mongodb://localhost:27017/crm?replicaSet=rs0')).toBe('crm');
      expect(databaseNameFromUrl('mongodb://u:p%40ss@h1:1,h2:2/my%20db')).toBe('my db');
      expect(databaseNameFromUrl('mongodb+srv://cluster.example.net/relata_prod')).toBe('relata_prod');
      expect(databaseNameFromUrl('mongodb://localhost:27017/?replicaSet=rs0')).toBeNull();
      expect(databaseNameFromUrl('mongodb://localhost:27017')).toBeNull();
    });
  });

  describe('error translation', () => {
    it('turns duplicate keys into DuplicateKeyError with the key', () => {
      const error = new MongoServerError({
        message: 'E11000 duplicate key error collection: relata.contacts index: email_1 dup key: { email: "a@b.c" }',
        code: 11000,
        keyPattern: { email: 1 },
        keyValue: { email: 'a@b.c' },
      });
      const translated = translateMongoError(error, 'contacts');
      expect(translated).toBeInstanceOf(DuplicateKeyError);
      expect(translated).toMatchObject({ collection: 'contacts', key: 'email_1 {"email":"a@b.c"}', cause: error });
      expect(isDuplicateIdError(error)).toBe(false);
    });

    it('recognises a duplicate on _id (an upsert blocked by the position guard)', () => {
      expect(
        isDuplicateIdError(new MongoServerError({ message: 'E11000 dup', code: 11000, keyPattern: { _id: 1 }, keyValue: { _id: 'x' } })),
      ).toBe(true);
      expect(
        isDuplicateIdError(
          new MongoServerError({ message: 'E11000 duplicate key error collection: d.c index: _id_ dup key', code: 11000 }),
        ),
      ).toBe(true);
      expect(isDuplicateIdError(new MongoServerError({ message: 'bad', code: 2 }))).toBe(false);
    });

    it('turns malformed query errors into InvalidQueryError', () => {
      for (const code of [2, 9, 14, 40, 66, 51091]) {
        expect(translateMongoError(new MongoServerError({ message: 'unknown operator: $foo', code }), 'c')).toBeInstanceOf(
          InvalidQueryError,
        );
      }
      expect(translateMongoError(new MongoInvalidArgumentError('Update document requires atomic operators'), 'c')).toBeInstanceOf(
        InvalidQueryError,
      );
    });

    it('leaves other errors and transaction-retry errors untouched', () => {
      const writeConflict = new MongoServerError({ message: 'WriteConflict', code: 112, errorLabels: ['TransientTransactionError'] });
      expect(translateMongoError(writeConflict, 'c')).toBe(writeConflict);
      const labelledDuplicate = new MongoServerError({ message: 'E11000', code: 11000, errorLabels: ['TransientTransactionError'] });
      expect(translateMongoError(labelledDuplicate, 'c')).toBe(labelledDuplicate);
      const other = new Error('boom');
      expect(translateMongoError(other, 'c')).toBe(other);
    });
  });
});

/*
 * The adapter's control flow against a scripted stand-in for the driver: which driver calls each
 * port operation makes, with which filters and options, and how their results and errors are
 * turned into port results. (What the server does with those calls is covered by the contract
 * suite below when a server is available.)
 */
type Handler = (...args: unknown[]) => unknown;

class ScriptedDriver {
  readonly calls: Array<{ collection: string; method: string; args: unknown[] }> = [];
  private readonly script: Array<{ method: string; handler: Handler }> = [];
  active = 0;
  maxActive = 0;
  sessionsEnded = 0;
  readonly session = {
    withTransaction: async (fn: (session: unknown) => Promise<unknown>) => fn(this.session),
    endSession: async () => {
      this.sessionsEnded += 1;
    },
  };

  /** The next call of `method` (in order) gets this answer. */
  on(method: string, handler: Handler): this {
    this.script.push({ method, handler });
    return this;
  }

  async call(collection: string, method: string, args: unknown[]): Promise<unknown> {
    this.calls.push({ collection, method, args });
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      await new Promise((resolve) => setImmediate(resolve)); // let concurrent callers overlap
      const index = this.script.findIndex((entry) => entry.method === method);
      if (index < 0) throw new Error(`unscripted driver call ${method}`);
      const [{ handler }] = this.script.splice(index, 1);
      return await handler(...args);
    } finally {
      this.active -= 1;
    }
  }

  collection(name: string): unknown {
    const call =
      (method: string) =>
      (...args: unknown[]) =>
        this.call(name, method, args);
    return {
      findOne: call('findOne'),
      updateOne: call('updateOne'),
      replaceOne: call('replaceOne'),
      deleteOne: call('deleteOne'),
      deleteMany: call('deleteMany'),
      countDocuments: call('countDocuments'),
      createIndexes: call('createIndexes'),
      listIndexes: (...args: unknown[]) => ({ toArray: () => this.call(name, 'listIndexes', args) }),
      find: (...args: unknown[]) => ({
        toArray: () => this.call(name, 'find', args),
        next: () => this.call(name, 'find.next', args),
        close: () => this.call(name, 'find.close', []),
      }),
    };
  }

  store(): MongoReadStore {
    const db = {
      databaseName: 'relata_unit',
      collection: (name: string) => this.collection(name),
      listCollections: (...args: unknown[]) => ({ toArray: () => this.call('', 'listCollections', args) }),
      dropCollection: (...args: unknown[]) => this.call('', 'dropCollection', args),
      createCollection: (...args: unknown[]) => this.call('', 'createCollection', args),
      admin: () => ({ command: (...args: unknown[]) => this.call('', 'admin.command', args) }),
    };
    const client = {
      db: () => db,
      startSession: () => this.session,
      close: () => this.call('', 'close', []),
    };
    return MongoReadStore.fromClient(client as unknown as MongoClient, 'relata_unit');
  }
}

const result = (matchedCount: number, upsertedCount = 0) => ({ matchedCount, upsertedCount, modifiedCount: matchedCount });
const duplicateId = () =>
  new MongoServerError({
    message: 'E11000 duplicate key error index: _id_ dup key',
    code: 11000,
    keyPattern: { _id: 1 },
    keyValue: { _id: 'd' },
  });

describe('MongoReadStore control flow (scripted driver)', () => {
  const guard = { _id: 'd', [POSITION_KEY_FIELD]: { $not: { $gte: positionKey('5') } } };
  const positioned = { $inc: { n: 1 }, $set: { _position: '5', [POSITION_KEY_FIELD]: positionKey('5') } };

  it('guarded upsert of a missing document: guarded update, existence check, guarded upsert', async () => {
    const driver = new ScriptedDriver()
      .on('updateOne', () => result(0))
      .on('findOne', () => null)
      .on('updateOne', () => result(0, 1));
    expect(
      await driver
        .store()
        .collection('c')
        .update('d', { $inc: { n: 1 } }, { upsert: true, position: '5' }),
    ).toBe(true);
    expect(driver.calls.map((call) => [call.method, call.args[0], (call.args[2] as { upsert?: boolean } | undefined)?.upsert])).toEqual([
      ['updateOne', guard, false],
      ['findOne', { _id: 'd' }, undefined],
      ['updateOne', guard, true],
    ]);
    expect(driver.calls[0].args[1]).toEqual(positioned);
  });

  it('guarded upsert of a newer document: skipped without attempting an insert', async () => {
    const driver = new ScriptedDriver().on('updateOne', () => result(0)).on('findOne', () => ({ _id: 'd' }));
    expect(
      await driver
        .store()
        .collection('c')
        .update('d', { $inc: { n: 1 } }, { upsert: true, position: '5' }),
    ).toBe(false);
    expect(driver.calls).toHaveLength(2);
  });

  it('guarded update of an older document: one call', async () => {
    const driver = new ScriptedDriver().on('updateOne', () => result(1));
    expect(
      await driver
        .store()
        .collection('c')
        .update('d', { $inc: { n: 1 } }, { upsert: true, position: '5' }),
    ).toBe(true);
    expect(driver.calls).toHaveLength(1);
  });

  it('outside a transaction, an insert race on _id falls back to the guarded update', async () => {
    const driver = new ScriptedDriver()
      .on('updateOne', () => result(0))
      .on('findOne', () => null)
      .on('updateOne', () => {
        throw duplicateId();
      })
      .on('updateOne', () => result(1));
    expect(
      await driver
        .store()
        .collection('c')
        .update('d', { $inc: { n: 1 } }, { upsert: true, position: '5' }),
    ).toBe(true);
    expect((driver.calls[3].args[2] as { upsert: boolean }).upsert).toBe(false);
  });

  it('inside a transaction, every call carries the session and errors are never swallowed', async () => {
    const driver = new ScriptedDriver()
      .on('updateOne', () => result(0))
      .on('findOne', () => null)
      .on('updateOne', () => {
        throw duplicateId();
      });
    const store = driver.store();
    await expect(
      store.withTransaction((tx) => tx.collection('c').update('d', { $inc: { n: 1 } }, { upsert: true, position: '5' })),
    ).rejects.toBeInstanceOf(DuplicateKeyError);
    expect(driver.calls.map((call) => (call.args[call.args.length - 1] as { session?: unknown }).session)).toEqual([
      driver.session,
      driver.session,
      driver.session,
    ]);
    expect(driver.sessionsEnded).toBe(1);
  });

  it('writes without a position in one call; replacements go through replaceOne', async () => {
    const driver = new ScriptedDriver()
      .on('updateOne', () => result(0, 1))
      .on('replaceOne', () => result(1))
      .on('replaceOne', () => result(0));
    const docs = driver.store().collection('c');
    expect(await docs.update('d', { $set: { a: 1 } }, { upsert: true })).toBe(true);
    expect(await docs.update('d', { a: 2, _id: 'd' })).toBe(true);
    expect(await docs.update('d', { a: 3 })).toBe(false);
    expect(driver.calls.map((call) => [call.method, call.args[0], call.args[1]])).toEqual([
      ['updateOne', { _id: 'd' }, { $set: { a: 1 } }],
      ['replaceOne', { _id: 'd' }, { a: 2 }],
      ['replaceOne', { _id: 'd' }, { a: 3 }],
    ]);
  });

  it('find asks for one extra document, hides internal fields and pages with a keyset filter', async () => {
    const driver = new ScriptedDriver()
      .on('find', () => [
        { _id: 'a', name: 'x' },
        { _id: 'b', name: 'y' },
        { _id: 'c', name: 'z' },
      ])
      .on('find', () => [{ _id: 'c', name: 'z' }]);
    const docs = driver.store().collection('c');
    const first = await docs.find({ kind: 'k' }, { sort: { name: 1 }, limit: 2 });
    expect(first.items.map((doc) => doc._id)).toEqual(['a', 'b']);
    expect(first.nextCursor).not.toBeNull();
    const second = await docs.find({ kind: 'k' }, { sort: { name: 1 }, limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second).toEqual({ items: [{ _id: 'c', name: 'z' }], nextCursor: null });

    const [filter, options] = driver.calls[0].args as [unknown, { sort: Map<string, number>; limit: number; projection: unknown }];
    expect(filter).toEqual({ kind: 'k' });
    expect([...options.sort]).toEqual([
      ['name', 1],
      ['_id', 1],
    ]);
    expect(options.limit).toBe(3);
    expect(options.projection).toEqual({ [POSITION_KEY_FIELD]: 0 });
    expect(driver.calls[1].args[0]).toEqual({ $and: [{ kind: 'k' }, keysetFilter(normaliseSort({ name: 1 }), ['y', 'b'])] });
  });

  it('translates server errors of reads and writes', async () => {
    const driver = new ScriptedDriver()
      .on('find', () => {
        throw new MongoServerError({ message: 'unknown operator: $frob', code: 2 });
      })
      .on('countDocuments', () => {
        throw new MongoServerError({ message: 'unknown operator: $frob', code: 2 });
      })
      .on('updateOne', () => {
        throw new MongoServerError({ message: 'Unknown modifier: $frob', code: 9 });
      })
      .on('replaceOne', () => {
        throw new MongoServerError({ message: 'E11000', code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'a' } });
      });
    const docs = driver.store().collection('c');
    await expect(docs.find({ a: { $frob: 1 } })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(docs.count({ a: { $frob: 1 } })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(docs.update('d', { $frob: { a: 1 } })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(docs.replace('d', { email: 'a' })).rejects.toBeInstanceOf(DuplicateKeyError);
  });

  it('runs operations of one transaction one at a time and returns the function result', async () => {
    const driver = new ScriptedDriver();
    for (let i = 0; i < 5; i++) driver.on('updateOne', () => result(1));
    const outcome = await driver.store().withTransaction(async (tx) => {
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => tx.collection(i % 2 === 0 ? 'a' : 'b').update(`d${i}`, { $set: { i } })),
      );
      return results.every(Boolean) ? 'all' : 'some';
    });
    expect(outcome).toBe('all');
    expect(driver.maxActive).toBe(1);
  });

  it('ends the session when the transaction function throws', async () => {
    const driver = new ScriptedDriver();
    const failure = new Error('boom');
    await expect(driver.store().withTransaction(async () => Promise.reject(failure))).rejects.toBe(failure);
    expect(driver.sessionsEnded).toBe(1);
  });

  it('findAll streams with next() and closes the cursor', async () => {
    const driver = new ScriptedDriver()
      .on('find.next', () => ({ _id: 'a' }))
      .on('find.next', () => ({ _id: 'b' }))
      .on('find.next', () => null)
      .on('find.close', () => undefined);
    const seen: string[] = [];
    for await (const doc of driver.store().collection('c').findAll({ x: 1 }, { n: -1 })) seen.push(doc._id);
    expect(seen).toEqual(['a', 'b']);
    const options = driver.calls[0].args[1] as { sort: Map<string, number> };
    expect([...options.sort]).toEqual([
      ['n', -1],
      ['_id', 1],
    ]);
    expect(driver.calls.at(-1)?.method).toBe('find.close');
  });

  it('manages collections: ensureIndexes creates a missing collection, drop ignores a missing one', async () => {
    const driver = new ScriptedDriver()
      .on('listIndexes', () => {
        throw new MongoServerError({ message: 'ns does not exist', code: 26 });
      })
      .on('createCollection', () => ({}))
      .on('createIndexes', () => ['status_1'])
      .on('dropCollection', () => {
        throw new MongoServerError({ message: 'ns not found', code: 26 });
      })
      .on('listCollections', () => [
        { name: 'b', type: 'collection' },
        { name: 'system.views', type: 'collection' },
        { name: 'a_view', type: 'view' },
        { name: 'a', type: 'collection' },
      ])
      .on('admin.command', () => ({ ok: 1 }));
    const store = driver.store();
    await store.ensureIndexes('tasks', [{ keys: { status: 1 } }, { keys: { _id: 1 } }]);
    expect(driver.calls[1].args[0]).toBe('tasks');
    expect(driver.calls[2].args[0]).toEqual([{ key: { status: 1 }, name: 'status_1' }]);
    await expect(store.dropCollection('tasks')).resolves.toBeUndefined();
    expect(await store.listCollections()).toEqual(['a', 'b']);
    await store.ping();
    expect(driver.calls.at(-1)?.args[0]).toEqual({ ping: 1 });
  });
});

/*
 * Against a real server (MONGODB_URL, a replica set for transactions): the shared contract plus
 * MongoDB-specific checks. Each run uses its own database, emptied (and so removed) at the end.
 * Without MONGODB_URL these suites are reported as skipped.
 */
const mongoUrl = process.env.MONGODB_URL;
const describeIfMongo = describeWithEnv('MONGODB_URL', 'no MongoDB server to test against');

async function connectFreshStore(): Promise<{ store: MongoReadStore; teardown: () => Promise<void> }> {
  if (mongoUrl === undefined) throw new Error('MONGODB_URL is not set');
  const dbName = `relata_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const store = await MongoReadStore.connect(mongoUrl, { dbName, clientOptions: { serverSelectionTimeoutMS: 10_000 } });
  return {
    store,
    teardown: async () => {
      try {
        for (const name of await store.listCollections()) await store.dropCollection(name);
      } finally {
        await store.close();
      }
    },
  };
}

readStoreContract('mongodb', connectFreshStore, { describeFn: describeIfMongo });

describeIfMongo('MongoReadStore specifics', () => {
  let store: MongoReadStore;
  let teardown: () => Promise<void>;

  beforeAll(async () => {
    ({ store, teardown } = await connectFreshStore());
  });

  afterAll(async () => {
    await teardown?.();
  });

  it('uses the requested database', () => {
    expect(store.databaseName).toMatch(/^relata_test_/);
  });

  it('never returns the internal position key', async () => {
    const docs = store.collection(`hidden_${randomUUID().slice(0, 8)}`);
    await docs.update('d', { $set: { n: 1 } }, { upsert: true, position: '3' });
    expect(await docs.get('d')).toEqual({ _id: 'd', n: 1, _position: '3' });
    expect((await docs.find()).items).toEqual([{ _id: 'd', n: 1, _position: '3' }]);
    for await (const doc of docs.findAll()) expect(doc).not.toHaveProperty(POSITION_KEY_FIELD);
  });

  it('skips a redelivered upsert inside a transaction without aborting it', async () => {
    const name = `redelivery_${randomUUID().slice(0, 8)}`;
    await store.collection(name).update('d', { $inc: { n: 1 } }, { upsert: true, position: '9' });

    const results = await store.withTransaction(async (tx) => {
      const skipped = await tx.collection(name).update('d', { $inc: { n: 1 } }, { upsert: true, position: '5' });
      const written = await tx.collection(name).replace('other', { v: 1 }, { position: '5' });
      return [skipped, written];
    });

    expect(results).toEqual([false, true]);
    expect(await store.collection(name).get('d')).toEqual({ _id: 'd', n: 1, _position: '9' });
    expect(await store.collection(name).get('other')).toEqual({ _id: 'other', v: 1, _position: '5' });
  });

  it('runs operations started together inside a transaction one after another', async () => {
    const name = `parallel_${randomUUID().slice(0, 8)}`;
    await store.withTransaction(async (tx) => {
      const docs = tx.collection(name);
      await Promise.all(Array.from({ length: 10 }, (_, i) => docs.update(`p${i}`, { $set: { i } }, { upsert: true })));
    });
    expect(await store.collection(name).count()).toBe(10);
  });

  it('stores dates as ISO strings and rejects Date filter values', async () => {
    const docs = store.collection(`dates_${randomUUID().slice(0, 8)}`);
    await docs.replace('d', { at: new Date('2026-05-01T00:00:00.000Z') });
    expect(await docs.get('d')).toEqual({ _id: 'd', at: '2026-05-01T00:00:00.000Z' });
    await expect(docs.find({ at: new Date('2026-05-01T00:00:00.000Z') })).rejects.toBeInstanceOf(InvalidQueryError);
  });

  it('rejects invalid collection names', () => {
    expect(() => store.collection('system.users')).toThrow(InvalidQueryError);
  });
});
