import type {
  AllSubscription,
  AppendResult,
  EventStore,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../shared/event-store/event-store.port';
import type { Collection, Document, IndexSpec, ReadStore, ReadStoreTransaction } from '../shared/read-store/read-store.port';
import type { TransactionBudget } from '../shared/read-store/transaction-retry';

/**
 * The read store seen through a name prefix: a projection runner given this store builds its
 * collections, checkpoints and parked events under `<prefix>...`, next to the live ones and
 * without touching them (projections:verify builds its scratch copies this way).
 */
export class PrefixedReadStore implements ReadStore {
  constructor(
    private readonly inner: ReadStore,
    readonly prefix: string,
  ) {}

  collection<T extends Document = Document>(name: string): Collection<T> {
    return this.inner.collection<T>(this.prefix + name);
  }

  ensureIndexes(collection: string, indexes: IndexSpec[]): Promise<void> {
    return this.inner.ensureIndexes(this.prefix + collection, indexes);
  }

  dropCollection(name: string): Promise<void> {
    return this.inner.dropCollection(this.prefix + name);
  }

  async listCollections(): Promise<string[]> {
    const names = await this.inner.listCollections();
    return names.filter((name) => name.startsWith(this.prefix)).map((name) => name.slice(this.prefix.length));
  }

  get transactionBudget(): TransactionBudget | undefined {
    return this.inner.transactionBudget;
  }

  withTransaction<R>(fn: (tx: ReadStoreTransaction) => Promise<R>): Promise<R> {
    return this.inner.withTransaction((tx) =>
      fn({ collection: <T extends Document = Document>(name: string) => tx.collection<T>(this.prefix + name) }),
    );
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  /** The inner store belongs to the caller. */
  async close(): Promise<void> {}
}

/**
 * The log as it was up to a position (inclusive), read-only: a projection runner given this store
 * builds a read model to exactly that position, to be compared with a live one checkpointed there.
 */
export class EventStoreUpTo implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly upTo: Position,
  ) {}

  async appendToStream(streamName: string): Promise<AppendResult> {
    throw new Error(`The log up to ${this.upTo} is read-only (append to ${streamName} refused)`);
  }

  async readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readStream(streamName, options)).filter((event) => event.position <= this.upTo);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readAll(options)).filter((event) => event.position <= this.upTo);
  }

  subscribeToAll(options?: SubscribeOptions): AllSubscription {
    return new SubscriptionUpTo(this.inner.subscribeToAll(options), this.upTo);
  }

  async headPosition(): Promise<Position> {
    const head = await this.inner.headPosition();
    return head < this.upTo ? head : this.upTo;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  /** The inner store belongs to the caller. */
  async close(): Promise<void> {}
}

class SubscriptionUpTo implements AllSubscription {
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly inner: AllSubscription,
    private readonly upTo: Position,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    for await (const event of this.inner) {
      if (event.position > this.upTo) break;
      yield event;
    }
    // Past the bound it waits for stop() instead of ending: a runner takes an ended subscription for a lost one.
    if (!this.stopped) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.inner.stop();
  }
}
