import { Logger } from '@nestjs/common';
import type { Clock } from '../clock';
import { type EventStore, parsePosition, type Position } from '../event-store/event-store.port';
import type { Collection, Document, ReadStore } from '../read-store/read-store.port';
import type { ProjectionStatus } from './projection';
import { Generations } from './projection-generations';
import {
  assertLogicalCollection,
  DEFER_INDEXES_MIN_EVENTS,
  errorMessage,
  physicalCollectionName,
  type ProjectionMetaDocument,
  type ProjectionRunnerLogger,
  type ProjectionRunnerOptions,
  PROJECTIONS_META_COLLECTION,
  RETAIN_REPLACED_GENERATION_MS,
} from './projection-meta';
import { ProjectionRuntime, Worker, type WorkerTarget } from './projection-runtime';
import { projectionStatus } from './projection-status';
import { WorkerLoop } from './projection-worker';
import { SharedLogReader } from './shared-log-reader';

export {
  DEFER_INDEXES_MIN_EVENTS,
  LAG_EVENTS_CAP,
  PARKED_EVENTS_COLLECTION,
  physicalCollectionName,
  type ProjectionMetaDocument,
  type ProjectionRunnerLogger,
  type ProjectionRunnerOptions,
  PROJECTIONS_META_COLLECTION,
  type RebuildMeta,
  RETAIN_REPLACED_GENERATION_MS,
  type RetiredGeneration,
} from './projection-meta';

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
 * This file holds the lifecycle (start, stop, catch-up, housekeeping) and what readers ask (collections,
 * checkpoints, status); the loops are in projection-worker.ts, generations in projection-generations.ts.
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
  private readonly housekeepingMs: number;
  private housekeeping: NodeJS.Timeout | undefined;
  private housekeepingBusy = false;
  private readonly checkpointPollMs: number;
  private readonly logger: ProjectionRunnerLogger;
  private readonly runtimes = new Map<string, ProjectionRuntime>();
  private readonly workers = new Set<Worker>();
  private readonly generations: Generations;
  private readonly loop: WorkerLoop;
  private running = false;
  private stopping: Promise<void> | undefined;

  constructor(options: ProjectionRunnerOptions) {
    this.eventStore = options.eventStore;
    this.logReader = new SharedLogReader(options.eventStore);
    this.readStore = options.readStore;
    this.clock = options.clock;
    this.housekeepingMs = Math.max(1, options.housekeepingMs ?? 1000);
    this.checkpointPollMs = Math.max(1, options.checkpointPollMs ?? 50);
    this.logger = options.logger ?? new Logger('ProjectionRunner');
    const batchSize = Math.max(1, options.batchSize ?? 500);
    for (const definition of options.projections) {
      if (this.runtimes.has(definition.name)) {
        throw new Error(`Projection ${definition.name} is registered twice`);
      }
      this.runtimes.set(definition.name, new ProjectionRuntime(definition));
    }
    this.generations = new Generations({
      eventStore: this.eventStore,
      logReader: this.logReader,
      readStore: this.readStore,
      clock: this.clock,
      logger: this.logger,
      runtimes: this.runtimes,
      batchSize,
      retainReplacedMs: Math.max(0, options.retainReplacedMs ?? RETAIN_REPLACED_GENERATION_MS),
      deferIndexesMinEvents: Math.max(0, options.deferIndexesMinEvents ?? DEFER_INDEXES_MIN_EVENTS),
    });
    this.loop = new WorkerLoop({
      logReader: this.logReader,
      readStore: this.readStore,
      clock: this.clock,
      logger: this.logger,
      generations: this.generations,
      batchSize,
      maxAttempts: Math.max(1, options.maxAttempts ?? 3),
      retryDelayMs: Math.max(0, options.retryDelayMs ?? 100),
      transactionBudget: options.transactionBudget ?? options.readStore.transactionBudget,
      writeCounter: options.onBatchWritten,
    });
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
        const rebuild = await this.generations.prepare(runtime);
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
      const rebuild = await this.generations.prepare(runtime);
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
      if (!this.running || !runtime.loaded) await this.generations.load(runtime);
      const rebuild = await this.generations.requestRebuild(runtime);
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
    for (const runtime of this.runtimes.values()) await this.generations.dropRetiredGenerations(runtime.definition, true);
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
      else await this.generations.load(runtime);
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
      statuses.push(
        await projectionStatus(runtime, { readStore: this.readStore, log: this.logReader.log, clock: this.clock, running: this.running }),
      );
    }
    return statuses;
  }

  // ---------------------------------------------------------------------------------------------
  // Housekeeping and loops

  private runtime(name: string): ProjectionRuntime {
    const runtime = this.runtimes.get(name);
    if (runtime === undefined) throw new Error(`Unknown projection: ${name}`);
    return runtime;
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
          await this.generations.dropRetiredGenerations(runtime.definition);
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
    const rebuild = await this.generations.requestRebuild(runtime);
    // Nobody here awaits the switch (the requester watches the meta document).
    rebuild.switched.catch(() => undefined);
    if (this.running && runtime.rebuildWorker === undefined) this.spawn(runtime, 'rebuild', rebuild.generation, rebuild.startPosition);
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
    worker.done = this.loop.run(worker).finally(() => {
      this.workers.delete(worker);
      if (runtime.activeWorker === worker) runtime.activeWorker = undefined;
      if (runtime.rebuildWorker === worker) runtime.rebuildWorker = undefined;
    });
    return worker;
  }

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
}
