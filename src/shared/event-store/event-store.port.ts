/**
 * The event store port. Two adapters implement it: SQLite (embedded, default) and
 * EventStoreDB (production). Both are held to one contract suite (test/contracts/event-store.contract.ts).
 *
 * Semantics follow EventStoreDB so that the embedded store is a faithful stand-in:
 * - stream revisions are 0-based; a stream that does not exist has no revision;
 * - the global order is total and every event has a position, a bigint that is unique per event
 *   and strictly increasing in global order (the projection runner compares and stores it);
 * - appending event ids that the stream already has (same batch, same expectation) stores nothing new.
 */

/** What the writer expects the stream's current revision to be. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export const ANY: ExpectedRevision = 'any';
export const NO_STREAM: ExpectedRevision = 'no_stream';
export const STREAM_EXISTS: ExpectedRevision = 'stream_exists';

/** A global position in the log: unique per event, strictly increasing in global order, opaque (see position.ts). */
import type { Position } from './position';
export * from './position';

export interface EventMetadata {
  /** Who caused the change (authenticated subject, importer name, "system:scheduler", ...). */
  actor: string;
  /** Shared by every event caused by one request. */
  correlationId: string;
  /** The id of the command (or event) that caused this one. */
  causationId: string;
  /** When it happened in the world (ISO 8601); may be earlier than recordedAt (e.g. imported purchases). */
  occurredAt: string;
  /** When the store recorded it (ISO 8601, from the injected clock at append time). */
  recordedAt: string;
  /** The version of the event's data schema, for upcasting. */
  schemaVersion: number;
  /** Room for later needs (e.g. tamper-evidence hashes), kept verbatim by the adapters. */
  [extra: string]: unknown;
}

/** An event as the application hands it to the store. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  /** uuid; deterministic when derived from an Idempotency-Key. */
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  /**
   * The event serialised already by a layer above (the hash chain, which hashes exactly these
   * bytes): JSON.stringify(data ?? null) and JSON.stringify(metadata). An adapter stores them as
   * they are instead of serialising again; one that ignores them writes the same bytes anyway.
   */
  stored?: SerialisedEvent;
}

/** The JSON text an adapter writes for an event's data and metadata. */
export interface SerialisedEvent {
  data: string;
  metadata: string;
}

/** An event as read back from the store. */
export interface RecordedEvent<Type extends string = string, Data = unknown> extends NewEvent<Type, Data> {
  streamName: string;
  /** 0-based revision of this event within its stream. */
  revision: bigint;
  /** Global position. */
  position: Position;
}

export interface AppendOptions {
  expectedRevision?: ExpectedRevision; // default 'any'
}

export interface AppendResult {
  /** The revision of the last event now in the stream (after the append). */
  nextExpectedRevision: bigint;
  /** The global position of the last appended event. */
  position: Position;
}

export interface ReadStreamOptions {
  /** Inclusive. Default: 0 forwards, the last event backwards. */
  fromRevision?: bigint;
  /** Inclusive. Default: no bound. */
  toRevision?: bigint;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Default START. */
  fromPosition?: Position;
  limit?: number;
  direction?: 'forwards' | 'backwards';
}

export interface SubscribeOptions {
  /** Exclusive: deliver events strictly after this position. Default START. */
  fromPosition?: Position;
  /** Only these event types (omitted: all). Filtering is an optimisation; handlers must still ignore others. */
  eventTypes?: string[];
}

/**
 * A subscription to all events: catches up from its position, then goes live, in global order,
 * never skipping an event. Iterate it; stop() ends the iteration.
 */
export interface AllSubscription extends AsyncIterable<RecordedEvent> {
  stop(): Promise<void>;
}

export interface EventStore {
  appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Events of one stream; an unknown stream reads as empty (no error). */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of all streams in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeOptions): AllSubscription;
  /** The position of the last event in the log, or START when empty. */
  headPosition(): Promise<Position>;
  /** Reachability check for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** An adapter that commits appends in groups (the embedded store) says how many; others have none. */
  commitCounts?(): CommitCounts | undefined;
}

/** Transactions an adapter committed appends in, and the appends they held. */
export interface CommitCounts {
  groups: number;
  appends: number;
}

/** Raised when the stream's actual revision does not match the expectation. */
export class WrongExpectedRevisionError extends Error {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual revision, or 'no_stream'. */
    readonly actual: bigint | 'no_stream',
  ) {
    super(`Stream ${streamName}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** Injection token for the EventStore port. */
export const EVENT_STORE = Symbol('EVENT_STORE');
