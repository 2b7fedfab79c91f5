import type { EventStore, Position } from '../event-store/event-store.port';
import { laterOf, parsePosition, START } from '../event-store/event-store.port';
import type { Clock } from '../clock';
import type { Document, ReadStore } from '../read-store/read-store.port';
import type { TransactionBudget } from '../read-store/transaction-retry';
import type { ParkedEvent, ProjectionDefinition, ProjectionStatus } from './projection';

/*
 * What the projection runner's parts share (projection-runner.ts: lifecycle and readers;
 * projection-worker.ts: the loops and their commits; projection-generations.ts: rebuilds, indexes,
 * switches and drops): the stored meta and parked documents, their names, the options.
 */

/** One document per projection: its active generation, checkpoint and any rebuild under way. */
export const PROJECTIONS_META_COLLECTION = '_projections';
/** Events a projection could not apply (its handler kept throwing), skipped so it could go on. */
export const PARKED_EVENTS_COLLECTION = '_parked';

/** status() counts unprocessed events up to this many (counting means reading them). */
export const LAG_EVENTS_CAP = 10_000;

/**
 * A generation built from the first event of a log at least this long gets its indexes once it has
 * caught up, not before: one index build at the end costs a fraction of maintaining every index on
 * every write of the catch-up (the biggest share of a rebuild's cost in the embedded read store).
 */
export const DEFER_INDEXES_MIN_EVENTS = 10_000;

/**
 * How long a generation replaced by a rebuild is kept after the switch: readers that still hold
 * its collections (a request under way, a process that has not looked at the meta document since)
 * keep reading it until then. Longer than any request and than the followers' polling interval.
 */
export const RETAIN_REPLACED_GENERATION_MS = 60_000;

/** The physical name of a projection's logical collection in one generation. */
export function physicalCollectionName(projection: string, logical: string, generation: number): string {
  return `${projection}.${logical}__g${generation}`;
}

export interface RebuildMeta {
  /** The definition version the new generation is built with. */
  version: number;
  generation: number;
  /** Checkpoint of the generation under construction (decimal bigint), null before its first event. */
  position: string | null;
}

/** A generation replaced by a rebuild, kept until readers have moved on (RETAIN_REPLACED_GENERATION_MS). */
export interface RetiredGeneration {
  generation: number;
  replacedAt: string;
}

export interface ProjectionMetaDocument extends Document {
  /** The definition version that built the active generation. */
  version: number;
  /** The generation readers read. */
  generation: number;
  /** Checkpoint of the active generation (decimal bigint), null before its first event. */
  position: string | null;
  state: ProjectionStatus['state'];
  rebuild?: RebuildMeta;
  /** Replaced generations whose collections are still kept for readers. */
  retired?: RetiredGeneration[];
  /** Set by another process (the rebuild CLI) to have the running process rebuild the projection. */
  rebuildRequested?: { requestedAt: string; by: string };
  updatedAt: string;
}

export interface ParkedEventDocument extends Document, ParkedEvent {
  /** The generation that could not apply the event; parkings of replaced generations are removed. */
  generation: number;
}

export interface ProjectionRunnerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ProjectionRunnerOptions {
  eventStore: EventStore;
  readStore: ReadStore;
  clock: Clock;
  projections: ProjectionDefinition[];
  /** Most events applied in one read-store transaction. Default 500. */
  batchSize?: number;
  /** A generation built from the first event of a log longer than this gets its indexes once caught up. Default DEFER_INDEXES_MIN_EVENTS. */
  deferIndexesMinEvents?: number;
  /** Times an event's handler may throw before the event is parked. Default 3. */
  maxAttempts?: number;
  /** How long a replaced generation is kept after a switch. Default RETAIN_REPLACED_GENERATION_MS. */
  retainReplacedMs?: number;
  /** How often a started runner looks for rebuild requests and replaced generations to drop. Default 1000 ms. */
  housekeepingMs?: number;
  /** Pause between attempts of a failing event. Default 100 ms. */
  retryDelayMs?: number;
  /** How often waitForPosition re-reads the stored checkpoint (another process may advance it). Default 50 ms. */
  checkpointPollMs?: number;
  /** Ends a batch's transaction early once it has done this much. Default: the read store's, else none. */
  transactionBudget?: TransactionBudget;
  logger?: ProjectionRunnerLogger;
  /** Told after each committed batch how many documents it wrote for how many events (measurements). */
  onBatchWritten?: (documents: number, events: number) => void;
}

export function assertLogicalCollection(definition: ProjectionDefinition, logical: string): void {
  if (!Object.prototype.hasOwnProperty.call(definition.collections, logical)) {
    throw new Error(`Projection ${definition.name} declares no collection named ${logical}`);
  }
}

export function maxPosition(stored: string | null, candidate: Position): Position {
  return laterOf(storedPosition(stored), candidate);
}

/** A checkpoint as stored in a meta document (null: before the first event). */
export function storedPosition(stored: string | null): Position {
  return stored === null ? START : parsePosition(stored);
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
