import { performance } from 'node:perf_hooks';
import {
  type AllSubscription,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  WrongExpectedRevisionError,
} from './event-store.port';

export type AppendOutcome = 'ok' | 'conflict' | 'error';

/** Told how long each append took (operations/metrics.ts turns it into a histogram). */
export interface AppendObserver {
  appendObserved(seconds: number, outcome: AppendOutcome, events: number): void;
}

/** Injection token of the optional AppendObserver the kernel's event store reports to. */
export const APPEND_OBSERVER = Symbol('APPEND_OBSERVER');

/** Times every append of the store it wraps; everything else passes straight through. */
export class MeteredEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly observer: AppendObserver,
  ) {}

  async appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    const started = performance.now();
    let outcome: AppendOutcome = 'error';
    try {
      const result = await this.inner.appendToStream(streamName, events, options);
      outcome = 'ok';
      return result;
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) outcome = 'conflict';
      throw error;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      // Measuring must never change the append's outcome.
      try {
        this.observer.appendObserved(seconds, outcome, events.length);
      } catch {
        /* a failing observer is ignored */
      }
    }
  }

  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(streamName, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  subscribeToAll(options?: SubscribeOptions): AllSubscription {
    return this.inner.subscribeToAll(options);
  }

  headPosition(): Promise<Position> {
    return this.inner.headPosition();
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
