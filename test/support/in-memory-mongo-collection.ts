import { type Collection, type Db, type Document, MongoServerError } from 'mongodb';

type Filter = Record<string, unknown>;
type Hook = () => Promise<void>;

/**
 * Just enough of a MongoDB collection, with the server's semantics, for code that uses findOne,
 * insertOne and updateOne (upsert, $set, $setOnInsert) with equality and $ne filters:
 * - `{ field: null }` matches a null value or a missing field; `{ field: { $ne: null } }` neither;
 * - an upsert that matches nothing inserts the filter's equality fields plus $set and $setOnInsert;
 * - an insert (or upsert) of an existing _id fails with E11000 (code 11000), as the unique _id index does;
 * - modifiedCount counts a matched document only when a value actually changed.
 * Anything else throws, so a test never passes on semantics the fake made up.
 *
 * `afterNext(operation, hook)` runs `hook` once, right after the next such call has taken effect
 * and before it answers: the way to interleave another writer between two writes.
 */
export class InMemoryMongoCollection {
  private readonly docs = new Map<unknown, Document>();
  private readonly hooks: Array<{ operation: string; hook: Hook }> = [];

  afterNext(operation: 'findOne' | 'insertOne' | 'updateOne', hook: Hook): void {
    this.hooks.push({ operation, hook });
  }

  /** A Db whose every collection is this one (for stores built with fromDb). */
  asDb(): Db {
    return { collection: () => this as unknown as Collection } as unknown as Db;
  }

  async findOne(filter: Filter): Promise<Document | null> {
    const found = this.find(filter);
    await this.after('findOne');
    return found === undefined ? null : { ...found };
  }

  async insertOne(doc: Document): Promise<{ acknowledged: true; insertedId: unknown }> {
    this.insert({ ...doc });
    await this.after('insertOne');
    return { acknowledged: true, insertedId: doc._id };
  }

  async updateOne(
    filter: Filter,
    update: { $set?: Document; $setOnInsert?: Document },
    options: { upsert?: boolean } = {},
  ): Promise<{ acknowledged: true; matchedCount: number; modifiedCount: number; upsertedCount: number }> {
    for (const operator of Object.keys(update)) {
      if (operator !== '$set' && operator !== '$setOnInsert') throw new Error(`InMemoryMongoCollection: ${operator} is not supported`);
    }
    const found = this.find(filter);
    let result = { acknowledged: true as const, matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    if (found !== undefined) {
      const changed = Object.entries(update.$set ?? {}).some(([field, value]) => !sameValue(found[field], value));
      Object.assign(found, update.$set);
      result = { ...result, matchedCount: 1, modifiedCount: changed ? 1 : 0 };
    } else if (options.upsert === true) {
      const equalities = Object.fromEntries(Object.entries(filter).filter(([, condition]) => !isOperatorObject(condition)));
      this.insert({ ...equalities, ...update.$set, ...update.$setOnInsert });
      result = { ...result, upsertedCount: 1 };
    }
    await this.after('updateOne');
    return result;
  }

  private find(filter: Filter): Document | undefined {
    for (const doc of this.docs.values()) {
      if (Object.entries(filter).every(([field, condition]) => matches(doc[field], condition))) return doc;
    }
    return undefined;
  }

  private insert(doc: Document): void {
    if (this.docs.has(doc._id)) {
      throw new MongoServerError({
        code: 11000,
        message: `E11000 duplicate key error collection: index: _id_ dup key: { _id: "${String(doc._id)}" }`,
      });
    }
    this.docs.set(doc._id, doc);
  }

  private async after(operation: string): Promise<void> {
    const index = this.hooks.findIndex((entry) => entry.operation === operation);
    if (index < 0) return;
    const [{ hook }] = this.hooks.splice(index, 1);
    await hook();
  }
}

function isOperatorObject(condition: unknown): condition is Record<string, unknown> {
  return typeof condition === 'object' && condition !== null && Object.keys(condition).some((key) => key.startsWith('$'));
}

function matches(value: unknown, condition: unknown): boolean {
  if (!isOperatorObject(condition)) return condition === null ? value === null || value === undefined : sameValue(value, condition);
  return Object.entries(condition).every(([operator, operand]) => {
    if (operator === '$ne') return !matches(value, operand);
    throw new Error(`InMemoryMongoCollection: ${operator} is not supported`);
  });
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
