import { MongoError } from 'mongodb';
import type { Collection, Document, IndexSpec, ReadStore, ReadStoreTransaction } from '../../src/shared/read-store/read-store.port';
import type { TransactionBudget } from '../../src/shared/read-store/transaction-retry';

/**
 * A read store (the embedded one inside) whose withTransaction follows the MongoDB driver's rule
 * for the callback's errors (ClientSession.withTransaction, step 7): a MongoError labelled
 * TransientTransactionError rolls the attempt back and runs the callback again; anything else is
 * rolled back and thrown as is. Records the transactions that committed. For specifications of
 * what the projection runner does on MongoDB, where no server can run.
 */
export class DriverRulesReadStore implements ReadStore {
  /** Transactions committed, and attempts rerun on a transient error. */
  committed = 0;
  retried = 0;

  constructor(
    private readonly inner: ReadStore,
    readonly transactionBudget?: TransactionBudget,
  ) {}

  async withTransaction<R>(fn: (tx: ReadStoreTransaction) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.inner.withTransaction(fn);
        this.committed += 1;
        return result;
      } catch (error) {
        // The driver gives up after 120 s; a specification never needs that many attempts.
        if (!(error instanceof MongoError && error.hasErrorLabel('TransientTransactionError')) || attempt >= 50) throw error;
        this.retried += 1;
      }
    }
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    return this.inner.collection<T>(name);
  }

  ensureIndexes(collection: string, indexes: IndexSpec[]): Promise<void> {
    return this.inner.ensureIndexes(collection, indexes);
  }

  dropCollection(name: string): Promise<void> {
    return this.inner.dropCollection(name);
  }

  listCollections(): Promise<string[]> {
    return this.inner.listCollections();
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
