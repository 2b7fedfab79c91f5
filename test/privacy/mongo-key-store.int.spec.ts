import { randomBytes, randomUUID } from 'node:crypto';
import { Binary, MongoClient, MongoServerError } from 'mongodb';
import { ManualClock } from '../../src/shared/clock';
import { KeyWrapping } from '../../src/shared/privacy/key-wrapping';
import {
  isDuplicateKeyError,
  KEY_WRITE_CONCERN,
  KEYS_COLLECTION,
  lookupFromDocument,
  MongoKeyStore,
  newKeyDocument,
} from '../../src/shared/privacy/mongo-key-store';
import { InMemoryMongoCollection } from '../support/in-memory-mongo-collection';
import { keyStoreContract } from './key-store.contract';
import { describeWithEnv } from '../support/skips';

const clock = new ManualClock('2026-03-10T12:00:00.000Z');

describe('MongoKeyStore documents (no server needed)', () => {
  const wrapping = new KeyWrapping(null);

  it('a new key document holds the sealed key as binary, with no tombstone', () => {
    const key = randomBytes(32);
    const doc = newKeyDocument('c-1', wrapping.seal('c-1', key), '2026-03-10T12:00:00.000Z');
    expect(doc).toEqual({ _id: 'c-1', key: expect.any(Binary), createdAt: '2026-03-10T12:00:00.000Z', forgottenAt: null });
    expect(lookupFromDocument('c-1', doc, wrapping)).toEqual({ state: 'active', key });
  });

  it('reads a missing document as missing and a null key as forgotten', () => {
    expect(lookupFromDocument('c-1', null, wrapping)).toEqual({ state: 'missing' });
    expect(lookupFromDocument('c-1', { _id: 'c-1', key: null, createdAt: 'x', forgottenAt: '2026-03-11T00:00:00.000Z' }, wrapping)).toEqual(
      {
        state: 'forgotten',
        forgottenAt: '2026-03-11T00:00:00.000Z',
      },
    );
  });

  it('writes keys durably and recognises a duplicate _id', () => {
    expect(KEY_WRITE_CONCERN).toEqual({ w: 'majority', journal: true });
    expect(isDuplicateKeyError(new MongoServerError({ code: 11000, message: 'E11000 duplicate key' }))).toBe(true);
    expect(isDuplicateKeyError(new MongoServerError({ code: 2, message: 'bad value' }))).toBe(false);
    expect(isDuplicateKeyError(new Error('E11000'))).toBe(false);
  });
});

describe("MongoKeyStore.delete racing a getOrCreate (in-memory collection with the server's semantics)", () => {
  it('given no key, when a key is created between the two writes of delete, then delete erases that key', async () => {
    const keys = new InMemoryMongoCollection();
    const forgetting = MongoKeyStore.fromDb(keys.asDb(), { clock });
    const registering = MongoKeyStore.fromDb(keys.asDb(), { clock });
    // delete's first write (erase an existing key) matches nothing; the other writer creates the key right after it.
    keys.afterNext('updateOne', async () => {
      await registering.getOrCreate('c-1');
    });

    expect(await forgetting.delete('c-1')).toBe(true);
    expect(await forgetting.get('c-1')).toEqual({ state: 'forgotten', forgottenAt: '2026-03-10T12:00:00.000Z' });
    await expect(registering.getOrCreate('c-1')).rejects.toMatchObject({ code: 'SUBJECT_FORGOTTEN' });
  });

  it('given no key, when delete runs alone, then it leaves a tombstone and reports no key deleted; a second delete too', async () => {
    const keys = new InMemoryMongoCollection();
    const store = MongoKeyStore.fromDb(keys.asDb(), { clock });
    expect(await store.delete('c-2')).toBe(false);
    expect(await store.get('c-2')).toEqual({ state: 'forgotten', forgottenAt: '2026-03-10T12:00:00.000Z' });
    expect(await store.delete('c-2')).toBe(false);
    await expect(store.getOrCreate('c-2')).rejects.toMatchObject({ code: 'SUBJECT_FORGOTTEN' });
  });

  it('given a key, when it is deleted, then the key is erased and delete says so', async () => {
    const keys = new InMemoryMongoCollection();
    const store = MongoKeyStore.fromDb(keys.asDb(), { clock });
    await store.getOrCreate('c-3');
    expect(await store.delete('c-3')).toBe(true);
    expect(await store.get('c-3')).toMatchObject({ state: 'forgotten' });
  });
});

/** Against a real server (MONGODB_URL); reported as skipped without it. */
const mongoUrl = process.env.MONGODB_URL;
const describeIfMongo = describeWithEnv('MONGODB_URL', 'no MongoDB server to test against');

keyStoreContract(
  'mongodb',
  async () => {
    if (mongoUrl === undefined) throw new Error('MONGODB_URL is not set');
    const dbName = `relata_keys_${randomUUID().slice(0, 8)}`;
    const store = MongoKeyStore.create(mongoUrl, dbName, { clock });
    return {
      store,
      teardown: async () => {
        await store.close();
        const client = await MongoClient.connect(mongoUrl);
        await client.db(dbName).dropDatabase();
        await client.close();
      },
    };
  },
  { describeFn: describeIfMongo },
);

describeIfMongo('MongoKeyStore on a server', () => {
  it('keeps keys in privacy_keys and deletes the key bytes from the document', async () => {
    if (mongoUrl === undefined) throw new Error('MONGODB_URL is not set');
    const client = await MongoClient.connect(mongoUrl);
    const db = client.db(`relata_keys_${randomUUID().slice(0, 8)}`);
    try {
      const store = MongoKeyStore.fromDb(db, { clock });
      const key = await store.getOrCreate('c-1');
      const stored = await db.collection(KEYS_COLLECTION).findOne({ _id: 'c-1' as never });
      expect(Buffer.from((stored?.key as Binary).value()).includes(key)).toBe(true);
      await store.delete('c-1');
      expect(await db.collection(KEYS_COLLECTION).findOne({ _id: 'c-1' as never })).toMatchObject({
        key: null,
        forgottenAt: '2026-03-10T12:00:00.000Z',
      });
    } finally {
      await db.dropDatabase();
      await client.close();
    }
  });
});
