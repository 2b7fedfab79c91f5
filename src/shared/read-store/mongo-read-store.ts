import { excludedFields } from './excluded-fields';
import {
  MongoClient,
  MongoServerError,
  type ClientSession,
  type Collection as MongoCollection,
  type Db,
  type Document as BsonDocument,
  type MongoClientOptions,
  type UpdateResult,
} from 'mongodb';
import { normalizeSort, resolvePageSize } from './cursor';
import { OperationQueue } from './operation-queue';
import type { TransactionBudget } from './transaction-retry';
import {
  DEFAULT_DB_NAME,
  HIDDEN_FIELDS_PROJECTION,
  andFilters,
  assertFilterValues,
  assertValidCollectionName,
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
  translateMongoError,
  type ExistingIndex,
} from './mongo-query-helpers';
import type {
  Collection,
  Document,
  Filter,
  FindOptions,
  IndexSpec,
  Page,
  ReadStore,
  ReadStoreTransaction,
  SortSpec,
  Update,
  UpdateOptions,
} from './read-store.port';

export interface MongoReadStoreOptions {
  /** Database to use; default: the database in the URL path, else 'relata'. */
  dbName?: string;
  /** Extra driver options (timeouts, TLS...). */
  clientOptions?: MongoClientOptions;
}

/**
 * Well inside the server's 60 s transaction lifetime and the driver's 120 s retry window: at 1 ms
 * per operation (a round trip each, on a nearby replica set), 1,000 operations take about a second,
 * so a retried transaction still has room. A batch of 500 customer-value events (about 80
 * operations each) is cut into transactions of about a dozen events. See docs/operators-production-stores.md.
 */
export const MONGO_TRANSACTION_BUDGET: TransactionBudget = { operations: 1000, milliseconds: 5000 };

const NAMESPACE_NOT_FOUND = 26;
const NAMESPACE_EXISTS = 48;

function hasCode(error: unknown, code: number): boolean {
  return error instanceof MongoServerError && Number(error.code) === code;
}

/** How documents look to the driver: string ids (never ObjectId), any other fields. */
type StoredDocument = BsonDocument & { _id: string };

/**
 * The read store port on MongoDB (official driver). Collections are MongoDB collections,
 * documents keep their string `_id`, and filters/updates are passed through: the port's query
 * language is MongoDB's, so the server validates them (malformed ones become InvalidQueryError).
 *
 * Projection position guard: `_position` is stored as given (a decimal string, as in the
 * embedded adapter) plus an internal `_positionKey`, the same number zero-padded to 20 digits,
 * which the guard compares as a string (see positionKey in mongo-query-helpers.ts).
 * `_positionKey` is never returned.
 *
 * Writes store values as the embedded adapter's JSON does (Dates as ISO strings); filters with
 * Date values are rejected, as there.
 *
 * Transactions need a replica set (a single-node one is enough).
 */
export class MongoReadStore implements ReadStore {
  /** See MONGO_TRANSACTION_BUDGET. */
  readonly transactionBudget: TransactionBudget = MONGO_TRANSACTION_BUDGET;

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {}

