import { Logger } from '@nestjs/common';
import type { Clock } from '../clock';
import {
  comparePositions,
  type EventStore,
  laterOf,
  parsePosition,
  type Position,
  type RecordedEvent,
  START,
} from '../event-store/event-store.port';
import type { Collection, Document, ReadStore, ReadStoreTransaction } from '../read-store/read-store.port';
import { isRetryableTransactionError, type TransactionBudget } from '../read-store/transaction-retry';
import { AsyncMutex } from './async-mutex';
import { BatchFold } from './batch-fold';
import { BudgetMeter } from './budget-meter';
import { EventBatchPump } from './event-batch-pump';
import { SharedLogReader, type SharedSubscription } from './shared-log-reader';
import { EVERY_EVENT_TYPE, type ParkedEvent, type ProjectionContext, type ProjectionDefinition, type ProjectionStatus } from './projection';

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

interface ParkedEventDocument extends Document, ParkedEvent {
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

/**
 * Drives every projection: subscribes to the event log from each projection's checkpoint, applies
 * events in batches, and commits the read-model changes together with the checkpoint in one
 * read-store transaction, so each event takes effect exactly once even across crashes and restarts
 * (a redelivered event is also stopped by the per-document position guard).
 *
 * Each projection has its own loop (and a second one while a rebuild is under way), so a slow or
 * failing projection never holds up the others.
 *
 * Loops subscribe to all events, without the eventTypes filter: the checkpoint must move past
 * events a projection does not handle, otherwise waitForPosition() on such an event's position
 * would never return and the lag would count events the projection has nothing to do with. The
 * filter would hide those events from the loop, and the port exposes no "covered up to" position.
 *
 * As a Nest provider: register it with a factory (it takes an options object) and call start()
 * once the application is up; stop() runs on module destroy.
 */
export class ProjectionRunner {
  private readonly eventStore: EventStore;
  /** The loops catch up on pages of the log read once for all of them, decrypted only where a projection needs it. */
  private readonly logReader: SharedLogReader;
  private readonly readStore: ReadStore;
  private readonly clock: Clock;
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  private readonly retainReplacedMs: number;
  private readonly housekeepingMs: number;
  private housekeeping: NodeJS.Timeout | undefined;
  private housekeepingBusy = false;
  private readonly retryDelayMs: number;
  private readonly checkpointPollMs: number;
  private readonly transactionBudget: TransactionBudget | undefined;
  private readonly logger: ProjectionRunnerLogger;
  private readonly writeCounter: ((documents: number, events: number) => void) | undefined;
  private readonly runtimes = new Map<string, ProjectionRuntime>();
  private readonly workers = new Set<Worker>();
  /** "projection#generation" of generations whose indexes wait until they have caught up. */
  private readonly deferredIndexes = new Set<string>();
  private readonly deferIndexesMinEvents: number;
  private logLength: { head: Position; count: number; longer: boolean } | undefined;
  private running = false;
  private stopping: Promise<void> | undefined;

  constructor(options: ProjectionRunnerOptions) {
    this.eventStore = options.eventStore;
    this.logReader = new SharedLogReader(options.eventStore);
    this.deferIndexesMinEvents = Math.max(0, options.deferIndexesMinEvents ?? DEFER_INDEXES_MIN_EVENTS);
    this.readStore = options.readStore;
    this.clock = options.clock;
    this.batchSize = Math.max(1, options.batchSize ?? 500);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.retainReplacedMs = Math.max(0, options.retainReplacedMs ?? RETAIN_REPLACED_GENERATION_MS);
    this.housekeepingMs = Math.max(1, options.housekeepingMs ?? 1000);
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 100);
    this.checkpointPollMs = Math.max(1, options.checkpointPollMs ?? 50);
    this.transactionBudget = options.transactionBudget ?? options.readStore.transactionBudget;
    this.logger = options.logger ?? new Logger('ProjectionRunner');
    this.writeCounter = options.onBatchWritten;
    for (const definition of options.projections) {
      if (this.runtimes.has(definition.name)) {
        throw new Error(`Projection ${definition.name} is registered twice`);
      }
      this.runtimes.set(definition.name, new ProjectionRuntime(definition));
    }
  }

