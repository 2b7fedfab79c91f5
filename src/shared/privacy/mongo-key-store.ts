import { randomBytes } from 'node:crypto';
import {
  Binary,
  type Collection,
  type Db,
  MongoClient,
  type MongoClientOptions,
  MongoServerError,
  type WriteConcernSettings,
} from 'mongodb';
import type { Clock } from '../clock';
import { DATA_KEY_BYTES, type KeyLookup, type KeyStore, SubjectForgottenError } from './key-store.port';
import { KeyWrapping } from './key-wrapping';

export const KEYS_COLLECTION = 'privacy_keys';

/** One subject's key, or its tombstone (key null, forgottenAt set). */
export interface KeyDocument {
  _id: string;
  key: Binary | null;
  createdAt: string;
  forgottenAt: string | null;
}

export interface MongoKeyStoreOptions {
  clock: Clock;
  /** 32 bytes to wrap data keys with (RELATA_MASTER_KEY); null or absent: stored plain. */
  masterKey?: Buffer | null;
}

/**
 * Keys are written with majority, journaled acknowledgement: a key must survive a failover before
 * the first event encrypted with it is written, or that data would be lost with it.
 */
export const KEY_WRITE_CONCERN: WriteConcernSettings = { w: 'majority', journal: true };

const DUPLICATE_KEY = 11000;

/** The lookup a stored document stands for (pure: unit-tested without a server). */
export function lookupFromDocument(subjectId: string, doc: KeyDocument | null, wrapping: KeyWrapping): KeyLookup {
  if (doc === null) return { state: 'missing' };
  if (doc.key === null) return { state: 'forgotten', forgottenAt: doc.forgottenAt ?? '' };
  return { state: 'active', key: wrapping.open(subjectId, Buffer.from(doc.key.value())) };
}

/** The document of a newly created key (pure). */
export function newKeyDocument(subjectId: string, sealed: Buffer, now: string): KeyDocument {
  return { _id: subjectId, key: new Binary(sealed), createdAt: now, forgottenAt: null };
}

export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof MongoServerError && Number(error.code) === DUPLICATE_KEY;
}

/**
 * The key store on MongoDB (official driver): collection `privacy_keys`, one document per subject
 * with `_id` = subject id, so the unique `_id` index settles concurrent creations.
 *
 * Deleting sets `key` to null and keeps the document as a tombstone. MongoDB may keep the old
 * bytes for a while in places this code cannot reach: the replica set oplog (until it rolls
 * over), WiredTiger's free space and journal, and backups. With RELATA_MASTER_KEY only wrapped
 * keys ever reach MongoDB; see README "Privacy" for what that does and does not change.
 */
export class MongoKeyStore implements KeyStore {
  private readonly keys: Collection<KeyDocument>;
  private readonly wrapping: KeyWrapping;

  private constructor(
    db: Db,
    private readonly clock: Clock,
    masterKey: Buffer | null,
    /** Closed by close() when this store opened it. */
    private readonly ownClient: MongoClient | null,
  ) {
    this.keys = db.collection<KeyDocument>(KEYS_COLLECTION);
    this.wrapping = new KeyWrapping(masterKey);
  }

  /**
   * A store with its own client. The driver connects on the first operation, so this does not
   * wait for the server (the kernel builds its stores synchronously).
   */
  static create(url: string, dbName: string, options: MongoKeyStoreOptions & { clientOptions?: MongoClientOptions }): MongoKeyStore {
    const client = new MongoClient(url, options.clientOptions);
    return new MongoKeyStore(client.db(dbName), options.clock, options.masterKey ?? null, client);
  }

  /** A store on a database whose client the caller owns. */
  static fromDb(db: Db, options: MongoKeyStoreOptions): MongoKeyStore {
    return new MongoKeyStore(db, options.clock, options.masterKey ?? null, null);
  }

  async getOrCreate(subjectId: string): Promise<Buffer> {
    const found = await this.get(subjectId);
    if (found.state === 'active') return found.key;
    if (found.state === 'forgotten') throw new SubjectForgottenError(subjectId);
    const doc = newKeyDocument(subjectId, this.wrapping.seal(subjectId, randomBytes(DATA_KEY_BYTES)), this.clock.now().toISOString());
    try {
      await this.keys.insertOne(doc, { writeConcern: KEY_WRITE_CONCERN });
    } catch (error) {
      // Another writer created it first: use theirs.
      if (!isDuplicateKeyError(error)) throw error;
    }
    const stored = await this.get(subjectId);
    if (stored.state === 'active') return stored.key;
    throw new SubjectForgottenError(subjectId);
  }

  async get(subjectId: string): Promise<KeyLookup> {
    return lookupFromDocument(subjectId, await this.keys.findOne({ _id: subjectId }), this.wrapping);
  }

  async delete(subjectId: string): Promise<boolean> {
    const now = this.clock.now().toISOString();
    for (let attempt = 0; ; attempt++) {
      const erased = await this.keys.updateOne(
        { _id: subjectId, key: { $ne: null } },
        { $set: { key: null, forgottenAt: now } },
        { writeConcern: KEY_WRITE_CONCERN },
      );
      if (erased.modifiedCount > 0) return true;
      try {
        // No key (or already a tombstone): make sure a tombstone exists, so that none is ever created.
        // The filter matches only a tombstone (`key: null` also matches no key field): a key that a
        // concurrent getOrCreate inserted since the first write is not matched, so the upsert tries to
        // insert, collides on _id and the loop erases that key. Matching on _id alone would find the
        // new key, $setOnInsert would do nothing, and the key would survive the forget.
        await this.keys.updateOne(
          { _id: subjectId, key: null },
          { $setOnInsert: { createdAt: now, forgottenAt: now } },
          { upsert: true, writeConcern: KEY_WRITE_CONCERN },
        );
        return false;
      } catch (error) {
        // A key was created between the two writes: erase that one.
        if (!isDuplicateKeyError(error) || attempt > 0) throw error;
      }
    }
  }

  async ping(): Promise<void> {
    await this.keys.findOne({ _id: '' }, { projection: { _id: 1 } });
  }

  async close(): Promise<void> {
    await this.ownClient?.close();
  }
}
