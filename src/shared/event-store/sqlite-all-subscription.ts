import type { AllSubscription, Position, RecordedEvent } from './event-store.port';

/** What a subscription needs from its store; kept narrow so the subscription holds no SQL. */
export interface SubscriptionSource {
  head(): Position;
  /** Events with after < position <= upTo (of the given types when typesJson is set), ascending. */
  readWindow(after: Position, upTo: Position, limit: number, typesJson: string | undefined): RecordedEvent[];
  /** Registers a callback run after every append through this store; returns the unregistering function. */
  listen(listener: () => void): () => void;
  forget(subscription: SqliteAllSubscription): void;
}

/**
 * Catch-up then live subscription over the events table.
 *
 * Why reading by position never skips an event: SQLite serialises writers. An append holds the
 * database write lock from BEGIN IMMEDIATE to COMMIT, and its positions are assigned inside that
 * lock as max(position)+1, so a transaction that gets higher positions starts only after every
 * transaction with lower positions has committed (or rolled back, freeing its positions). A
 * reader's snapshot (WAL) contains a committed transaction entirely or not at all, and snapshots
 * only move forward. Hence once the subscription sees the head at position h, every position
 * <= h is committed and visible to its later reads: it can read (last, h] and advance to h
 * without ever missing a lower position that commits later. It never reads a position twice
 * because every read starts strictly after the last position it covered.
 *
 * Reads are bounded by the head seen just before: with an event type filter the subscription can
 * then advance past non-matching events without re-scanning them on every wake-up.
 */
export class SqliteAllSubscription implements AllSubscription, AsyncIterator<RecordedEvent> {
  private covered: Position;
  private readonly typesJson: string | undefined;
  private buffer: RecordedEvent[] = [];
  private bufferIndex = 0;
  private stopped = false;
  /** Ends the current wait early (append, poll, stop). */
  private wake: (() => void) | undefined;
  /** next() calls run one after another even if a caller does not await each one. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    fromPosition: Position,
    eventTypes: string[] | undefined,
    private readonly pageSize: number,
    private readonly pollIntervalMs: number,
    private readonly source: SubscriptionSource,
  ) {
    this.covered = fromPosition;
    this.typesJson = eventTypes === undefined ? undefined : JSON.stringify(eventTypes);
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    const result = this.queue.then(() => this.nextInOrder());
    this.queue = result.catch(() => undefined);
    return result;
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.stop();
    return { done: true, value: undefined };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.buffer = [];
    this.wake?.();
    this.source.forget(this);
  }

  private async nextInOrder(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.stopped) return { done: true, value: undefined };
      if (this.bufferIndex < this.buffer.length) {
        const value = this.buffer[this.bufferIndex];
        this.bufferIndex += 1;
        return { done: false, value };
      }
      if (!this.fillBuffer()) await this.waitForAppend();
    }
  }

  /** Reads the next page; false when the subscription has covered the whole log. */
  private fillBuffer(): boolean {
    const head = this.source.head();
    if (head <= this.covered) return false;
    const page = this.source.readWindow(this.covered, head, this.pageSize, this.typesJson);
    this.buffer = page;
    this.bufferIndex = 0;
    // A short page means everything up to head was read (filtered events included).
    this.covered = page.length === this.pageSize ? page[page.length - 1].position : head;
    return true;
  }

  /** Resolves on the next append through this store, after the poll interval, or on stop(). */
  private waitForAppend(): Promise<void> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unlisten();
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      const unlisten = this.source.listen(done);
      this.wake = done;
    });
  }
}