  /** Nest lifecycle hook (when the runner is a provider): graceful shutdown keeps the checkpoints. */
  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  /** Loads every projection's checkpoint, starts (or resumes) rebuilds where needed, and starts the loops. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.stopping;
    this.stopping = undefined;
    for (const runtime of this.runtimes.values()) {
      try {
        const rebuild = await this.prepare(runtime);
        if (!this.running) return;
        if (rebuild !== undefined && runtime.rebuildWorker === undefined) {
          this.spawn(runtime, 'rebuild', rebuild.generation, rebuild.startPosition);
        }
        if (!runtime.frozen && runtime.activeWorker === undefined) {
          this.spawn(runtime, 'active', runtime.generation, runtime.position);
        }
      } catch (error) {
        // One projection that cannot start must not keep the others from running.
        runtime.failing = true;
        this.logger.error(`Projection ${runtime.definition.name} could not start: ${errorMessage(error)}`);
      }
    }
    if (this.running && this.housekeeping === undefined) {
      this.housekeeping = setInterval(() => void this.keepHouse(), this.housekeepingMs);
      this.housekeeping.unref();
    }
  }

  /** Stops the loops after their in-flight batch has committed; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.running = false;
      clearInterval(this.housekeeping);
      this.housekeeping = undefined;
      await Promise.all([...this.workers].map((worker) => worker.stop()));
      for (const runtime of this.runtimes.values()) {
        runtime.rebuild?.fail(new Error(`Projection runner stopped before ${runtime.definition.name} was rebuilt`));
        runtime.rebuild = undefined;
        runtime.activeWorker = undefined;
        runtime.rebuildWorker = undefined;
        runtime.notify();
      }
    })();
    return this.stopping;
  }

  /**
   * Processes everything up to the log's current head and returns. With the loops running it waits
   * for them; otherwise it runs each projection once (finishing a pending rebuild first), for CLIs.
   */
  async catchUp(): Promise<void> {
    const head = await this.eventStore.headPosition();
    if (this.running) {
      await Promise.all([...this.runtimes.values()].map((runtime) => this.untilReached(runtime, head)));
      return;
    }
    const workers: Worker[] = [];
    for (const runtime of this.runtimes.values()) {
      const rebuild = await this.prepare(runtime);
      if (rebuild !== undefined && runtime.rebuildWorker === undefined) {
        workers.push(this.spawn(runtime, 'rebuild', rebuild.generation, rebuild.startPosition, head));
      }
      if (!runtime.frozen && runtime.activeWorker === undefined && runtime.position < head) {
        workers.push(this.spawn(runtime, 'active', runtime.generation, runtime.position, head));
      }
    }
    await Promise.all(workers.map((worker) => worker.done));
  }

  /**
   * Rebuilds a projection (all when name is omitted) from the start into a new generation while
   * readers keep reading the current one, and resolves once readers have been switched over.
   */
  async rebuild(name?: string): Promise<void> {
    const runtimes = name === undefined ? [...this.runtimes.values()] : [this.runtime(name)];
    const waits: Promise<void>[] = [];
    for (const runtime of runtimes) {
      if (!this.running || !runtime.loaded) await this.load(runtime);
      const rebuild = await this.requestRebuild(runtime);
      waits.push(rebuild.switched);
      if (runtime.rebuildWorker === undefined) {
        const until = this.running ? undefined : await this.eventStore.headPosition();
        const worker = this.spawn(runtime, 'rebuild', rebuild.generation, rebuild.startPosition, until);
        if (!this.running) waits.push(worker.done);
      }
    }
    await Promise.all(waits);
  }

  /**
   * Drops every replaced generation now, retention or not: after an erasure the replaced copies
   * still hold the subject's personal data in clear. A reader still on one then finds it empty.
   */
  async dropReplacedGenerations(): Promise<void> {
    for (const runtime of this.runtimes.values()) await this.dropRetiredGenerations(runtime.definition, true);
  }

  /** A logical collection of a projection, in the generation readers currently read. */
  collection<T extends Document = Document>(projection: string, logical: string): Collection<T> {
    const runtime = this.runtime(projection);
    assertLogicalCollection(runtime.definition, logical);
    if (!runtime.loaded) {
      throw new Error(`Projection ${projection} is not loaded yet: start the projection runner first`);
    }
    return this.readStore.collection<T>(physicalCollectionName(projection, logical, runtime.generation));
  }

  /**
   * For a process whose runner is not started (another process holds the projection lease): reads
   * every projection's stored generation and checkpoint, so its readers read what the running
   * process commits. Called periodically, so a rebuild's switch there is seen here.
   */
  async follow(): Promise<void> {
    if (this.running) return;
    const metas = this.readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
    for (const runtime of this.runtimes.values()) {
      // A plain read: the write transaction of load() only when the meta does not exist yet.
      const meta = await metas.get(runtime.definition.name);
      if (meta !== null) runtime.adopt(meta);
      else await this.load(runtime);
    }
  }

  /** Forgets the log pages kept for loops catching up and the events decrypted for them: erasure calls it once a key is deleted. */
  dropCachedEvents(): void {
    this.logReader.clear();
  }

  /** The checkpoint of the generation readers read (START before the first event). */
  position(projection: string): Position {
    return this.runtime(projection).position;
  }

