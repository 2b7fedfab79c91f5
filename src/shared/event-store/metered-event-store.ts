import { performance } from 'node:perf_hooks';
import { type AppendOptions, type AppendResult, type EventStore, type NewEvent, WrongExpectedRevisionError } from './event-store.port';
import { ForwardingEventStore } from './forwarding-event-store';
import { type SealedEventSource, sealedSourceOf, type SealsEvents } from './sealed-events';

export type AppendOutcome = 'ok' | 'conflict' | 'error';

/** Told how long each append took (operations/metrics.ts turns it into a histogram). */
export interface AppendObserver {
  appendObserved(seconds: number, outcome: AppendOutcome, events: number): void;
}

/** Injection token of the optional AppendObserver the kernel's event store reports to. */
export const APPEND_OBSERVER = Symbol('APPEND_OBSERVER');

/** Times every append of the store it wraps; everything else passes straight through. */
export class MeteredEventStore extends ForwardingEventStore implements SealsEvents {
  constructor(
    inner: EventStore,
    private readonly observer: AppendObserver,
  ) {
    super(inner);
  }

  /** Reads are not metered: the inner store's sealed source (or, when it seals nothing, the inner store itself). */
  sealedEvents(): SealedEventSource {
    return sealedSourceOf(this.inner) ?? { sealed: this.inner, open: (event) => Promise.resolve(event) };
  }

  override async appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
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
}