  static async connect(url: string, options: MongoReadStoreOptions = {}): Promise<MongoReadStore> {
    const dbName = options.dbName ?? databaseNameFromUrl(url) ?? DEFAULT_DB_NAME;
    const client = new MongoClient(url, options.clientOptions);
    try {
      await client.connect();
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
    return MongoReadStore.fromClient(client, dbName);
  }

  /** A store on an already connected client, which it then owns (close() closes it). */
  static fromClient(client: MongoClient, dbName: string = DEFAULT_DB_NAME): MongoReadStore {
    return new MongoReadStore(client, client.db(dbName));
  }

  get databaseName(): string {
    return this.db.databaseName;
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    return new MongoCollectionAdapter<T>(this.db, name, undefined);
  }

  async ensureIndexes(collection: string, indexes: IndexSpec[]): Promise<void> {
    assertValidCollectionName(collection, this.db.databaseName);
    const coll = this.db.collection(collection);
    try {
      let existing: ExistingIndex[];
      try {
        existing = (await coll.listIndexes().toArray()) as ExistingIndex[];
      } catch (error) {
        if (!hasCode(error, NAMESPACE_NOT_FOUND)) throw error;
        // the collection exists (and is listed) once its indexes are ensured, as in the embedded store
        await this.db.createCollection(collection).catch((createError: unknown) => {
          if (!hasCode(createError, NAMESPACE_EXISTS)) throw createError;
        });
        existing = [];
      }
      const toCreate = planIndexes(indexes, existing);
      if (toCreate.length > 0) await coll.createIndexes(toCreate);
    } catch (error) {
      throw translateMongoError(error, collection);
    }
  }

  async dropCollection(name: string): Promise<void> {
    assertValidCollectionName(name, this.db.databaseName);
    try {
      await this.db.dropCollection(name);
    } catch (error) {
      if (hasCode(error, NAMESPACE_NOT_FOUND)) return;
      throw translateMongoError(error, name);
    }
  }

  async listCollections(): Promise<string[]> {
    const infos = await this.db.listCollections({}, { nameOnly: true }).toArray();
    return infos
      .filter((info) => (info.type === undefined || info.type === 'collection') && !info.name.startsWith('system.'))
      .map((info) => info.name)
      .sort();
  }

  async withTransaction<R>(fn: (tx: ReadStoreTransaction) => Promise<R>): Promise<R> {
    const session = this.client.startSession();
    try {
      // The driver retries the whole callback on transient errors (write conflicts), so fn may
      // run more than once; everything it does through tx is rolled back between attempts.
      return await session.withTransaction(
        async () => {
          const queue = new OperationQueue();
          try {
            return await fn({
              collection: <T extends Document = Document>(name: string) => new MongoCollectionAdapter<T>(this.db, name, { session, queue }),
            });
          } finally {
            // Nothing of this attempt may still be running when the driver commits, aborts or retries.
            await queue.close();
          }
        },
        { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } },
      );
    } finally {
      await session.endSession();
    }
  }