  /**
   * Resolves true as soon as the projection's committed checkpoint is at or past `position`
   * (readers then see that event's effect), false after timeoutMs.
   */
  waitForPosition(projection: string, position: Position, timeoutMs: number): Promise<boolean> {
    const runtime = this.runtime(projection);
    // Only the process (or thread) running the projection knows its checkpoint and generation first
    // hand; any other reads them from the store below, since a rebuild elsewhere may have switched
    // generations: answering from what it adopted earlier would send the reader to the old one.
    if (runtime.activeWorker !== undefined && runtime.position >= position) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const finish = (reached: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        clearInterval(poll);
        runtime.waiters.delete(check);
        resolve(reached);
      };
      const check = (): void => {
        if (runtime.position >= position) finish(true);
      };
      runtime.waiters.add(check);
      const timeout = setTimeout(() => finish(false), Math.max(0, timeoutMs));
      // A runner in another process commits checkpoints (and switches generations) this one hears
      // nothing about: read them now, then on an interval.
      const readStored = (): void => {
        this.readStore
          .collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION)
          .get(projection)
          .then(
            (meta) => {
              if (meta === null || settled) return;
              if (runtime.activeWorker === undefined && meta.generation !== runtime.generation) runtime.adopt(meta);
              if (meta.position != null && parsePosition(meta.position) >= position) finish(true);
            },
            () => undefined,
          );
      };
      readStored();
      const poll = setInterval(readStored, this.checkpointPollMs);
    });
  }

  async status(): Promise<ProjectionStatus[]> {
    const statuses: ProjectionStatus[] = [];
    for (const runtime of this.runtimes.values()) {
      statuses.push(await this.statusOf(runtime));
    }
    return statuses;
  }

  // ---------------------------------------------------------------------------------------------
  // Setup

  private runtime(name: string): ProjectionRuntime {
    const runtime = this.runtimes.get(name);
    if (runtime === undefined) throw new Error(`Unknown projection: ${name}`);
    return runtime;
  }

  /** Reads (or creates) the meta document and takes over its generation and checkpoint. */
  private async load(runtime: ProjectionRuntime): Promise<ProjectionMetaDocument> {
    const { definition } = runtime;
    const meta = await this.readStore.withTransaction(async (tx) => {
      const metas = tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
      const existing = await metas.get(definition.name);
      if (existing !== null) return existing;
      const fresh: ProjectionMetaDocument = {
        _id: definition.name,
        version: definition.version,
        generation: 1,
        position: null,
        state: 'catching-up',
        updatedAt: this.clock.now().toISOString(),
      };
      await metas.replace(definition.name, fresh);
      return fresh;
    });
    runtime.adopt(meta);
    return meta;
  }

  /**
   * Loads the projection, makes sure its active collections have their indexes, and sets up the
   * rebuild it needs (version change, or one interrupted by a restart), if any.
   */
  private async prepare(runtime: ProjectionRuntime): Promise<RebuildRun | undefined> {
    const meta = await this.load(runtime);
    // A frozen generation was built by code that is gone: its indexes are left as they are.
    if (!runtime.frozen) await this.prepareIndexes(runtime.definition, runtime.generation, runtime.position);
    let rebuild = runtime.rebuild;
    if (rebuild === undefined && (runtime.frozen || meta.rebuild !== undefined)) {
      rebuild = await this.requestRebuild(runtime, meta);
      // Nobody awaits an automatic rebuild; a stop() before its switch must not surface as unhandled.
      rebuild.switched.catch(() => undefined);
    }
    // Generations a crash left behind, and replaced ones readers no longer need.
    const keep = rebuild?.generation;
    const retained = this.retainedGenerations(meta);
    await this.dropGenerations(
      runtime.definition,
      (generation) => generation !== meta.generation && generation !== keep && !retained.has(generation),
    );
    return rebuild;
  }

  /** The rebuild under way, or a new one registered in the meta document (resuming a stored one). */
  private async requestRebuild(runtime: ProjectionRuntime, knownMeta?: ProjectionMetaDocument): Promise<RebuildRun> {
    if (runtime.rebuild !== undefined) return runtime.rebuild;
    const { definition } = runtime;
    const meta = knownMeta ?? (await this.load(runtime));
    let target: RebuildMeta;
    if (meta.rebuild !== undefined && meta.rebuild.version === definition.version) {
      target = meta.rebuild;
    } else {
      target = { version: definition.version, generation: meta.generation + 1, position: null };
      // Leftovers of an abandoned rebuild must not leak into the new generation (older ones may still be read).
      await this.dropGenerations(definition, (generation) => generation > meta.generation);
      await this.readStore.withTransaction(async (tx) => {
        await tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).update(definition.name, {
          $set: { rebuild: target, state: 'rebuilding', updatedAt: this.clock.now().toISOString() },
          $unset: { rebuildRequested: '' },
        });
      });
    }
    const startPosition = storedPosition(target.position);
    await this.prepareIndexes(definition, target.generation, startPosition);
    const rebuild = new RebuildRun(target.version, target.generation, startPosition);
    runtime.rebuild = rebuild;
    return rebuild;
  }

  /** Creates the generation's indexes now, or defers them when it starts from the beginning of a long log. */
  private async prepareIndexes(definition: ProjectionDefinition, generation: number, position: Position): Promise<void> {
    const key = `${definition.name}#${generation}`;
    const unique = Object.values(definition.collections).some((spec) => (spec.indexes ?? []).some((index) => index.unique));
    // Unique indexes are enforced from the first write (a duplicate must fail its event, not the index build).
    if (position === START && !unique && (await this.logLongerThan(this.deferIndexesMinEvents))) {
      this.deferredIndexes.add(key);
      return;
    }
    this.deferredIndexes.delete(key);
    await this.ensureIndexes(definition, generation);
  }

  /** Builds a worker's deferred indexes once it has reached the head of the log (before a switch or the end of a catch-up). */
  private async buildDeferredIndexes(worker: Worker, now = false): Promise<void> {
    const { definition } = worker.runtime;
    const key = `${definition.name}#${worker.generation}`;
    if (!this.deferredIndexes.has(key)) return;
    if (now) {
      await this.ensureIndexes(definition, worker.generation);
      this.deferredIndexes.delete(key);
      return;
    }
    // Within a batch of the head counts as caught up: under a steady stream of appends the head keeps
    // moving. Counted in events the loop holds, not by position: positions are not event counts.
    if (!worker.isFinished() && !worker.nearHead(this.batchSize)) return;
    await this.ensureIndexes(definition, worker.generation);
    this.deferredIndexes.delete(key);
  }

  /**
   * Builds a worker's deferred indexes now: its handlers query their collections (deferring pays only
   * for projections whose handlers write and never query while catching up).
   */
  private async buildQueriedIndexes(worker: Worker): Promise<void> {
    const { definition } = worker.runtime;
    const key = `${definition.name}#${worker.generation}`;
    if (!this.deferredIndexes.has(key)) return;
    this.deferredIndexes.delete(key);
    await this.ensureIndexes(definition, worker.generation);
  }

  /**
   * Whether the log holds more than `count` events, counted by reading at most count + 1 of them;
   * remembered for the head it was counted at, so a rebuild of every projection counts once.
   */
  private async logLongerThan(count: number): Promise<boolean> {
    const head = await this.eventStore.headPosition();
    if (this.logLength?.head !== head || this.logLength.count !== count) {
      const events = await this.logReader.log.readAll({ fromPosition: START, limit: count + 1 });
      this.logLength = { head, count, longer: events.length > count };
    }
    return this.logLength.longer;
  }

  private async ensureIndexes(definition: ProjectionDefinition, generation: number): Promise<void> {
    for (const [logical, spec] of Object.entries(definition.collections)) {
      const indexes = spec.indexes ?? [];
      if (indexes.length > 0) {
        await this.readStore.ensureIndexes(physicalCollectionName(definition.name, logical, generation), indexes);
      }
    }
  }

  /** Drops the projection's physical collections of every generation `drop` selects. */
  private async dropGenerations(definition: ProjectionDefinition, drop: (generation: number) => boolean): Promise<void> {
    const prefix = `${definition.name}.`;
    // Another projection named "<this name>.<something>" owns collections with the same prefix.
    const longerNames = [...this.runtimes.keys()].filter((name) => name.startsWith(prefix));
    for (const name of await this.readStore.listCollections()) {
      if (!name.startsWith(prefix) || longerNames.some((other) => name.startsWith(`${other}.`))) continue;
      const match = /^(.+)__g(\d+)$/.exec(name.slice(prefix.length));
      if (match === null) continue;
      const [, logical, generation] = match;
      const known = Object.prototype.hasOwnProperty.call(definition.collections, logical);
      // Names with a dot may belong to another projection: only drop them when they are declared here.
      if ((known || !logical.includes('.')) && drop(Number(generation))) {
        await this.readStore.dropCollection(name);
      }
    }
  }

  /** Replaced generations still within their retention: readers may hold their collections. */
  private retainedGenerations(meta: ProjectionMetaDocument): Set<number> {
    const now = this.clock.now().getTime();
    return new Set(
      (meta.retired ?? [])
        .filter((retired) => Date.parse(retired.replacedAt) + this.retainReplacedMs > now)
        .map((retired) => retired.generation),
    );
  }

  /** On the timer of a started runner: rebuilds other processes asked for, and replaced generations past their retention. */
  private async keepHouse(): Promise<void> {
    if (!this.running || this.housekeepingBusy) return;
    this.housekeepingBusy = true;
    try {
      for (const runtime of this.runtimes.values()) {
        if (!this.running) return;
        try {
          await this.takeUpRebuildRequest(runtime);
          await this.dropRetiredGenerations(runtime.definition);
        } catch (error) {
          this.logger.warn(`Projection ${runtime.definition.name}: housekeeping failed: ${errorMessage(error)}`);
        }
      }
    } finally {
      this.housekeepingBusy = false;
    }
  }

  /** Starts the rebuild another process asked for (requestRebuild() clears the request), unless one is under way. */
  private async takeUpRebuildRequest(runtime: ProjectionRuntime): Promise<void> {
    const { name } = runtime.definition;
    if (runtime.rebuild !== undefined) return;
    const meta = await this.readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get(name);
    if (meta?.rebuildRequested === undefined || !this.running) return;
    this.logger.log(`Projection ${name}: rebuilding as requested by ${meta.rebuildRequested.by}`);
    const rebuild = await this.requestRebuild(runtime);
    // Nobody here awaits the switch (the requester watches the meta document).
    rebuild.switched.catch(() => undefined);
    if (this.running && runtime.rebuildWorker === undefined) this.spawn(runtime, 'rebuild', rebuild.generation, rebuild.startPosition);
  }

  /** Drops the collections of replaced generations past their retention (every one: `all`), then forgets them. */
  private async dropRetiredGenerations(definition: ProjectionDefinition, all = false): Promise<void> {
    const meta = await this.readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get(definition.name);
    const retained = meta === null || all ? new Set<number>() : this.retainedGenerations(meta);
    const expired = new Set((meta?.retired ?? []).map((retired) => retired.generation).filter((generation) => !retained.has(generation)));
    if (expired.size === 0) return;
    await this.dropGenerations(definition, (generation) => expired.has(generation));
    await this.readStore.withTransaction(async (tx) => {
      const metas = tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
      const current = await metas.get(definition.name);
      if (current === null) return;
      const kept = (current.retired ?? []).filter((retired) => !expired.has(retired.generation));
      await metas.update(definition.name, { $set: { retired: kept } });
    });
    this.logger.log(`Projection ${definition.name}: dropped replaced generation(s) ${[...expired].join(', ')}`);
  }

  private spawn(
    runtime: ProjectionRuntime,
    target: WorkerTarget,
    generation: number,
    position: Position,
    untilPosition?: Position,
  ): Worker {
    const worker = new Worker(runtime, target, generation, position, untilPosition);
    if (target === 'active') runtime.activeWorker = worker;
    else runtime.rebuildWorker = worker;
    this.workers.add(worker);
    worker.done = this.runWorker(worker).finally(() => {
      this.workers.delete(worker);
      if (runtime.activeWorker === worker) runtime.activeWorker = undefined;
      if (runtime.rebuildWorker === worker) runtime.rebuildWorker = undefined;
    });
    return worker;
  }

  // ---------------------------------------------------------------------------------------------
  // Loops

  /** Runs a loop until it is stopped or done, resubscribing after infrastructure failures. */
  private async runWorker(worker: Worker): Promise<void> {
    const { runtime } = worker;
    let failures = 0;
    while (!worker.stopped) {
      let outcome: 'finished' | 'stopped' | 'ended';
      try {
        outcome = await this.consume(worker);
        if (outcome === 'finished' || worker.stopped) return;
        throw new Error('the event subscription ended unexpectedly');
      } catch (error) {
        if (worker.stopped) return;
        if (error instanceof SupersededError) {
          if (!(await this.resumeAfterSupersede(worker))) return;
          continue;
        }
        failures += 1;
        runtime.failing = true;
        const delay = Math.min(5000, Math.max(50, this.retryDelayMs) * 2 ** Math.min(failures - 1, 10));
        this.logger.warn(
          `Projection ${runtime.definition.name} (generation ${worker.generation}) failed, retrying in ${delay} ms: ${errorMessage(error)}`,
        );
        // The in-memory checkpoint only moves on commit, so resubscribing from it loses nothing.
        await worker.sleep(delay);
      }
    }
  }

  private async consume(worker: Worker): Promise<'finished' | 'stopped' | 'ended'> {
    const subscription = this.logReader.subscribe(worker.position);
    const pump = new EventBatchPump(subscription, this.batchSize * 2);
    worker.pump = pump;
    worker.subscription = subscription;
    try {
      for (;;) {
        if (worker.stopped) return 'stopped';
        await this.buildDeferredIndexes(worker);
        if (worker.target === 'rebuild') await this.trySwitch(worker, pump);
        if (worker.isFinished()) return 'finished';
        const batch = await pump.take(this.batchSize);
        if (batch === null) return worker.stopped ? 'stopped' : 'ended';
        await this.processBatch(worker, batch);
        worker.runtime.failing = false;
      }
    } finally {
      worker.pump = undefined;
      await pump.stop();
    }
  }

  /**
   * Another process switched generations (or replaced the rebuild) under this loop. An active loop
   * follows the stored generation when it was built with this code; anything else ends.
   */
  private async resumeAfterSupersede(worker: Worker): Promise<boolean> {
    const { runtime } = worker;
    if (worker.target === 'rebuild') {
      runtime.rebuild?.fail(new Error(`The rebuild of ${runtime.definition.name} was taken over elsewhere`));
      runtime.rebuild = undefined;
      await this.load(runtime);
      return false;
    }
    await this.load(runtime);
    if (runtime.frozen || worker.stopped) return false;
    worker.generation = runtime.generation;
    worker.position = runtime.position;
    return true;
  }

  /** Applies a batch in one transaction; a handler failure splits it to isolate the failing event. */
  private async processBatch(worker: Worker, events: RecordedEvent[]): Promise<void> {
    let remaining = events;
    while (remaining.length > 0) {
      try {
        // A transaction that reaches its budget commits the events applied so far: the rest follow.
        remaining = remaining.slice(await this.commit(worker, remaining));
      } catch (error) {
        if (!(error instanceof HandlerError)) throw error;
        const index = remaining.indexOf(error.event);
        if (index < 0) throw error;
        // The events before the failing one went through in the failed transaction: commit them alone.
        if (index > 0) await this.processBatch(worker, remaining.slice(0, index));
        await this.retryOrPark(worker, error.event, error.cause);
        remaining = remaining.slice(index + 1);
      }
    }
  }

  /** Retries one event alone (its first failure counted) and parks it after maxAttempts failures. */
  private async retryOrPark(worker: Worker, event: RecordedEvent, firstError: unknown): Promise<void> {
    let lastError = firstError;
    for (let attempt = 2; attempt <= this.maxAttempts; attempt += 1) {
      await worker.sleep(this.retryDelayMs);
      if (worker.stopped) throw new StoppedSignal();
      try {
        await this.commit(worker, [event]);
        return;
      } catch (error) {
        if (!(error instanceof HandlerError)) throw error;
        lastError = error.cause;
      }
    }
    await this.park(worker, event, lastError);
  }

  /**
   * The read-model changes of `events` and the checkpoint after the last of them, in one transaction;
   * fewer events when the transaction budget runs out first (at least one). Returns how many.
   */
  private async commit(worker: Worker, events: RecordedEvent[]): Promise<number> {
    try {
      return await this.commitBatch(worker, events);
    } catch (error) {
      if (!(error instanceof IndexesWantedSignal)) throw error;
      // Nothing was committed: the batch runs again with the indexes in place.
      await this.buildQueriedIndexes(worker);
      return this.commitBatch(worker, events);
    }
  }

  private async commitBatch(worker: Worker, events: RecordedEvent[]): Promise<number> {
    const { definition } = worker.runtime;
    const handled = new Set(definition.eventTypes);
    const handlesEvery = handled.has(EVERY_EVENT_TYPE);
    let applied = 0;
    const indexesDeferred = this.deferredIndexes.has(`${definition.name}#${worker.generation}`);
    // Before the transaction: a key lookup must not hold the read store's write lock.
    const inputs = await this.inputsFor(definition, events, (event) => handlesEvery || handled.has(event.type));
    await this.inCommitOrder(worker, async () => {
      const stored = await this.readStore.withTransaction(async (tx) => {
        // The driver may run this callback again (retryable errors): every attempt starts afresh.
        const spent = new BudgetMeter(this.transactionBudget, this.clock);
        applied = 0;
        const meta = await this.checkTarget(tx, worker);
        // A query without its index scans the whole collection, once per event: build the indexes first.
        const fold = new BatchFold(tx, spent, indexesDeferred ? wantIndexes : undefined);
        const ctx = this.contextFor(fold, definition, worker.generation);
        for (const [index, event] of events.entries()) {
          if (applied > 0 && spent.exhausted()) break;
          applied += 1;
          if (!handlesEvery && !handled.has(event.type)) continue;
          fold.at(event.position.toString());
          try {
            await definition.handle(inputs[index], ctx);
          } catch (error) {
            // A write conflict or lock timeout belongs to the transaction, not to the event: as it is,
            // the driver's withTransaction reruns the whole transaction; wrapped, it would count
            // against the event and end with the event parked, i.e. skipped in this read model.
            if (isRetryableTransactionError(error) || error instanceof IndexesWantedSignal) throw error;
            throw new HandlerError(event, error);
          }
        }
        // Each document the batch touched, written once, in the transaction of the checkpoint.
        await fold.flush();
        this.writeCounter?.(fold.writes, applied);
        return this.writeCheckpoint(tx, worker, meta, events[applied - 1].position);
      });
      worker.advance(stored);
    });
    return applied;
  }

  /**
   * The events as the projection's handler is to see them: decrypted (once per event, whichever
   * projection asks first) when it needs plaintext and handles them, otherwise as stored. A failure
   * to decrypt (a key store down or not the log's) fails the batch, never the event: it is not parked.
   */
  private async inputsFor(
    definition: ProjectionDefinition,
    events: RecordedEvent[],
    handles: (event: RecordedEvent) => boolean,
  ): Promise<RecordedEvent[]> {
    if (definition.needsPlaintext === false) return events;
    const inputs = new Array<RecordedEvent>(events.length);
    for (const [index, event] of events.entries()) inputs[index] = handles(event) ? await this.logReader.open(event) : event;
    return inputs;
  }

  /** Skips the event: records it in _parked and moves the checkpoint past it, without its changes. */
  private async park(worker: Worker, event: RecordedEvent, error: unknown): Promise<void> {
    const { definition } = worker.runtime;
    this.logger.error(
      `Projection ${definition.name} parked event ${event.id} (${event.type} at ${event.position}) after ${this.maxAttempts} attempts: ${errorMessage(error)}`,
    );
    await this.inCommitOrder(worker, async () => {
      const stored = await this.readStore.withTransaction(async (tx) => {
        const meta = await this.checkTarget(tx, worker);
        const parked: ParkedEventDocument = {
          _id: `${definition.name}:${event.id}`,
          projection: definition.name,
          eventId: event.id,
          eventType: event.type,
          streamName: event.streamName,
          position: event.position.toString(),
          error: errorMessage(error),
          attempts: this.maxAttempts,
          parkedAt: this.clock.now().toISOString(),
          generation: worker.generation,
        };
        await tx.collection<ParkedEventDocument>(PARKED_EVENTS_COLLECTION).replace(parked._id, parked);
        return this.writeCheckpoint(tx, worker, meta, event.position);
      });
      worker.advance(stored);
    });
  }

  /** Commits of the active generation are serialised with the generation switch. */
  private async inCommitOrder(worker: Worker, fn: () => Promise<void>): Promise<void> {
    if (worker.target === 'active') await worker.runtime.commitLock.run(fn);
    else await fn();
  }

  /** The meta document, after checking (inside the transaction) that this loop still owns its generation. */
  private async checkTarget(tx: ReadStoreTransaction, worker: Worker): Promise<ProjectionMetaDocument> {
    const meta = await tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get(worker.runtime.definition.name);
    const owned =
      meta !== null &&
      (worker.target === 'active'
        ? meta.generation === worker.generation && meta.version === worker.runtime.definition.version
        : meta.rebuild?.generation === worker.generation);
    if (!owned) throw new SupersededError();
    return meta;
  }

  /** Stores the checkpoint (never moving it back) and returns it. */
  private async writeCheckpoint(tx: ReadStoreTransaction, worker: Worker, meta: ProjectionMetaDocument, last: Position): Promise<Position> {
    const metas = tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
    const updatedAt = this.clock.now().toISOString();
    if (worker.target === 'active') {
      const position = maxPosition(meta.position, last);
      const state = worker.runtime.rebuild !== undefined ? 'rebuilding' : worker.pump?.buffered ? 'catching-up' : 'live';
      await metas.update(meta._id, { $set: { position: position.toString(), state, updatedAt } });
      return position;
    }
    const rebuild = meta.rebuild as RebuildMeta;
    const position = maxPosition(rebuild.position, last);
    await metas.update(meta._id, { $set: { rebuild: { ...rebuild, position: position.toString() }, updatedAt } });
    return position;
  }

  /** The context handlers see: the projection's logical collections, folded into the batch. */
  private contextFor(fold: BatchFold, definition: ProjectionDefinition, generation: number): ProjectionContext {
    return {
      collection: <T extends Document = Document>(logical: string): Collection<T> => {
        assertLogicalCollection(definition, logical);
        const unique = (definition.collections[logical].indexes ?? []).some((index) => index.unique === true);
        return fold.collection<T>(physicalCollectionName(definition.name, logical, generation), unique);
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Rebuild switch

  /**
   * Switches readers to the rebuilt generation once it has applied everything it was handed and
   * is not behind the active generation. Holding the commit lock keeps the active loop from
   * committing in between; the transaction re-checks against the stored state (other processes).
   */
  private async trySwitch(worker: Worker, pump: EventBatchPump): Promise<void> {
    const { runtime } = worker;
    const rebuild = runtime.rebuild;
    if (rebuild === undefined || pump.buffered > 0 || worker.position < runtime.position) return;
    // Readers never get a generation without its indexes, however the loop judged its distance to the head.
    await this.buildDeferredIndexes(worker, true);
    const { definition } = runtime;
    let replaced: { generation: number; worker: Worker | undefined } | undefined;
    await runtime.commitLock.run(async () => {
      if (worker.position < runtime.position) return;
      const switched = await this.readStore.withTransaction(async (tx) => {
        const metas = tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
        const meta = await this.checkTarget(tx, worker);
        if (maxPosition(meta.position, worker.position) > worker.position) return false;
        const now = this.clock.now().toISOString();
        const next: ProjectionMetaDocument = {
          _id: definition.name,
          version: rebuild.version,
          generation: worker.generation,
          position: worker.position === START ? null : worker.position.toString(),
          state: 'live',
          retired: [...(meta.retired ?? []), { generation: meta.generation, replacedAt: now }],
          updatedAt: now,
        };
        await metas.replace(definition.name, next);
        await tx
          .collection<ParkedEventDocument>(PARKED_EVENTS_COLLECTION)
          .deleteMany({ projection: definition.name, generation: { $ne: worker.generation } });
        return true;
      });
      if (!switched) return;
      replaced = { generation: runtime.generation, worker: runtime.activeWorker };
      runtime.version = rebuild.version;
      runtime.generation = worker.generation;
      runtime.frozen = false;
      runtime.position = worker.position;
      runtime.rebuild = undefined;
      runtime.rebuildWorker = undefined;
      runtime.activeWorker = worker;
      worker.target = 'active';
    });
    if (replaced === undefined) return;
    // Not awaited under the lock: the replaced loop may be waiting for it; its commit then fails the check.
    // Its collections stay for the readers that still hold them; housekeeping drops them later.
    await replaced.worker?.stop();
    const newGeneration = worker.generation;
    this.logger.log(`Projection ${definition.name} switched to generation ${newGeneration} (version ${rebuild.version})`);
    runtime.notify();
    rebuild.complete();
  }

  // ---------------------------------------------------------------------------------------------
  // Readers

  private untilReached(runtime: ProjectionRuntime, position: Position): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = (): void => {
        const idle = runtime.activeWorker === undefined && runtime.rebuildWorker === undefined;
        // A frozen generation is not being updated: it is only caught up once the rebuild has replaced it.
        const reached = runtime.position >= position && !runtime.frozen;
        if (reached || !this.running || idle) {
          runtime.waiters.delete(check);
          resolve();
        }
      };
      runtime.waiters.add(check);
      check();
    });
  }

  private async statusOf(runtime: ProjectionRuntime): Promise<ProjectionStatus> {
    const { definition } = runtime;
    const meta = await this.readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get(definition.name);
    const position = meta?.position ?? null;
    // Positions need not be contiguous (EventStoreDB), so the lag is counted by reading the events
    // after the checkpoint, at most LAG_EVENTS_CAP of them: beyond that it reads "10,000 or more".
    const unprocessed = await this.logReader.log.readAll({
      fromPosition: storedPosition(position),
      limit: LAG_EVENTS_CAP + 1,
    });
    const lagEvents = Math.min(unprocessed.length, LAG_EVENTS_CAP);
    const oldest = unprocessed.length > 0 ? Date.parse(unprocessed[0].metadata.recordedAt) : Number.NaN;
    const lagSeconds = Number.isNaN(oldest) ? 0 : Math.max(0, (this.clock.now().getTime() - oldest) / 1000);

    let state: ProjectionStatus['state'];
    if (runtime.failing) state = 'failed';
    else if (!this.running) state = 'stopped';
    else if (meta?.rebuild !== undefined) state = 'rebuilding';
    else state = lagEvents === 0 ? 'live' : 'catching-up';

    const parked: ParkedEvent[] = [];
    for await (const doc of this.readStore
      .collection<ParkedEventDocument>(PARKED_EVENTS_COLLECTION)
      .findAll({ projection: definition.name })) {
      parked.push({
        projection: doc.projection,
        eventId: doc.eventId,
        eventType: doc.eventType,
        streamName: doc.streamName,
        position: doc.position,
        error: doc.error,
        attempts: doc.attempts,
        parkedAt: doc.parkedAt,
      });
    }
    parked.sort((a, b) => comparePositions(parsePosition(a.position), parsePosition(b.position)));

    return {
      name: definition.name,
      version: meta?.version ?? definition.version,
      generation: meta?.generation ?? 1,
      position,
      lagEvents,
      lagSeconds,
      state,
      ...(meta?.rebuild !== undefined ? { rebuild: { generation: meta.rebuild.generation, position: meta.rebuild.position } } : {}),
      parked,
    };
  }
}

