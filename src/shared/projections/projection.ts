import type { RecordedEvent } from '../event-store/event-store.port';
import type { Collection, Document, IndexSpec } from '../read-store/read-store.port';

/**
 * A projection definition. The runner (projection-runner.ts) owns all I/O: it subscribes to all
 * events from the projection's checkpoint, calls `handle` for the event types listed, and commits
 * the read-model changes together with the checkpoint in one read-store transaction.
 *
 * Raising `version` makes the runner rebuild the projection from the start into fresh
 * collections and switch readers over once it has caught up.
 */
export interface ProjectionDefinition {
  name: string;
  version: number;
  /**
   * Event types this projection handles; others are skipped (but still advance the checkpoint).
   * EVERY_EVENT_TYPE ('*') handles every event, whatever its type (e.g. an index of the whole log).
   */
  eventTypes: readonly string[];
  /** Logical collection names with their indexes. Physical names carry a generation suffix. */
  collections: Readonly<Record<string, { indexes?: IndexSpec[] }>>;
  /**
   * Applies one event. Use only ctx for reads and writes: the runner folds a whole batch of
   * events into the documents they touch in memory (batch-fold.ts) and writes each once with the
   * batch's checkpoint; every write is guarded by the event's position, so redelivery changes
   * nothing. Write each document at most once per event (the guard skips a second write with the
   * same position). Queries (find, count, findAll) see the batch's earlier writes.
   */
  handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void>;
  /**
   * Whether `handle` reads fields declared personal (*.personal-data.ts) of the events it handles.
   * False: it is handed the events as stored, personal fields still encrypted, and costs no key
   * lookup or decryption; declare it only after checking every field the handler reads. True, or
   * left out: the events it handles are decrypted first (personal fields of forgotten subjects
   * read as erased).
   */
  needsPlaintext?: boolean;
  /**
   * True for a projection that copies personal data it cannot erase in place: after a subject's
   * key is deleted it is rebuilt (its events then read as erased) before the erasure completes.
   */
  rebuildOnErasure?: boolean;
}

export interface ProjectionContext {
  /** A logical collection of this projection, bound to the running transaction and position guard. */
  collection<T extends Document = Document>(logicalName: string): Collection<T>;
}

/** What GET /projections shows for each projection. */
export interface ProjectionStatus {
  name: string;
  version: number;
  generation: number;
  /** Last processed position (decimal string), or null before the first event. */
  position: string | null;
  /** Events in the log after position. */
  lagEvents: number;
  /** Seconds between now and the recordedAt of the oldest unprocessed event (0 when caught up). */
  lagSeconds: number;
  state: 'catching-up' | 'live' | 'rebuilding' | 'stopped' | 'failed';
  /** When a rebuild into a new generation is under way. */
  rebuild?: { generation: number; position: string | null };
  parked: ParkedEvent[];
}

export interface ParkedEvent {
  projection: string;
  eventId: string;
  eventType: string;
  streamName: string;
  position: string;
  error: string;
  attempts: number;
  parkedAt: string;
}

/** In `eventTypes`: the projection handles every event of the log. */
export const EVERY_EVENT_TYPE = '*';

/** Injection token for the list of ProjectionDefinition registered by feature modules. */
export const PROJECTIONS = Symbol('PROJECTIONS');
