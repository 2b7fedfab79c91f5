/** Serialisation of the embedded read store's writes and transactions within one process. */

export class TransactionState {
  active = true;

  assertActive(): void {
    if (!this.active) throw new Error('the read-store transaction has already finished');
  }
}

/** A FIFO async lock; synchronous work runs at once when the lock is free. */
export class Mutex {
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  async acquire(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }

  async run<R>(fn: () => R): Promise<R> {
    // Synchronous work cannot interleave with anything, so it needs no hand-off when the lock is free.
    if (!this.locked) return fn();
    await this.acquire();
    try {
      return fn();
    } finally {
      this.release();
    }
  }
}