type WorkerTarget = 'active' | 'rebuild';

/** In-memory state of one projection. */
class ProjectionRuntime {
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
class RebuildRun {
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
class Worker {
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
class HandlerError extends Error {
  constructor(
    readonly event: RecordedEvent,
    override readonly cause: unknown,
  ) {
    super(errorMessage(cause));
    this.name = 'HandlerError';
  }
}

/** The stored state says this loop no longer owns its generation (switched or replaced elsewhere). */
class SupersededError extends Error {
  constructor() {
    super('The projection generation was switched or replaced');
    this.name = 'SupersededError';
  }
}

/** Abandons a batch whose handlers query collections whose indexes were deferred: they are built, then the batch runs again. */
class IndexesWantedSignal extends Error {
  constructor() {
    super('Indexes wanted before a query');
    this.name = 'IndexesWantedSignal';
  }
}

function wantIndexes(): never {
  throw new IndexesWantedSignal();
}

/** Unwinds a loop that was stopped in the middle of retrying an event. */
class StoppedSignal extends Error {
  constructor() {
    super('Projection loop stopped');
    this.name = 'StoppedSignal';
  }
}

function assertLogicalCollection(definition: ProjectionDefinition, logical: string): void {
  if (!Object.prototype.hasOwnProperty.call(definition.collections, logical)) {
    throw new Error(`Projection ${definition.name} declares no collection named ${logical}`);
  }
}

function maxPosition(stored: string | null, candidate: Position): Position {
  return laterOf(storedPosition(stored), candidate);
}

/** A checkpoint as stored in a meta document (null: before the first event). */
function storedPosition(stored: string | null): Position {
  return stored === null ? START : parsePosition(stored);
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
