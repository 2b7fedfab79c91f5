/**
 * Runs async tasks with bounded concurrency, one key at a time: tasks pushed with the same key
 * run one after another in push order (the commands of one customer must not race for its
 * stream), tasks of different keys run in parallel, up to `concurrency` keys at once.
 *
 * A busy key holds its slot while it works through its queue; waiting keys take no slot. push()
 * waits while `maxPending` tasks are queued or running, so a fast reader cannot fill memory.
 * The first task that throws stops the queue: tasks not yet started are dropped, and push() and
 * drain() reject with that error once the running ones have finished.
 */
export class KeyedWorkQueue {
  private readonly lanes = new Map<string, (() => Promise<void>)[]>();
  /** Keys with queued tasks and no slot yet, oldest first. */
  private ready: string[] = [];
  private running = 0;
  private pending = 0;
  private failure: { error: unknown } | null = null;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxPending = Math.max(1, concurrency) * 64,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new Error(`Concurrency must be a whole number of at least 1, got ${concurrency}`);
  }

  /** Queues a task behind earlier tasks of its key; resolves once it is queued (there is room). */
  async push(key: string, task: () => Promise<void>): Promise<void> {
    while (this.pending >= this.maxPending && this.failure === null) await this.nextChange();
    this.throwIfFailed();
    this.pending += 1;
    const lane = this.lanes.get(key);
    if (lane) {
      lane.push(task);
      return;
    }
    this.lanes.set(key, [task]);
    this.ready.push(key);
    this.pump();
  }

  /** Resolves once every queued task has run; rejects with the first task error. */
  async drain(): Promise<void> {
    while (this.pending > 0 || this.running > 0) await this.nextChange();
    this.throwIfFailed();
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.pending;
  }

  private pump(): void {
    if (this.failure !== null) {
      for (const key of this.ready) this.dropLane(key);
      this.ready = [];
      return;
    }
    while (this.running < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      this.running += 1;
      void this.runLane(key);
    }
  }

  private async runLane(key: string): Promise<void> {
    const lane = this.lanes.get(key) as (() => Promise<void>)[];
    while (lane.length > 0 && this.failure === null) {
      const task = lane.shift() as () => Promise<void>;
      try {
        await task();
      } catch (error) {
        this.failure ??= { error };
      }
      this.pending -= 1;
      this.wake();
    }
    // No await between the empty check and the delete: a push cannot slip in between.
    this.dropLane(key);
    this.running -= 1;
    this.pump();
    this.wake();
  }

  private dropLane(key: string): void {
    const lane = this.lanes.get(key);
    if (!lane) return;
    this.pending -= lane.length;
    this.lanes.delete(key);
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure.error;
  }

  private nextChange(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
