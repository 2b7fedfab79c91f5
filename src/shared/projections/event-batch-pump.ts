import type { AllSubscription, RecordedEvent } from '../event-store/event-store.port';

/**
 * Reads a subscription ahead into a bounded buffer so the consumer can take batches of whatever
 * has already arrived, without blocking on the next event to fill a batch.
 *
 * While catching up, a subscription delivers a page of events through a chain of microtasks;
 * take() waits for at least one event, then yields once to the macrotask queue (setImmediate) so
 * the rest of that page lands in the buffer before the batch is cut. When live, a batch is simply
 * what has arrived since the last one.
 */
export class EventBatchPump {
  private buffer: RecordedEvent[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private stopping: Promise<void> | undefined;
  private readonly reading: Promise<void>;
  /** Wakes a consumer waiting for events (or for the end). */
  private dataArrived: (() => void) | undefined;
  /** Wakes the reader waiting for room in the buffer (or for stop). */
  private roomFreed: (() => void) | undefined;

  constructor(
    private readonly subscription: AllSubscription,
    private readonly highWaterMark: number,
  ) {
    this.reading = this.read();
  }

  /** Events read ahead and not yet taken. */
  get buffered(): number {
    return this.buffer.length;
  }

  /**
   * Up to `max` events, at least one; null once the subscription has ended (stopped).
   * Rethrows the subscription's error, if it failed.
   */
  async take(max: number): Promise<RecordedEvent[] | null> {
    while (this.buffer.length === 0) {
      if (this.failure !== undefined) throw this.failure.error;
      if (this.ended) return null;
      await new Promise<void>((resolve) => {
        this.dataArrived = resolve;
      });
    }
    if (this.buffer.length < max && !this.ended) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const batch = this.buffer.splice(0, max);
    this.wakeReader();
    return batch;
  }

  /** Stops the subscription and waits for the read-ahead loop to end; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.ended = true;
      this.wakeReader();
      await this.subscription.stop();
      await this.reading;
      this.buffer = [];
    })();
    return this.stopping;
  }

  private async read(): Promise<void> {
    try {
      for await (const event of this.subscription) {
        if (this.ended) break;
        this.buffer.push(event);
        this.wakeConsumer();
        while (this.buffer.length >= this.highWaterMark && !this.ended) {
          await new Promise<void>((resolve) => {
            this.roomFreed = resolve;
          });
        }
        if (this.ended) break;
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.ended = true;
      this.wakeConsumer();
    }
  }

  private wakeConsumer(): void {
    const wake = this.dataArrived;
    this.dataArrived = undefined;
    wake?.();
  }

  private wakeReader(): void {
    const wake = this.roomFreed;
    this.roomFreed = undefined;
    wake?.();
  }
}