  async ping(): Promise<void> {
    await this.db.admin().command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

interface TransactionBinding {
  session: ClientSession;
  queue: OperationQueue;
}

/** One collection, optionally bound to a transaction (every operation then carries its session). */
class MongoCollectionAdapter<T extends Document> implements Collection<T> {
  private readonly coll: MongoCollection<StoredDocument>;
  private readonly session: ClientSession | undefined;

  constructor(
    db: Db,
    readonly name: string,
    private readonly transaction: TransactionBinding | undefined,
  ) {
    assertValidCollectionName(name, db.databaseName);
    this.coll = db.collection<StoredDocument>(name);
    this.session = transaction?.session;
  }

  get(id: string): Promise<T | null> {
    return this.run(async () => {
      const doc = await this.coll.findOne({ _id: id }, { projection: HIDDEN_FIELDS_PROJECTION, session: this.session });
      return doc as unknown as T | null;
    });
  }

  find(filter: Filter = {}, options: FindOptions = {}): Promise<Page<T>> {
    return this.run(async () => {
      const sort = normalizeSort(options.sort);
      const limit = resolvePageSize(options.limit);
      const after = options.cursor === undefined ? null : keysetFilter(sort, decodeCursor(options.cursor, sort));
      const query = andFilters(assertFilterValues(filter), after);
      const projection = {
        ...HIDDEN_FIELDS_PROJECTION,
        ...Object.fromEntries(excludedFields(options.exclude, filter, options.sort).map((field) => [field, 0])),
      };
      // one extra document tells whether another page follows
      const docs = await this.coll.find(query, { sort: new Map(sort), limit: limit + 1, projection, session: this.session }).toArray();
      const items = docs.slice(0, limit) as unknown as T[];
      const nextCursor = docs.length > limit ? encodeCursor(sort, items[items.length - 1]) : null;
      return { items, nextCursor };
    });
  }

  async *findAll(filter: Filter = {}, sort?: SortSpec): AsyncIterable<T> {
    const cursor = this.coll.find(assertFilterValues(filter), {
      sort: new Map(normalizeSort(sort)),
      projection: HIDDEN_FIELDS_PROJECTION,
      session: this.session,
    });
    try {
      // one document at a time through run(): in a transaction each fetch waits its turn
      for (;;) {
        const doc = await this.run(() => cursor.next());
        if (doc === null) return;
        yield doc as unknown as T;
      }
    } finally {
      await this.run(() => cursor.close());
    }
  }

  count(filter: Filter = {}): Promise<number> {
    return this.run(() => this.coll.countDocuments(assertFilterValues(filter), { session: this.session }));
  }

  update(id: string, update: Update, options: UpdateOptions = {}): Promise<boolean> {
    return this.run(() => {
      if (options.position !== undefined) positionKey(options.position);
      if (isOperatorUpdate(update)) {
        return this.writeOne(id, prepareOperatorUpdate(update, options.position), 'update', options);
      }
      return this.writeOne(id, prepareReplacement(id, update, options.position), 'replace', options);
    });
  }

  replace(id: string, doc: Omit<T, '_id'> & { _id?: string }, options: { position?: string } = {}): Promise<boolean> {
    return this.run(() => {
      const replacement = prepareReplacement(id, doc as Record<string, unknown>, options.position);
      return this.writeOne(id, replacement, 'replace', { upsert: true, position: options.position });
    });
  }

  delete(id: string): Promise<boolean> {
    return this.run(async () => (await this.coll.deleteOne({ _id: id }, { session: this.session })).deletedCount > 0);
  }

  deleteMany(filter: Filter): Promise<number> {
    return this.run(async () => (await this.coll.deleteMany(assertFilterValues(filter), { session: this.session })).deletedCount);
  }

  /**
   * Writes one document by id. With a position the write is guarded; a guarded upsert is done
   * in steps instead of relying on the duplicate key error an upsert hits when the document
   * exists with a newer position: inside a transaction that error aborts the transaction.
   */
  private async writeOne(id: string, write: BsonDocument, kind: 'update' | 'replace', options: UpdateOptions): Promise<boolean> {
    const upsert = options.upsert ?? false;
    const exec = (filter: BsonDocument, withUpsert: boolean): Promise<UpdateResult> =>
      kind === 'update'
        ? this.coll.updateOne(filter, write, { upsert: withUpsert, session: this.session })
        : this.coll.replaceOne(filter, write, { upsert: withUpsert, session: this.session });
    const written = (result: UpdateResult): boolean => result.matchedCount > 0 || result.upsertedCount > 0;

    if (options.position === undefined) return written(await exec({ _id: id }, upsert));

    const guarded = { _id: id, ...positionGuardFilter(options.position) };
    if (written(await exec(guarded, false))) return true;
    if (!upsert) return false;
    // not written: either the document is newer (skip) or it does not exist yet (insert)
    const existing = await this.coll.findOne({ _id: id }, { projection: { _id: 1 }, session: this.session });
    if (existing !== null) return false;
    try {
      return written(await exec(guarded, true));
    } catch (error) {
      // Outside a transaction another writer may have inserted it meanwhile: apply the guard to
      // that document instead. Inside one, a concurrent insert surfaces as a retried write conflict.
      if (this.session === undefined && isDuplicateIdError(error)) return written(await exec(guarded, false));
      throw error;
    }
  }

  /** Runs one operation (serialised when in a transaction) and translates driver errors. */
  private run<R>(operation: () => Promise<R>): Promise<R> {
    const translated = async (): Promise<R> => {
      try {
        return await operation();
      } catch (error) {
        throw translateMongoError(error, this.name);
      }
    };
    return this.transaction === undefined ? translated() : this.transaction.queue.run(translated);
  }
}
