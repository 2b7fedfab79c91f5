import type { Clock } from '../clock';
import { AsyncMutex } from '../projections/async-mutex';
import type { Collection, Document, Filter } from '../read-store/read-store.port';

/**
 * The seam for running several instances: a timer must be the single active consumer of its work
 * list, so a deployment with more than one process plugs a lease in here (held by one process at a
 * time). The default lets every tick run.
 */
export interface TimerLease {
  shouldRun(): Promise<boolean>;
}

/** How a timer reaches its read model (ReadModels and ProjectionRunner both fit). */
export interface TimerReadModels {
  collection<T extends Document>(projection: string, logical: string): Collection<T>;
}

export interface DurableTimerOptions {
  /** Longest pause between ticks; the timer wakes earlier when the next item is due sooner. Default 1000. */
  pollIntervalMs?: number;
  /** Items read per page of the due list. Default 100. */
  batchSize?: number;
  lease?: TimerLease;
}

/** What a feature's scheduler gives the timer: its work list and how to fire one item of it. */
export interface DurableTimerWork<T extends Document> {
  /** The work list: a durable read model whose pending items carry their due time in `dueField`. */
  items(): Collection<T>;
  dueField: string;
  /** The items due at `nowIso` (the projection's filter, which its index serves). */
  dueFilter(nowIso: string): Filter;
  /** When an item fires (epoch ms): the timer wakes then rather than at the next poll. */
  firesAt(item: T): number;
  /** Fires one item; true when it appended events. May throw: the timer logs and retries on the next tick. */
  fire(item: T, nowIso: string): Promise<boolean>;
  /** The log line for a failed item: ids and error names only, no personal data. */
  failed(item: T, error: unknown): string;
  /** Names the timer in its log lines ("SLA", "Follow-up"). */
  label: string;
  logger: { error(message: string): void };
}

const ALWAYS: TimerLease = { shouldRun: () => Promise.resolve(true) };

/**
 * Fires the items of a durable work list on time and exactly once, with what the work list's owner
 * adds (an idempotency key per item and due time, a decider that decides nothing for a stale item):
 *
 * - the work list is a read model, so after a restart the first tick finds whatever fell due while
 *   the process was down;
 * - ticks run one at a time (from the timer or a direct `tick()`), under the lease when one is set;
 * - between ticks the timer sleeps until the next item is due, at most the poll interval.
 */
export class DurableTimer<T extends Document> {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly lease: TimerLease;
  /** One tick at a time, whether from the timer or a direct call. */
  private readonly mutex = new AsyncMutex();
  private running = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly work: DurableTimerWork<T>,
    private readonly clock: Clock,
    options: DurableTimerOptions = {},
  ) {
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 1000);
    this.batchSize = Math.max(1, options.batchSize ?? 100);
    this.lease = options.lease ?? ALWAYS;
  }

  /** Ticks at once (items that fell due while the process was down fire now), then keeps ticking. */
  start(): void {
    if (this.running) return;
    this.running = true;
    // Called directly, not from a timer: the first tick takes the lock now, so a tick() asked for
    // after start() runs after it.
    void this.loop();
  }

  /** Stops the timer and waits for a tick in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.mutex.run(() => Promise.resolve());
  }

  /**
   * Fires every pending item due by now; resolves with how many fired (appended events).
   * A call while a tick is running waits for it, then ticks again.
   */
  tick(): Promise<number> {
    return this.mutex.run(() => this.runTick());
  }

  private async runTick(): Promise<number> {
    if (!(await this.lease.shouldRun())) return 0;
    const nowIso = this.clock.now().toISOString();
    const items = this.work.items();
    let fired = 0;
    let cursor: string | undefined;
    do {
      const page = await items.find(this.work.dueFilter(nowIso), { sort: { [this.work.dueField]: 1 }, limit: this.batchSize, cursor });
      for (const item of page.items) if (await this.fire(item)) fired += 1;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return fired;
  }

  /** Fires one item; errors are logged, not thrown (the item stays pending for the next tick). */
  private async fire(item: T): Promise<boolean> {
    try {
      return await this.work.fire(item, this.clock.now().toISOString());
    } catch (error) {
      this.work.logger.error(this.work.failed(item, error));
      return false;
    }
  }

  private schedule(delayMs: number): void {
    // After a quick stop() and start(), the earlier loop may still end here: keep one timer chain.
    if (!this.running || this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.loop(), delayMs);
    // The timer alone must not keep the process alive.
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    this.timer = undefined;
    let delay = this.pollIntervalMs;
    // Under the lock, so that stop() also waits for the look-ahead query (the stores close next).
    await this.mutex.run(async () => {
      if (!this.running) return;
      try {
        await this.runTick();
        delay = await this.untilNextItem();
      } catch (error) {
        this.work.logger.error(`${this.work.label} tick failed (${error instanceof Error ? error.name : 'Error'}); retrying`);
      }
    });
    this.schedule(delay);
  }

  /** The pause before the next tick: the poll interval, or less when an item falls due sooner. */
  private async untilNextItem(): Promise<number> {
    const now = this.clock.now().getTime();
    const field = this.work.dueField;
    const next = await this.work
      .items()
      .find({ status: 'pending', [field]: { $gt: new Date(now).toISOString() } }, { sort: { [field]: 1 }, limit: 1 });
    const item = next.items[0];
    if (item === undefined) return this.pollIntervalMs;
    return Math.min(this.pollIntervalMs, Math.max(0, this.work.firesAt(item) - now));
  }
}
