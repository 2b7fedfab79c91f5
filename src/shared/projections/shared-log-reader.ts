import type { AllSubscription, EventStore, Position, RecordedEvent } from '../event-store/event-store.port';
import { type SealedEventSource, sealedSourceOf } from '../event-store/sealed-events';

export interface SharedLogReaderOptions {
  /** Events per shared page. Default 1000. */
  pageSize?: number;
  /** Pages kept for loops that follow behind. Default 8. */
  maxPages?: number;
}

/**
 * Subscriptions for the projection loops that share the catch-up reading of the log: each loop
 * catches up through pages read once for all loops that start from the same place, e.g. every
 * projection of a rebuild or of a first start, instead of each loop reading the whole log itself.
 * Once a loop has read everything there is, it continues on an ordinary subscription of the store
 * from where it stopped (live events, never skipping one).
 *
 * A store that seals personal fields (sealed-events.ts) is read as stored: open() decrypts an event
 * when a loop needs it in the clear, once however many loops ask.
 *
 * Pages are keyed by the position they start after; loops at other positions simply read their own
 * pages. Events handed to several loops are the same objects: handlers must not modify them.
 */
export class SharedLogReader {
  private readonly pageSize: number;
  private readonly maxPages: number;
  /** Pages by the position they start after, oldest first (insertion order). */
  private readonly pages = new Map<Position, Promise<RecordedEvent[]>>();
  /** The log as stored, and how to open its sealed fields (undefined: nothing is sealed). */
  private readonly store: EventStore;
  private readonly sealing: SealedEventSource | undefined;
  /** Recently opened events by position (oldest first), so loops reading their own pages or live share them too. */
  private readonly opened = new Map<Position, Promise<RecordedEvent>>();
  private readonly maxOpened: number;

  constructor(store: EventStore, options: SharedLogReaderOptions = {}) {
    this.sealing = sealedSourceOf(store);
    this.store = this.sealing?.sealed ?? store;
    this.pageSize = Math.max(1, options.pageSize ?? 1000);
    this.maxPages = Math.max(1, options.maxPages ?? 8);
    this.maxOpened = this.pageSize * this.maxPages;
  }

  /** The log as this reader reads it (sealed fields as stored): for counting and positions, not for handlers. */
  get log(): EventStore {
    return this.store;
  }

  /**
   * The event with its sealed fields opened (decrypted, or erased), once for every loop that asks
   * while it is among the last pageSize x maxPages events opened.
   */
  open(event: RecordedEvent): Promise<RecordedEvent> {
    if (this.sealing === undefined) return Promise.resolve(event);
    const { position } = event;
    const kept = this.opened.get(position);
    if (kept !== undefined) return kept;
    const opened = this.sealing.open(event);
    this.opened.set(position, opened);
    // A failure (a key store down) is not kept: the next attempt opens it again.
    opened.catch(() => {
      if (this.opened.get(position) === opened) this.opened.delete(position);
    });
    while (this.opened.size > this.maxOpened) this.opened.delete(this.opened.keys().next().value as Position);
    return opened;
  }

  /** All events after fromPosition, in order: catching up on shared pages, then live. */
  subscribe(fromPosition: Position): SharedSubscription {
    return new SharedSubscription(this, fromPosition);
  }

  /** The page of events after `after` (at most pageSize), read once for every loop asking for it. */
  page(after: Position): Promise<RecordedEvent[]> {
    let page = this.pages.get(after);
    if (page === undefined) {
      page = this.store.readAll({ fromPosition: after, limit: this.pageSize });
      this.pages.set(after, page);
      // A failed read is not kept: the next loop asking reads again.
      page.catch(() => this.pages.delete(after));
      while (this.pages.size > this.maxPages) this.pages.delete(this.pages.keys().next().value as Position);
    }
    return page;
  }

  /** A short page means the head was reached when it was read: the page is dropped so later readers see new events. */
  settle(after: Position, page: RecordedEvent[]): void {
    if (page.length < this.pageSize && this.pages.get(after) !== undefined) this.pages.delete(after);
  }

  /**
   * Drops every kept page and every opened event. Opened events hold personal data decrypted
   * before a subject's key was deleted (erasure.ts): a rebuild must open them again, or it would
   * copy their data back in. (Pages of a store that seals nothing hold its reads as they were.)
   */
  clear(): void {
    this.pages.clear();
    this.opened.clear();
  }

  live(fromPosition: Position): AllSubscription {
    return this.store.subscribeToAll({ fromPosition });
  }

  get fullPage(): number {
    return this.pageSize;
  }
}

export class SharedSubscription implements AllSubscription {
  private stopped = false;
  private live = false;
  private inner: AllSubscription | undefined;

  constructor(
    private readonly reader: SharedLogReader,
    private readonly fromPosition: Position,
  ) {}

  /** True once catching up has read the whole log (a short page): what follows arrives live. */
  get caughtUp(): boolean {
    return this.live;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.inner?.stop();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    let position = this.fromPosition;
    // Catching up: shared pages until one comes back short (the head at the time of reading).
    for (;;) {
      if (this.stopped) return;
      const page = await this.reader.page(position);
      this.reader.settle(position, page);
      for (const event of page) {
        if (this.stopped) return;
        yield event;
        position = event.position;
      }
      if (page.length < this.reader.fullPage) break;
    }
    this.live = true;
    if (this.stopped) return;
    // Live: the store's own subscription from the last event delivered.
    this.inner = this.reader.live(position);
    for await (const event of this.inner) {
      if (this.stopped) return;
      yield event;
    }
  }
}
