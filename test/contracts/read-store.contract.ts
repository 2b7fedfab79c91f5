import { randomUUID } from 'node:crypto';
import {
  DuplicateKeyError,
  InvalidQueryError,
  type Collection,
  type Document,
  type Filter,
  type IndexSpec,
  type ReadStore,
  type SortSpec,
} from '../../src/shared/read-store/read-store.port';

export interface ReadStoreContractFixture {
  store: ReadStore;
  teardown: () => Promise<void>;
}

export interface ReadStoreContractOptions {
  /** Pass describeWithEnv(...) (test/support/skips.ts) to make the suite conditional on a reachable server, with its reason. */
  describeFn?: jest.Describe;
}

interface Person extends Document {
  name?: string;
  score?: unknown;
  tags?: string[];
  address?: { city: string; zip?: string };
  orders?: Array<{ sku: string; qty: number }>;
}

/**
 * Behaviour every ReadStore adapter must have, with MongoDB's semantics as the reference. Safe
 * against a shared server: every test uses its own collections (random suffix), dropped at the end.
 */
export function readStoreContract(
  adapterName: string,
  factory: () => Promise<ReadStoreContractFixture>,
  options: ReadStoreContractOptions = {},
): void {
  const describeFn = options.describeFn ?? describe;

  describeFn(`ReadStore contract: ${adapterName}`, () => {
    let store: ReadStore;
    let teardown: (() => Promise<void>) | undefined;
    const created: string[] = [];

    /** A fresh collection name for this test. */
    function unique(label: string): string {
      const name = `contract_${label}_${randomUUID().slice(0, 8)}`;
      created.push(name);
      return name;
    }

    beforeAll(async () => {
      ({ store, teardown } = await factory());
    });

    afterAll(async () => {
      if (store !== undefined) {
        for (const name of created) await store.dropCollection(name);
      }
      await teardown?.();
    });

    async function ids<T extends Document>(collection: Collection<T>, filter: Filter, sort?: SortSpec): Promise<string[]> {
      const page = await collection.find(filter, { sort, limit: 1000 });
      return page.items.map((doc) => doc._id);
    }

    describe('get, replace and delete', () => {
      it('stores, reads, replaces whole documents and deletes them', async () => {
        const people = store.collection<Person>(unique('crud'));

        expect(await people.get('p1')).toBeNull();
        expect(await people.replace('p1', { name: 'Ada', tags: ['a'] })).toBe(true);
        expect(await people.get('p1')).toEqual({ _id: 'p1', name: 'Ada', tags: ['a'] });

        expect(await people.replace('p1', { _id: 'p1', score: 3 })).toBe(true);
        expect(await people.get('p1')).toEqual({ _id: 'p1', score: 3 });

        expect(await people.delete('p1')).toBe(true);
        expect(await people.delete('p1')).toBe(false);
        expect(await people.get('p1')).toBeNull();
      });

      it('rejects a replacement whose _id differs from the id', async () => {
        const people = store.collection<Person>(unique('crud_id'));
        await expect(people.replace('p1', { _id: 'p2', name: 'x' })).rejects.toBeInstanceOf(InvalidQueryError);
      });

      it('deleteMany removes the matching documents and returns their count', async () => {
        const people = store.collection<Person>(unique('delete_many'));
        for (let i = 0; i < 6; i++) await people.replace(`p${i}`, { score: i });

        expect(await people.deleteMany({ score: { $gte: 3 } })).toBe(3);
        expect(await ids(people, {})).toEqual(['p0', 'p1', 'p2']);
        expect(await people.deleteMany({})).toBe(3);
        expect(await people.count()).toBe(0);
      });
    });

    describe('update operators', () => {
      let people: Collection<Document>;

      beforeEach(async () => {
        people = store.collection(unique('update'));
        await people.replace('p', {
          name: 'Ada',
          n: 10,
          tags: ['a', 'b'],
          scores: [1, 5, 7, 9],
          items: [
            { sku: 'x', qty: 1 },
            { sku: 'y', qty: 2 },
          ],
          address: { city: 'Paris', zip: '75001' },
        });
      });

      it('$set sets fields, including dotted paths that create intermediate objects', async () => {
        expect(await people.update('p', { $set: { name: 'Grace', 'address.city': 'Lyon', 'profile.links.web': 'w' } })).toBe(true);
        const doc = await people.get('p');
        expect(doc).toMatchObject({ name: 'Grace', address: { city: 'Lyon', zip: '75001' }, profile: { links: { web: 'w' } } });
      });

      it('$unset removes fields, including nested ones', async () => {
        await people.update('p', { $unset: { name: '', 'address.zip': '', missing: '' } });
        const doc = await people.get('p');
        expect(doc).not.toHaveProperty('name');
        expect(doc?.address).toEqual({ city: 'Paris' });
      });

      it('$inc and $mul change numbers and start missing fields at the increment / at 0', async () => {
        await people.update('p', { $inc: { n: 5, 'stats.visits': 2 }, $mul: { factor: 3 } });
        await people.update('p', { $mul: { n: 2 } });
        const doc = await people.get('p');
        expect(doc).toMatchObject({ n: 30, stats: { visits: 2 }, factor: 0 });
      });

      it('$min and $max keep the lower / higher value and set missing fields', async () => {
        await people.update('p', { $min: { n: 3, low: 8 }, $max: { high: 4 } });
        await people.update('p', { $min: { n: 7 }, $max: { high: 2, 'address.zip': '99999' } });
        const doc = await people.get('p');
        expect(doc).toMatchObject({ n: 3, low: 8, high: 4, address: { zip: '99999' } });
      });

      it('$push appends, with $each and $slice', async () => {
        await people.update('p', { $push: { tags: 'c', newList: 1 } });
        await people.update('p', { $push: { scores: { $each: [11, 12], $slice: -3 } } });
        const doc = await people.get('p');
        expect(doc).toMatchObject({ tags: ['a', 'b', 'c'], newList: [1], scores: [9, 11, 12] });
      });

      it('$addToSet adds only absent values, with $each', async () => {
        await people.update('p', { $addToSet: { tags: 'a' } });
        await people.update('p', { $addToSet: { tags: { $each: ['b', 'c', 'c'] }, fresh: 'z' } });
        const doc = await people.get('p');
        expect(doc).toMatchObject({ tags: ['a', 'b', 'c'], fresh: ['z'] });
      });

      it('$pull removes values, values matching a condition, and documents matching a query', async () => {
        await people.update('p', { $pull: { tags: 'a', scores: { $gte: 7 }, items: { sku: 'x' } } });
        const doc = await people.get('p');
        expect(doc).toMatchObject({ tags: ['b'], scores: [1, 5], items: [{ sku: 'y', qty: 2 }] });
      });

      it('$setOnInsert applies only when an upsert inserts', async () => {
        expect(await people.update('p', { $set: { name: 'Set' }, $setOnInsert: { createdBy: 'upsert' } }, { upsert: true })).toBe(true);
        expect(await people.get('p')).not.toHaveProperty('createdBy');

        expect(await people.update('q', { $set: { name: 'New' }, $setOnInsert: { createdBy: 'upsert' } }, { upsert: true })).toBe(true);
        expect(await people.get('q')).toEqual({ _id: 'q', name: 'New', createdBy: 'upsert' });
      });

      it('without upsert a missing document is not created and false is returned', async () => {
        expect(await people.update('missing', { $set: { name: 'x' } })).toBe(false);
        expect(await people.update('missing', { $set: { name: 'x' } }, { upsert: false })).toBe(false);
        expect(await people.get('missing')).toBeNull();
      });

      it('an update without operators replaces the document and keeps its _id', async () => {
        expect(await people.update('p', { name: 'Only' })).toBe(true);
        expect(await people.get('p')).toEqual({ _id: 'p', name: 'Only' });
      });

      it('an upsert inserts a document with the given id', async () => {
        expect(await people.update('r', { $set: { 'a.b': 1 }, $inc: { n: 2 } }, { upsert: true })).toBe(true);
        expect(await people.get('r')).toEqual({ _id: 'r', a: { b: 1 }, n: 2 });
      });

      it('returns true for a matched document even when nothing changes', async () => {
        expect(await people.update('p', { $set: { name: 'Ada' } })).toBe(true);
      });

      it('rejects unknown update operators with InvalidQueryError', async () => {
        await expect(people.update('p', { $frobnicate: { n: 1 } })).rejects.toBeInstanceOf(InvalidQueryError);
        expect(await people.get('p')).toMatchObject({ n: 10 });
      });
    });

    describe('position guard', () => {
      it('applies a higher position and skips the same or a lower one', async () => {
        const docs = store.collection(unique('position'));
        await docs.replace('d', { n: 0 });

        expect(await docs.update('d', { $inc: { n: 1 } }, { position: '9' })).toBe(true);
        expect(await docs.update('d', { $inc: { n: 1 } }, { position: '9' })).toBe(false);
        expect(await docs.update('d', { $inc: { n: 1 } }, { position: '8' })).toBe(false);
        expect(await docs.get('d')).toMatchObject({ n: 1, _position: '9' });

        // Numeric, not string, comparison: "10" > "9".
        expect(await docs.update('d', { $inc: { n: 1 } }, { position: '10' })).toBe(true);
        expect(await docs.get('d')).toMatchObject({ n: 2, _position: '10' });

        // Beyond 2^53.
        expect(await docs.update('d', { $inc: { n: 1 } }, { position: '18446744073709551615' })).toBe(true);
        expect(await docs.update('d', { $inc: { n: 1 } }, { position: '18446744073709551614' })).toBe(false);
        expect(await docs.get('d')).toMatchObject({ n: 3, _position: '18446744073709551615' });
      });

      it('works with upsert: inserts with the position, then guards', async () => {
        const docs = store.collection(unique('position_upsert'));

        expect(await docs.update('d', { $inc: { n: 1 } }, { upsert: true, position: '5' })).toBe(true);
        expect(await docs.update('d', { $inc: { n: 1 } }, { upsert: true, position: '5' })).toBe(false);
        expect(await docs.update('d', { $inc: { n: 1 } }, { upsert: true, position: '4' })).toBe(false);
        expect(await docs.update('d', { $inc: { n: 1 } }, { upsert: true, position: '6' })).toBe(true);
        expect(await docs.get('d')).toEqual({ _id: 'd', n: 2, _position: '6' });
      });

      it('applies to a document written without a position', async () => {
        const docs = store.collection(unique('position_absent'));
        await docs.replace('d', { n: 1 });
        expect(await docs.update('d', { $set: { n: 2 } }, { position: '0' })).toBe(true);
        expect(await docs.get('d')).toEqual({ _id: 'd', n: 2, _position: '0' });
      });

      it('guards replace too', async () => {
        const docs = store.collection(unique('position_replace'));

        expect(await docs.replace('d', { v: 'a' }, { position: '20' })).toBe(true);
        expect(await docs.replace('d', { v: 'b' }, { position: '20' })).toBe(false);
        expect(await docs.replace('d', { v: 'c' }, { position: '3' })).toBe(false);
        expect(await docs.get('d')).toEqual({ _id: 'd', v: 'a', _position: '20' });
        expect(await docs.replace('d', { v: 'd' }, { position: '100' })).toBe(true);
        expect(await docs.get('d')).toEqual({ _id: 'd', v: 'd', _position: '100' });
      });
    });

    /** Documents exercising types, arrays and nesting for the filter tests. */
    async function seedPeople(people: Collection<Person>): Promise<void> {
      await people.replace('a', { name: 'Alice', score: 5, tags: ['vip', 'new'], address: { city: 'Paris', zip: '75001' } });
      await people.replace('b', { name: 'bob', score: '7', tags: ['new'], address: { city: 'Lyon' } });
      await people.replace('c', {
        name: 'Carol',
        score: null,
        tags: [],
        orders: [
          { sku: 'x', qty: 1 },
          { sku: 'y', qty: 5 },
        ],
      });
      await people.replace('d', { name: 'alan', orders: [{ sku: 'x', qty: 3 }] });
      await people.replace('e', { name: 'Eve', score: 12, tags: ['vip'], address: { city: 'Paris' } });
      await people.replace('f', { name: 'Frank', score: true });
    }

    const filterCases: Array<[string, Filter, string[]]> = [
      ['implicit equality', { name: 'Eve' }, ['e']],
      ['equality on a dotted path', { 'address.city': 'Paris' }, ['a', 'e']],
      ['equality with an embedded document', { address: { city: 'Paris', zip: '75001' } }, ['a']],
      ['array contains', { tags: 'vip' }, ['a', 'e']],
      ['equality to null matches null and missing', { score: null }, ['c', 'd']],
      ['equality to a boolean', { score: true }, ['f']],
      ['$eq', { score: { $eq: 5 } }, ['a']],
      ['$ne also matches missing fields', { score: { $ne: 5 } }, ['b', 'c', 'd', 'e', 'f']],
      ['$gt only compares numbers with numbers', { score: { $gt: 1 } }, ['a', 'e']],
      ['$gte', { score: { $gte: 12 } }, ['e']],
      ['$lt', { score: { $lt: 12 } }, ['a']],
      ['$lte with a string bound only matches strings', { score: { $lte: 'z' } }, ['b']],
      ['$gt and $lt together', { score: { $gt: 4, $lt: 6 } }, ['a']],
      ['$in with null matches missing', { score: { $in: [5, null] } }, ['a', 'c', 'd']],
      ['$in on an array field', { tags: { $in: ['new', 'none'] } }, ['a', 'b']],
      ['$nin', { score: { $nin: [5, 12] } }, ['b', 'c', 'd', 'f']],
      ['$exists true', { score: { $exists: true } }, ['a', 'b', 'c', 'e', 'f']],
      ['$exists false', { score: { $exists: false } }, ['d']],
      ['$regex with $options i', { name: { $regex: '^al', $options: 'i' } }, ['a', 'd']],
      ['$regex is case sensitive without options', { name: { $regex: '^al' } }, ['d']],
      ['$and', { $and: [{ tags: 'vip' }, { 'address.city': 'Paris' }, { score: { $lt: 10 } }] }, ['a']],
      ['$or', { $or: [{ score: 12 }, { name: 'bob' }] }, ['b', 'e']],
      ['$nor', { $nor: [{ tags: 'vip' }, { score: { $exists: false } }] }, ['b', 'c', 'f']],
      ['$not', { score: { $not: { $gt: 4 } } }, ['b', 'c', 'd', 'f']],
      ['$size', { tags: { $size: 1 } }, ['b', 'e']],
      ['$size 0', { tags: { $size: 0 } }, ['c']],
      ['$elemMatch needs one element to match every condition', { orders: { $elemMatch: { sku: 'x', qty: { $gte: 2 } } } }, ['d']],
      ['a dotted path into an array of documents', { 'orders.sku': 'y' }, ['c']],
      ['several fields are ANDed', { 'address.city': 'Paris', score: { $gt: 10 } }, ['e']],
      ['an empty filter matches everything', {}, ['a', 'b', 'c', 'd', 'e', 'f']],
    ];

    describe('find filters', () => {
      let people: Collection<Person>;

      beforeAll(async () => {
        people = store.collection<Person>(unique('filters'));
        await seedPeople(people);
      });

      it.each(filterCases)('%s', async (_label, filter, expected) => {
        expect(await ids(people, filter)).toEqual(expected);
        expect(await people.count(filter)).toBe(expected.length);
      });

      it('accepts a RegExp value', async () => {
        expect(await ids(people, { name: /^AL/i })).toEqual(['a', 'd']);
      });

      it('rejects unknown operators with InvalidQueryError', async () => {
        await expect(people.find({ $frobnicate: [] })).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(people.find({ score: { $frobnicate: 1 } })).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(people.count({ score: { $frobnicate: 1 } })).rejects.toBeInstanceOf(InvalidQueryError);
      });
    });

    describe('find filters on indexed fields', () => {
      let people: Collection<Person>;

      beforeAll(async () => {
        const name = unique('filters_indexed');
        await store.ensureIndexes(name, [{ keys: { score: 1 } }, { keys: { name: 1 } }, { keys: { 'address.city': 1, score: -1 } }]);
        people = store.collection<Person>(name);
        await seedPeople(people);
      });

      const scalarCases = filterCases.filter(([, filter]) => !JSON.stringify(filter).includes('tags'));
      it.each(scalarCases)('%s', async (_label, filter, expected) => {
        expect(await ids(people, filter)).toEqual(expected);
        expect(await people.count(filter)).toBe(expected.length);
      });

      it('sorts an indexed field holding several types in BSON order', async () => {
        expect(await ids(people, {}, { score: 1 })).toEqual(['c', 'd', 'a', 'e', 'b', 'f']);
        expect(await ids(people, { score: { $gte: 5 } }, { score: -1 })).toEqual(['e', 'a']);
      });
    });

    describe('sorting', () => {
      let docs: Collection<Document>;

      beforeAll(async () => {
        docs = store.collection(unique('sort'));
        const rows: Array<[string, Record<string, unknown>]> = [
          ['s1', { group: 'b', rank: 2 }],
          ['s2', { group: 'a', rank: 1 }],
          ['s3', { group: 'b' }],
          ['s4', { group: 'a', rank: null }],
          ['s5', { rank: 3 }],
          ['s6', { group: 'b', rank: 2 }],
          ['s7', { group: 'a', rank: 'text' }],
        ];
        for (const [id, doc] of rows) await docs.replace(id, doc);
      });

      it('defaults to _id ascending', async () => {
        expect(await ids(docs, {})).toEqual(['s1', 's2', 's3', 's4', 's5', 's6', 's7']);
      });

      it('ascending: missing and null first, numbers before strings, ties by _id', async () => {
        expect(await ids(docs, {}, { rank: 1 })).toEqual(['s3', 's4', 's2', 's1', 's6', 's5', 's7']);
      });

      it('descending: missing and null last, ties still by _id ascending', async () => {
        expect(await ids(docs, {}, { rank: -1 })).toEqual(['s7', 's5', 's1', 's6', 's2', 's3', 's4']);
      });

      it('on several fields with mixed directions', async () => {
        expect(await ids(docs, {}, { group: 1, rank: -1 })).toEqual(['s5', 's7', 's2', 's4', 's1', 's6', 's3']);
        expect(await ids(docs, {}, { group: -1, rank: 1 })).toEqual(['s3', 's1', 's6', 's4', 's2', 's7', 's5']);
      });

      it('on _id descending', async () => {
        expect(await ids(docs, { group: 'a' }, { _id: -1 })).toEqual(['s7', 's4', 's2']);
      });
    });

    describe('cursor pagination', () => {
      let docs: Collection<Document>;
      let all: Array<{ _id: string; n: number; bucket?: number; kind: string }>;

      beforeAll(async () => {
        const name = unique('pages');
        await store.ensureIndexes(name, [{ keys: { kind: 1, n: 1 } }]);
        docs = store.collection(name);
        all = [];
        for (let i = 0; i < 25; i++) {
          const doc = {
            _id: `doc-${String(i).padStart(2, '0')}`,
            n: (i * 7) % 25,
            kind: i % 3 === 0 ? 'odd' : 'even',
            ...(i % 5 === 0 ? {} : { bucket: i % 4 }),
          };
          all.push(doc);
          await docs.replace(doc._id, doc);
        }
      });

      async function walk(filter: Filter, sort: SortSpec | undefined, limit: number): Promise<string[][]> {
        const pages: string[][] = [];
        let cursor: string | undefined;
        for (let guard = 0; guard < 50; guard++) {
          const page = await docs.find(filter, { sort, limit, cursor });
          pages.push(page.items.map((doc) => doc._id));
          if (page.nextCursor === null) return pages;
          cursor = page.nextCursor;
        }
        throw new Error('pagination did not end');
      }

      it('walks all 25 documents with limit 7, each exactly once in order', async () => {
        const pages = await walk({}, undefined, 7);
        expect(pages.map((page) => page.length)).toEqual([7, 7, 7, 4]);
        expect(pages.flat()).toEqual(all.map((doc) => doc._id));
      });

      it('walks a descending sort on a numeric field', async () => {
        const pages = await walk({}, { n: -1 }, 7);
        const expected = [...all].sort((x, y) => y.n - x.n).map((doc) => doc._id);
        expect(pages.flat()).toEqual(expected);
        expect(pages.map((page) => page.length)).toEqual([7, 7, 7, 4]);
      });

      it('walks with a filter and a descending sort', async () => {
        const pages = await walk({ kind: 'even', n: { $gte: 3 } }, { n: -1 }, 7);
        const expected = all
          .filter((doc) => doc.kind === 'even' && doc.n >= 3)
          .sort((x, y) => y.n - x.n)
          .map((doc) => doc._id);
        expect(expected.length).toBeGreaterThan(7);
        expect(pages.flat()).toEqual(expected);
      });

      it('walks a sort on a field with ties and missing values, in both directions', async () => {
        const byBucket = (direction: 1 | -1) =>
          [...all]
            .sort((x, y) => {
              const bx = x.bucket ?? -1;
              const by = y.bucket ?? -1;
              return bx !== by ? direction * (bx - by) : x._id < y._id ? -1 : 1;
            })
            .map((doc) => doc._id);
        expect((await walk({}, { bucket: 1 }, 7)).flat()).toEqual(byBucket(1));
        expect((await walk({}, { bucket: -1 }, 7)).flat()).toEqual(byBucket(-1));
      });

      it('walks a compound sort matching the declared index', async () => {
        const pages = await walk({}, { kind: 1, n: 1 }, 4);
        const expected = [...all].sort((x, y) => (x.kind !== y.kind ? (x.kind < y.kind ? -1 : 1) : x.n - y.n)).map((doc) => doc._id);
        expect(pages.flat()).toEqual(expected);
      });

      it('returns no cursor when everything fits on one page', async () => {
        const page = await docs.find({ kind: 'odd' }, { limit: 100 });
        expect(page.items).toHaveLength(9);
        expect(page.nextCursor).toBeNull();
      });

      it('uses a page size of 50 by default', async () => {
        const many = store.collection(unique('default_limit'));
        for (let i = 0; i < 55; i++) await many.replace(`m${String(i).padStart(2, '0')}`, { i });
        const first = await many.find();
        expect(first.items).toHaveLength(50);
        expect(first.nextCursor).not.toBeNull();
        const second = await many.find({}, { cursor: first.nextCursor ?? undefined });
        expect(second.items.map((doc) => doc._id)).toEqual(['m50', 'm51', 'm52', 'm53', 'm54']);
        expect(second.nextCursor).toBeNull();
      });

      it('rejects a malformed cursor with InvalidQueryError', async () => {
        await expect(docs.find({}, { cursor: 'not a cursor!' })).rejects.toBeInstanceOf(InvalidQueryError);
      });
    });

    describe('find with excluded fields', () => {
      it('leaves the fields out of every page, with the same documents in the same order', async () => {
        const wide = store.collection(unique('exclude'));
        for (let i = 0; i < 7; i++) {
          await wide.replace(`w${i}`, { rank: i % 3, label: `w${i}`, history: [[i, i * 10]], notes: { long: 'x'.repeat(50) } });
        }
        const pages = async (exclude?: string[]) => {
          const items: Record<string, unknown>[] = [];
          let cursor: string | undefined;
          do {
            const page = await wide.find({ rank: { $gte: 0 } }, { sort: { rank: -1 }, limit: 3, cursor, exclude });
            items.push(...page.items);
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          return items;
        };
        const full = await pages();
        const lean = await pages(['history', 'notes']);
        expect(lean).toEqual(full.map(({ history: _history, notes: _notes, ...rest }) => rest));
        expect(lean.map((doc) => doc._id)).toEqual(full.map((doc) => doc._id));
      });

      it('refuses to leave out _id, a sort field or a field the filter names', async () => {
        const wide = store.collection(unique('exclude_refused'));
        await wide.replace('a', { rank: 1, label: 'a' });
        await expect(wide.find({}, { exclude: ['_id'] })).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(wide.find({}, { sort: { rank: 1 }, exclude: ['rank'] })).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(wide.find({ $or: [{ label: 'a' }] }, { exclude: ['label'] })).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(wide.find({}, { exclude: ['label.inner'] })).rejects.toBeInstanceOf(InvalidQueryError);
      });
    });

    describe('count', () => {
      it('counts all or matching documents, 0 for a missing collection', async () => {
        const docs = store.collection(unique('count'));
        expect(await docs.count()).toBe(0);
        for (let i = 0; i < 10; i++) await docs.replace(`c${i}`, { even: i % 2 === 0, i });
        expect(await docs.count()).toBe(10);
        expect(await docs.count({ even: true })).toBe(5);
        expect(await docs.count({ i: { $in: [1, 2, 3, 42] } })).toBe(3);
      });
    });

    describe('indexes', () => {
      it('ensureIndexes is idempotent and queries stay correct', async () => {
        const name = unique('indexes');
        const indexes: IndexSpec[] = [{ keys: { status: 1, dueAt: 1 } }, { keys: { owner: 1 } }];
        await store.ensureIndexes(name, indexes);
        await store.ensureIndexes(name, indexes);
        const tasks = store.collection(name);
        await tasks.replace('t1', { status: 'open', dueAt: '2026-03-01T00:00:00.000Z', owner: 'u1' });
        await tasks.replace('t2', { status: 'open', dueAt: '2026-01-01T00:00:00.000Z', owner: 'u2' });
        await tasks.replace('t3', { status: 'done', dueAt: '2026-02-01T00:00:00.000Z', owner: 'u1' });
        await tasks.replace('t4', { status: 'open', owner: 'u1' });

        expect(await ids(tasks, { status: 'open' }, { dueAt: 1 })).toEqual(['t4', 't2', 't1']);
        expect(await ids(tasks, { status: 'open', dueAt: { $lt: '2026-02-01' } }, { dueAt: -1 })).toEqual(['t2']);
        expect(await ids(tasks, { owner: { $in: ['u1'] } }, { dueAt: -1 })).toEqual(['t1', 't3', 't4']);
        expect(await tasks.count({ status: 'open', owner: 'u1' })).toBe(2);
      });

      it('a unique index rejects a duplicate with DuplicateKeyError and keeps the first document', async () => {
        const name = unique('unique');
        await store.ensureIndexes(name, [{ keys: { email: 1 }, unique: true }]);
        const users = store.collection(name);
        await users.replace('u1', { email: 'a@example.com' });
        await users.replace('u2', { email: 'b@example.com' });

        await expect(users.replace('u3', { email: 'a@example.com' })).rejects.toBeInstanceOf(DuplicateKeyError);
        await expect(users.update('u2', { $set: { email: 'a@example.com' } })).rejects.toBeInstanceOf(DuplicateKeyError);
        await expect(users.update('u4', { $set: { email: 'a@example.com' } }, { upsert: true })).rejects.toBeInstanceOf(DuplicateKeyError);

        expect(await users.get('u3')).toBeNull();
        expect(await users.get('u2')).toMatchObject({ email: 'b@example.com' });
        expect(await users.count({ email: 'a@example.com' })).toBe(1);
        // Updating the owner of the key itself is fine.
        expect(await users.update('u1', { $set: { email: 'a@example.com', n: 1 } })).toBe(true);
      });

      it('a unique index admits only one document without the field (missing counts as null)', async () => {
        const name = unique('unique_missing');
        await store.ensureIndexes(name, [{ keys: { code: 1 }, unique: true }]);
        const items = store.collection(name);
        await items.replace('i1', { label: 'no code' });
        await expect(items.replace('i2', { label: 'no code either' })).rejects.toBeInstanceOf(DuplicateKeyError);
        await expect(items.replace('i3', { code: null })).rejects.toBeInstanceOf(DuplicateKeyError);
        await items.replace('i4', { code: 'c4' });
        expect(await items.count()).toBe(2);
      });
    });

    describe('withTransaction', () => {
      it('commits writes to several collections together, and reads inside see them', async () => {
        const accounts = unique('tx_accounts');
        const ledger = unique('tx_ledger');
        await store.collection(accounts).replace('acc', { balance: 10 });

        const result = await store.withTransaction(async (tx) => {
          await tx.collection(accounts).update('acc', { $inc: { balance: -3 } });
          await tx.collection(ledger).replace('entry', { amount: 3 });
          expect(await tx.collection(accounts).get('acc')).toMatchObject({ balance: 7 });
          expect(await tx.collection(ledger).count()).toBe(1);
          return 'done';
        });

        expect(result).toBe('done');
        expect(await store.collection(accounts).get('acc')).toMatchObject({ balance: 7 });
        expect(await store.collection(ledger).get('entry')).toMatchObject({ amount: 3 });
      });

      it('rolls everything back and rethrows when the function throws', async () => {
        const accounts = unique('rb_accounts');
        const ledger = unique('rb_ledger');
        await store.collection(accounts).replace('acc', { balance: 10 });
        const failure = new Error('boom');

        await expect(
          store.withTransaction(async (tx) => {
            await tx.collection(accounts).update('acc', { $inc: { balance: -3 } });
            await tx.collection(accounts).replace('other', { balance: 1 });
            await tx.collection(ledger).replace('entry', { amount: 3 });
            throw failure;
          }),
        ).rejects.toBe(failure);

        expect(await store.collection(accounts).get('acc')).toMatchObject({ balance: 10 });
        expect(await store.collection(accounts).get('other')).toBeNull();
        expect(await store.collection(ledger).get('entry')).toBeNull();
        expect(await store.collection(ledger).count()).toBe(0);
      });

      it('rolls back when a write inside fails with DuplicateKeyError', async () => {
        const name = unique('rb_unique');
        await store.ensureIndexes(name, [{ keys: { email: 1 }, unique: true }]);
        await store.collection(name).replace('u1', { email: 'a@example.com' });

        await expect(
          store.withTransaction(async (tx) => {
            await tx.collection(name).replace('u2', { email: 'b@example.com' });
            await tx.collection(name).replace('u3', { email: 'a@example.com' });
          }),
        ).rejects.toBeInstanceOf(DuplicateKeyError);

        expect(await store.collection(name).get('u2')).toBeNull();
      });

      it('guards positions inside a transaction', async () => {
        const name = unique('tx_position');
        const applied = await store.withTransaction(async (tx) => {
          const docs = tx.collection(name);
          const first = await docs.update('d', { $inc: { n: 1 } }, { upsert: true, position: '7' });
          const again = await docs.update('d', { $inc: { n: 1 } }, { upsert: true, position: '7' });
          return [first, again];
        });
        expect(applied).toEqual([true, false]);
        expect(await store.collection(name).get('d')).toEqual({ _id: 'd', n: 1, _position: '7' });
      });
    });

    describe('findAll', () => {
      it('streams every match in sort order', async () => {
        const docs = store.collection(unique('find_all'));
        for (let i = 0; i < 30; i++) await docs.replace(`f${String(i).padStart(2, '0')}`, { i, even: i % 2 === 0 });

        const seen: string[] = [];
        for await (const doc of docs.findAll({ even: true }, { i: -1 })) seen.push(doc._id);

        const expected = Array.from({ length: 15 }, (_, k) => `f${String(28 - 2 * k).padStart(2, '0')}`);
        expect(seen).toEqual(expected);

        let total = 0;
        for await (const _doc of docs.findAll()) total++;
        expect(total).toBe(30);
      });
    });

    describe('collections', () => {
      it('lists collections once written, and drops them', async () => {
        const name = unique('listed');
        expect(await store.listCollections()).not.toContain(name);

        await store.collection(name).replace('x', { v: 1 });
        expect(await store.listCollections()).toContain(name);

        await store.dropCollection(name);
        expect(await store.listCollections()).not.toContain(name);
        expect(await store.collection(name).get('x')).toBeNull();
        expect(await store.collection(name).count()).toBe(0);

        await store.collection(name).replace('y', { v: 2 });
        expect(await store.collection(name).count()).toBe(1);
      });

      it('dropping a missing collection is a no-op', async () => {
        await expect(store.dropCollection(unique('never_created'))).resolves.toBeUndefined();
      });

      it('keeps collections with arbitrary names apart', async () => {
        const first = unique('names.with-dots__g1');
        const second = unique('names.with-dots__g2');
        await store.collection(first).replace('x', { v: 1 });
        await store.collection(second).replace('x', { v: 2 });
        expect(await store.collection(first).get('x')).toMatchObject({ v: 1 });
        expect(await store.collection(second).get('x')).toMatchObject({ v: 2 });
      });

      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });
  });
}
