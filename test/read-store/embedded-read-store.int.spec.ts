import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedReadStore } from '../../src/shared/read-store/embedded-read-store';
import { InvalidQueryError } from '../../src/shared/read-store/read-store.port';
import { readStoreContract } from '../contracts/read-store.contract';
import { readStoreIndexesOnFile } from '../support/sqlite-files';

const dir = mkdtempSync(join(tmpdir(), 'relata-read-store-'));
let fileCounter = 0;

function freshFile(): string {
  fileCounter += 1;
  return join(dir, `read-store-${fileCounter}.sqlite`);
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

readStoreContract('embedded (SQLite file)', async () => {
  const store = new EmbeddedReadStore({ filename: freshFile() });
  return { store, teardown: () => store.close() };
});

readStoreContract('embedded (SQLite in memory)', async () => {
  const store = new EmbeddedReadStore({ filename: ':memory:' });
  return { store, teardown: () => store.close() };
});

/** A promise with its resolve function, to hold a transaction open. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('EmbeddedReadStore specifics', () => {
  const stores: EmbeddedReadStore[] = [];

  function open(filename = freshFile()): EmbeddedReadStore {
    const store = new EmbeddedReadStore({ filename });
    stores.push(store);
    return store;
  }

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  it('keeps documents, collections and indexes across a reopen', async () => {
    const filename = freshFile();
    const first = open(filename);
    await first.ensureIndexes('customer-profile.customers__g1', [{ keys: { email: 1 }, unique: true }]);
    await first.collection('customer-profile.customers__g1').replace('c1', { email: 'a@example.com', n: 1 });
    await first.collection('other').update('o1', { $set: { v: 1 } }, { upsert: true, position: '42' });
    await first.close();

    const second = open(filename);
    expect(await second.listCollections()).toEqual(['customer-profile.customers__g1', 'other']);
    expect(await second.collection('customer-profile.customers__g1').get('c1')).toEqual({
      _id: 'c1',
      email: 'a@example.com',
      n: 1,
    });
    expect(await second.collection('other').update('o1', { $set: { v: 2 } }, { position: '42' })).toBe(false);
    await expect(second.collection('customer-profile.customers__g1').replace('c2', { email: 'a@example.com' })).rejects.toMatchObject({
      code: 'DUPLICATE_KEY',
    });
    expect(second.explain('customer-profile.customers__g1', { email: 'a@example.com' })).toMatch(/USING INDEX/);
  });

  it('sees collections another store instance on the same file created', async () => {
    const filename = freshFile();
    const first = open(filename);
    const second = open(filename);
    await first.ensureIndexes('shared', [{ keys: { email: 1 }, unique: true }]);
    await first.collection('shared').replace('a', { email: 'a@example.com' });

    expect(await second.listCollections()).toEqual(['shared']);
    expect(await second.collection('shared').get('a')).toMatchObject({ email: 'a@example.com' });
    await second.collection('shared').replace('b', { email: 'b@example.com' });
    await expect(second.collection('shared').replace('c', { email: 'a@example.com' })).rejects.toMatchObject({
      code: 'DUPLICATE_KEY',
    });
    expect(await first.collection('shared').count()).toBe(2);
  });

  describe('on a file another store instance (another process) changes', () => {
    /** The catalog rows (collection and name) and SQLite's own indexes of the file, read without any store's cache. */
    function indexesOnFile(filename: string): { declared: Array<{ collection: string; name: string }>; sqlite: string[] } {
      const { declared, sqlite } = readStoreIndexesOnFile(filename);
      return { declared: declared.map(({ collection, name }) => ({ collection, name })), sqlite };
    }

    it('creates an index once when another instance created it after this one read the collection', async () => {
      const filename = freshFile();
      const first = open(filename);
      const second = open(filename);
      await first.ensureIndexes('tasks', [{ keys: { status: 1 } }]);
      // Both have now seen the collection with its one index.
      await second.collection('tasks').replace('t1', { status: 'open', owner: 'u1' });
      await first.collection('tasks').count();

      await first.ensureIndexes('tasks', [{ keys: { status: 1 } }, { keys: { owner: 1 } }]);
      await second.ensureIndexes('tasks', [{ keys: { status: 1 } }, { keys: { owner: 1 } }]);

      expect(indexesOnFile(filename).declared).toEqual([
        { collection: 'tasks', name: 'owner_1' },
        { collection: 'tasks', name: 'status_1' },
      ]);
      expect(indexesOnFile(filename).sqlite).toHaveLength(2);
      expect(second.explain('tasks', { owner: 'u1' })).toMatch(/USING INDEX/);
    });

    it('reads the recreated collection, not the dropped table, after another instance dropped it', async () => {
      const filename = freshFile();
      const reader = open(filename);
      const other = open(filename);
      await reader.ensureIndexes('clv.scores__g1', [{ keys: { score: -1 } }]);
      await reader.collection('clv.scores__g1').replace('a', { score: 1 });
      expect(await reader.collection('clv.scores__g1').find({ score: { $gt: 0 } })).toMatchObject({ items: [{ _id: 'a' }] });

      await other.dropCollection('clv.scores__g1');
      expect(await reader.collection('clv.scores__g1').get('a')).toBeNull();
      expect(await reader.collection('clv.scores__g1').find({ score: { $gt: 0 } })).toEqual({ items: [], nextCursor: null });
      expect(await reader.listCollections()).toEqual([]);

      await other.ensureIndexes('clv.scores__g1', [{ keys: { score: -1 } }]);
      await other.collection('clv.scores__g1').replace('b', { score: 2 });
      expect(await reader.collection('clv.scores__g1').find({ score: { $gt: 0 } })).toMatchObject({ items: [{ _id: 'b', score: 2 }] });
      expect(await reader.collection('clv.scores__g1').count()).toBe(1);
    });

    it('writes into the collection as it is now, whatever this instance saw before', async () => {
      const filename = freshFile();
      const writer = open(filename);
      const other = open(filename);
      await writer.collection('notes').replace('a', { v: 1 });

      await other.dropCollection('notes');
      await writer.collection('notes').update('b', { $set: { v: 2 } }, { upsert: true });
      await writer.withTransaction(async (tx) => {
        await tx.collection('notes').replace('c', { v: 3 });
      });
      await other.dropCollection('notes');
      await writer.dropCollection('notes');
      await writer.collection('notes').replace('d', { v: 4 });

      expect(await other.collection('notes').find()).toMatchObject({ items: [{ _id: 'd', v: 4 }] });
      expect(await other.listCollections()).toEqual(['notes']);
    });

    it('forgets a collection created in a transaction that rolled back', async () => {
      const filename = freshFile();
      const store = open(filename);
      const other = open(filename);
      await expect(
        store.withTransaction(async (tx) => {
          await tx.collection('fresh').replace('x', { v: 1 });
          throw new Error('abandoned');
        }),
      ).rejects.toThrow('abandoned');
      await other.collection('fresh').replace('y', { v: 2 });
      expect(await store.collection('fresh').find()).toMatchObject({ items: [{ _id: 'y' }] });
      await store.collection('fresh').replace('z', { v: 3 });
      expect(await other.collection('fresh').count()).toBe(2);
    });
  });

  it('answers queries on indexed fields from the index', async () => {
    const store = open();
    await store.ensureIndexes('tasks', [{ keys: { status: 1, dueAt: 1 } }, { keys: { owner: 1 } }]);
    const tasks = store.collection('tasks');
    for (let i = 0; i < 50; i++) {
      await tasks.replace(`t${i}`, {
        status: i % 2 === 0 ? 'open' : 'done',
        dueAt: `2026-01-${String((i % 28) + 1).padStart(2, '0')}`,
        owner: `u${i % 5}`,
      });
    }

    const byStatus = store.explain('tasks', { status: 'open' }, { sort: { dueAt: 1 } });
    expect(byStatus).toMatch(/SEARCH c_\d+ USING INDEX c_\d+_i1/);
    expect(byStatus).not.toMatch(/TEMP B-TREE/);

    expect(store.explain('tasks', { owner: { $in: ['u1', 'u2'] } })).toMatch(/USING INDEX c_\d+_i2/);
    expect(store.explain('tasks', { status: 'open', dueAt: { $gte: '2026-01-10' } })).toMatch(/USING INDEX c_\d+_i1/);

    // The next page starts its index range at the cursor instead of scanning from the start.
    const first = await tasks.find({ status: 'open' }, { sort: { dueAt: 1 }, limit: 5 });
    const next = store.explain('tasks', { status: 'open' }, { sort: { dueAt: 1 }, limit: 5, cursor: first.nextCursor ?? undefined });
    expect(next).toMatch(/SEARCH c_\d+ USING INDEX c_\d+_i1 \(<expr>=\? AND <expr>>\?\)/);

    // A field without an index is a scan.
    expect(store.explain('tasks', { title: 'x' })).toMatch(/SCAN/);
  });

  it('does not let reads outside a running transaction see its uncommitted writes (file)', async () => {
    const store = open();
    await store.collection('accounts').replace('a', { balance: 1 });
    const written = deferred();
    const release = deferred();

    const tx = store.withTransaction(async (t) => {
      await t.collection('accounts').update('a', { $set: { balance: 2 } });
      await t.collection('fresh').replace('x', { v: 1 });
      written.resolve();
      await release.promise;
    });

    await written.promise;
    expect(await store.collection('accounts').get('a')).toMatchObject({ balance: 1 });
    expect(await store.collection('fresh').get('x')).toBeNull();
    expect(await store.collection('fresh').count()).toBe(0);
    expect(await store.listCollections()).toEqual(['accounts']);

    release.resolve();
    await tx;
    expect(await store.collection('accounts').get('a')).toMatchObject({ balance: 2 });
    expect(await store.collection('fresh').get('x')).toMatchObject({ v: 1 });
    expect(await store.listCollections()).toEqual(['accounts', 'fresh']);
  });

  it('serialises reads behind a running transaction in memory, then shows the committed state', async () => {
    const store = open(':memory:');
    await store.collection('accounts').replace('a', { balance: 1 });
    const written = deferred();
    const release = deferred();

    const tx = store.withTransaction(async (t) => {
      await t.collection('accounts').update('a', { $set: { balance: 2 } });
      written.resolve();
      await release.promise;
    });
    await written.promise;

    let readDone = false;
    const read = store
      .collection('accounts')
      .get('a')
      .then((doc) => {
        readDone = true;
        return doc;
      });
    await Promise.resolve();
    expect(readDone).toBe(false);

    release.resolve();
    await tx;
    expect(await read).toMatchObject({ balance: 2 });
  });

  it('runs transactions and writes one at a time', async () => {
    const store = open();
    const counter = store.collection('counter');
    await counter.replace('c', { n: 0 });

    // Read-modify-write transactions would lose updates if they interleaved.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.withTransaction(async (tx) => {
          const doc = await tx.collection('counter').get('c');
          await Promise.resolve();
          await tx.collection('counter').replace('c', { n: (doc?.n as number) + 1 });
        }),
      ),
    );
    expect(await counter.get('c')).toMatchObject({ n: 20 });
  });

  it('refuses a write outside the transaction from inside it instead of waiting forever', async () => {
    const store = open();
    await expect(
      store.withTransaction(async (tx) => {
        await tx.collection('a').replace('x', { v: 1 });
        await store.collection('a').replace('y', { v: 2 });
      }),
    ).rejects.toThrow(/inside withTransaction/);
    expect(await store.collection('a').count()).toBe(0);
    await expect(store.withTransaction(async () => store.withTransaction(async () => 1))).rejects.toThrow(/nested/);
  });

  it('rejects use of a transaction handle after the transaction finished', async () => {
    const store = open();
    let leaked: ReturnType<typeof store.collection> | undefined;
    await store.withTransaction(async (tx) => {
      leaked = tx.collection('a');
    });
    await expect(leaked?.get('x')).rejects.toThrow(/finished/);
  });

  it('streams findAll across several internal batches', async () => {
    const store = open();
    await store.ensureIndexes('many', [{ keys: { group: 1 } }]);
    const many = store.collection('many');
    await store.withTransaction(async (tx) => {
      for (let i = 0; i < 1234; i++) {
        await tx.collection('many').replace(`m${String(i).padStart(4, '0')}`, { i, group: i % 3 });
      }
    });

    const seen: number[] = [];
    for await (const doc of many.findAll({ group: 1 }, { i: -1 })) seen.push(doc.i as number);
    const expected = Array.from({ length: 1234 }, (_, i) => 1233 - i).filter((i) => i % 3 === 1);
    expect(seen).toEqual(expected);
  });

  it('keeps MongoDB semantics on indexed fields that hold mixed types', async () => {
    const store = open();
    await store.ensureIndexes('mixed', [{ keys: { v: 1 } }]);
    const mixed = store.collection('mixed');
    const values: unknown[] = [3, '3', true, false, null, undefined, -1, 'abc', 2.5];
    for (const [i, v] of values.entries()) await mixed.replace(`x${i}`, v === undefined ? {} : { v });

    const ids = async (filter: Record<string, unknown>, sort?: Record<string, 1 | -1>): Promise<string[]> =>
      (await mixed.find(filter, { sort })).items.map((doc) => doc._id);

    expect(await ids({}, { v: 1 })).toEqual(['x4', 'x5', 'x6', 'x8', 'x0', 'x1', 'x7', 'x3', 'x2']);
    expect(await ids({ v: { $gte: 0 } }, { v: 1 })).toEqual(['x8', 'x0']);
    expect(await ids({ v: { $lt: 'b' } }, { v: 1 })).toEqual(['x1', 'x7']);
    expect(await ids({ v: true })).toEqual(['x2']);
    expect(await ids({ v: { $in: [false, 3] } })).toEqual(['x0', 'x3']);
    expect(await ids({ v: { $gt: false } })).toEqual(['x2']);
    expect(await mixed.count({ v: { $gt: 1 } })).toBe(2);
    expect(await mixed.count({ v: null })).toBe(2);
    expect(await mixed.count({ v: { $gt: 'a' } })).toBe(1);
    expect(await mixed.count({ v: { $lte: 3 } })).toBe(3);

    // Paging through the mixed order visits every document once.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await mixed.find({}, { sort: { v: -1 }, limit: 2, cursor });
      seen.push(...page.items.map((doc) => doc._id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(['x2', 'x3', 'x7', 'x1', 'x0', 'x8', 'x6', 'x4', 'x5']);
  });

  it('rejects invalid limits, sorts and index specs', async () => {
    const store = open();
    const c = store.collection('c');
    await expect(c.find({}, { limit: 0 })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(c.find({}, { sort: { a: 2 as 1 } })).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(store.ensureIndexes('c', [{ keys: {} }])).rejects.toBeInstanceOf(InvalidQueryError);
    await expect(c.update('x', { $set: { a: 1 } }, { position: 'ten' })).rejects.toBeInstanceOf(InvalidQueryError);
  });

  it('rejects operations after close', async () => {
    const store = new EmbeddedReadStore({ filename: freshFile() });
    await store.close();
    await expect(store.collection('a').get('x')).rejects.toThrow(/closed/);
    await expect(store.ping()).rejects.toThrow(/closed/);
    await store.close();
  });
});
