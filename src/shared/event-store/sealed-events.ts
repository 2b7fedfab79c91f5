import type { EventStore, RecordedEvent } from './event-store.port';

/**
 * The log as stored, with some fields sealed (personal data encrypted per data subject), and a way
 * to open one event on demand. A reader that never looks at the sealed fields (most projections)
 * reads the stored form and costs no key lookup and no decryption; one that does opens the events
 * it uses. Opening an event gives what the store's own reads give (erased values included).
 */
export interface SealedEventSource {
  /** The same log, each event as stored: sealed fields as they are. */
  readonly sealed: EventStore;
  /** The event with its sealed fields opened; an event with none comes back as it is. */
  open(event: RecordedEvent): Promise<RecordedEvent>;
}

/** An event store that can hand out its sealed source (privacy/encrypting-event-store.ts). */
export interface SealsEvents {
  sealedEvents(): SealedEventSource;
}

/** The store's sealed source, when it seals fields; undefined for a store whose reads are the stored form. */
export function sealedSourceOf(store: EventStore): SealedEventSource | undefined {
  const sealing = store as EventStore & Partial<SealsEvents>;
  return typeof sealing.sealedEvents === 'function' ? sealing.sealedEvents() : undefined;
}
