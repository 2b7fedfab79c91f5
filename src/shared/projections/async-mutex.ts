/**
 * A promise-based mutual exclusion lock: callers of run() execute one after another, in call order.
 * Not re-entrant: calling run() from inside run() on the same mutex deadlocks.
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();

  async run<R>(fn: () => Promise<R>): Promise<R> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
