import type { TransactionBudget } from './transaction-retry';

/**
 * The read store port: collections of JSON documents queried with MongoDB syntax.
 * Two adapters: embedded (SQLite file in the data dir) and MongoDB (official driver),
 * both held to one contract suite (test/contracts/read-store.contract.ts).
 *
 * Documents are plain JSON (strings, finite numbers, booleans, null, arrays, objects).
 * Dates are stored as ISO 8601 strings so both adapters sort and compare them the same way.
 * Every document has a string `_id`.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Document {
  _id: string;
  [field: string]: unknown;
}

/**
 * A MongoDB query filter. Supported everywhere: equality (including on dotted paths and
 * "array contains" for array fields), $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists,
 * $regex (+ $options 'i'), $and, $or, $nor, $not, $size, $elemMatch (on arrays of objects).
 */
export type Filter = Record<string, unknown>;

/**
 * An update: either operators ($set, $unset, $inc, $mul, $min, $max, $push (with $each, $slice),
 * $addToSet (with $each), $pull, $setOnInsert) or, without any operator key, a full replacement.
 */
export type Update = Record<string, unknown>;

export type SortSpec = Record<string, 1 | -1>;

export interface IndexSpec {
  /** Fields of the index, in order. Indexed fields must hold scalars (not arrays) in the embedded adapter. */
  keys: Record<string, 1 | -1>;
  unique?: boolean;
  name?: string;
}

export interface FindOptions {
  /** Default { _id: 1 }. `_id` is always appended as the final tie-breaker so cursors are stable. */
  sort?: SortSpec;
  /** Page size; default 50, at most 1000. */
  limit?: number;
  /** Opaque cursor from a previous page's nextCursor. */
  cursor?: string;
  /**
   * Top-level fields left out of the returned documents, so large fields a list does not need are
   * neither read nor parsed. They must not be `_id`, a sort field or a field the filter names.
   */
  exclude?: readonly string[];
}

export interface Page<T> {
  items: T[];
  /** Present when more documents may follow; pass it back as `cursor`. */
  nextCursor: string | null;
}

export interface UpdateOptions {
  /** Insert when no document has this id (with $setOnInsert applied). */
  upsert?: boolean;
  /**
   * Per-document last-position guard for projections: the update applies only when the stored
   * document's `_position` is absent or lower than this value, and then stores it as `_position`.
   * A redelivered event therefore changes nothing. Positions are decimal strings of bigints,
   * compared numerically.
   */
  position?: string;
}

export interface Collection<T extends Document = Document> {
  readonly name: string;
  get(id: string): Promise<T | null>;
  find(filter?: Filter, options?: FindOptions): Promise<Page<T>>;
  /** Every matching document, in sort order, streamed; for exports and rebuild checks. */
  findAll(filter?: Filter, sort?: SortSpec): AsyncIterable<T>;
  count(filter?: Filter): Promise<number>;
  /** Returns true when a document was updated or inserted (false: no match, or skipped by the position guard). */
  update(id: string, update: Update, options?: UpdateOptions): Promise<boolean>;
  /** Inserts or fully replaces the document with this id. */
  replace(id: string, doc: Omit<T, '_id'> & { _id?: string }, options?: { position?: string }): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  deleteMany(filter: Filter): Promise<number>;
}

/** A unit of work: everything done through it commits or rolls back together. */
export interface ReadStoreTransaction {
  collection<T extends Document = Document>(name: string): Collection<T>;
}

export interface ReadStore {
  collection<T extends Document = Document>(name: string): Collection<T>;
  /** Creates the indexes if missing (idempotent). */
  ensureIndexes(collection: string, indexes: IndexSpec[]): Promise<void>;
  dropCollection(name: string): Promise<void>;
  listCollections(): Promise<string[]>;
  /**
   * Runs fn in one transaction (embedded: one SQLite transaction; MongoDB: a session transaction).
   * Transactions are serialised per store instance in the embedded adapter. Reads through the
   * transaction see its own writes.
   */
  withTransaction<R>(fn: (tx: ReadStoreTransaction) => Promise<R>): Promise<R>;
  /** Bounds a caller should keep each transaction within (MongoDB); absent: none (embedded). */
  readonly transactionBudget?: TransactionBudget;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Raised on a unique index violation. */
export class DuplicateKeyError extends Error {
  readonly code = 'DUPLICATE_KEY';
  constructor(
    readonly collection: string,
    readonly key: string,
  ) {
    super(`Duplicate key in ${collection}: ${key}`);
    this.name = 'DuplicateKeyError';
  }
}

/** Raised when a filter, update or cursor is malformed. */
export class InvalidQueryError extends Error {
  readonly code = 'INVALID_QUERY';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidQueryError';
  }
}

/** Injection token for the ReadStore port. */
export const READ_STORE = Symbol('READ_STORE');
