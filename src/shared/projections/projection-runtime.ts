import type { Position, RecordedEvent } from '../event-store/event-store.port';
import { START } from '../event-store/event-store.port';
import type { ReadStoreTransaction } from '../read-store/read-store.port';
import { AsyncMutex } from './async-mutex';
import type { EventBatchPump } from './event-batch-pump';
import type { ProjectionDefinition } from './projection';
import { errorMessage, PROJECTIONS_META_COLLECTION, type ProjectionMetaDocument, storedPosition } from './projection-meta';
import type { SharedSubscription } from './shared-log-reader';

/* The in-memory state of the projection runner: per projection, per rebuild, per loop. */

export type WorkerTarget = 'active' | 'rebuild';

/** In-memory state of one projection. */
export class ProjectionRuntime {
  loaded = false;
  /** Version and generation readers read, and that generation's committed checkpoint. */
  version = 0;
  generation = 0;
  position: Position = START;
  /** The active generation was built by another version of the code: it is read but not updated. */
  frozen = false;
  failing = false;
  rebuild: RebuildRun | undefined;
  activeWorker: Worker | undefined;
  rebuildWorker: Worker | undefined;
  readonly waiters = new Set<() => void>();
  readonly commitLock = new AsyncMutex();

  constructor(readonly definition: ProjectionDefinition) {}

  adopt(meta: ProjectionMetaDocument): void {
    const stored = storedPosition(meta.position);
    // While the active loop runs, its in-memory checkpoint is authoritative for this generation.
    const keepOwn = this.activeWorker !== undefined && this.generation === meta.generation && this.position > stored;
    if (!keepOwn) this.position = stored;
    this.loaded = true;
    this.version = meta.version;
    this.generation = meta.generation;
    this.frozen = meta.version !== this.definition.version;
    this.notify();
  }

  notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A rebuild under way: which generation it builds and a promise settled at the switch. */
export class RebuildRun {
  readonly switched: Promise<void>;
  private resolve!: () => void;
  private reject!: (error: Error) => void;

  constructor(
    readonly version: number,
    readonly generation: number,
    readonly startPosition: Position,
  ) {
    this.switched = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  complete(): void {
    this.resolve();
  }

  fail(error: Error): void {
    this.reject(error);
  }
}

/** One loop: applies the log to one generation of one projection. */
export class Worker {
  pump: EventBatchPump | undefined;
  subscription: SharedSubscription | undefined;
  stopped = false;
  done: Promise<void> = Promise.resolve();
  private interruptSleep: (() => void) | undefined;

  constructor(
    readonly runtime: ProjectionRuntime,
    public target: WorkerTarget,
    public generation: number,
    /** The committed checkpoint of this loop's generation. */
    public position: Position,
    /** When set, the loop ends once the active generation has reached it (catchUp, CLI). */
    private readonly untilPosition?: Position,
  ) {}

  isFinished(): boolean {
    return this.untilPosition !== undefined && this.target === 'active' && this.position >= this.untilPosition;
  }

  /** Caught up with the log as read (the reader went live) and fewer than `events` left to apply. */
  nearHead(events: number): boolean {
    return this.subscription?.caughtUp === true && (this.pump?.buffered ?? 0) < events;
  }

  advance(position: Position): void {
    if (position > this.position) this.position = position;
    if (this.target === 'active' && this.position > this.runtime.position) {
      this.runtime.position = this.position;
      this.runtime.notify();
    }
  }

  /** Waits, unless or until the loop is stopped. */
  sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.interruptSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interruptSleep = done;
    });
  }

  /** Ends the loop after its in-flight batch; resolves when it has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.interruptSleep?.();
    await this.pump?.stop();
    await this.done;
  }
}

/** A handler threw while applying `event`. */
export class HandlerError extends Error {
  constructor(
    readonly event: RecordedEvent,
    override readonly cause: unknown,
  ) {
    super(errorMessage(cause));
    this.name = 'HandlerError';
  }
}

/** The stored state says this loop no longer owns its generation (switched or replaced elsewhere). */
export class SupersededError extends Error {
  constructor() {
    super('The projection generation was switched or replaced');
    this.name = 'SupersededError';
  }
}

/** Abandons a batch whose handlers query collections whose indexes were deferred: they are built, then the batch runs again. */
export class IndexesWantedSignal extends Error {
  constructor() {
    super('Indexes wanted before a query');
    this.name = 'IndexesWantedSignal';
  }
}

export function wantIndexes(): never {
  throw new IndexesWantedSignal();
}

/** Unwinds a loop that was stopped in the middle of retrying an event. */
export class StoppedSignal extends Error {
  constructor() {
    super('Projection loop stopped');
    this.name = 'StoppedSignal';
  }
}

/** The meta document, after checking (inside the transaction) that this loop still owns its generation. */
export async function ownedMeta(tx: ReadStoreTransaction, worker: Worker): Promise<ProjectionMetaDocument> {
  const meta = await tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get(worker.runtime.definition.name);
  const owned =
    meta !== null &&
    (worker.target === 'active'
      ? meta.generation === worker.generation && meta.version === worker.runtime.definition.version
      : meta.rebuild?.generation === worker.generation);
  if (!owned) throw new SupersededError();
  return meta;
}
