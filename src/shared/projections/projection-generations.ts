import type { Clock } from '../clock';
import { type EventStore, type Position, START } from '../event-store/event-store.port';
import type { ReadStore } from '../read-store/read-store.port';
import type { EventBatchPump } from './event-batch-pump';
import type { ProjectionDefinition } from './projection';
import type { ParkedEventDocument, ProjectionMetaDocument, ProjectionRunnerLogger, RebuildMeta } from './projection-meta';
import {
  maxPosition,
  PARKED_EVENTS_COLLECTION,
  physicalCollectionName,
  PROJECTIONS_META_COLLECTION,
  storedPosition,
} from './projection-meta';
import { ownedMeta, type ProjectionRuntime, RebuildRun, type Worker } from './projection-runtime';
import type { SharedLogReader } from './shared-log-reader';

export interface GenerationsOptions {
  eventStore: EventStore;
  logReader: SharedLogReader;
  readStore: ReadStore;
  clock: Clock;
  logger: ProjectionRunnerLogger;
  /** Every projection of the runner, by name (a projection's collections are told from another's by name). */
  runtimes: ReadonlyMap<string, ProjectionRuntime>;
  batchSize: number;
  retainReplacedMs: number;
  deferIndexesMinEvents: number;
}

/**
 * The generations of each projection: loading and creating the meta document, setting up a rebuild
 * into a new generation, its indexes (deferred until it has caught up on a long log), the switch
 * of readers to it, and dropping the generations nobody reads any more.
 *
 * Generations are switched in a write transaction that re-checks the stored state (another process
 * may have switched first); a replaced generation is kept for RETAIN_REPLACED_GENERATION_MS, since
 * readers elsewhere may still hold its collections.
 */
export class Generations {
  /** "projection#generation" of generations whose indexes wait until they have caught up. */
  private readonly deferredIndexes = new Set<string>();
  private logLength: { head: Position; count: number; longer: boolean } | undefined;

  constructor(private readonly options: GenerationsOptions) {}

  /** Reads (or creates) the meta document and takes over its generation and checkpoint. */
  async load(runtime: ProjectionRuntime): Promise<ProjectionMetaDocument> {
    const { definition } = runtime;
    const meta = await this.options.readStore.withTransaction(async (tx) => {
      const metas = tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
      const existing = await metas.get(definition.name);
      if (existing !== null) return existing;
      const fresh: ProjectionMetaDocument = {
        _id: definition.name,
        version: definition.version,
        generation: 1,
        position: null,
        state: 'catching-up',
        updatedAt: this.options.clock.now().toISOString(),
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
  async prepare(runtime: ProjectionRuntime): Promise<RebuildRun | undefined> {
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
  async requestRebuild(runtime: ProjectionRuntime, knownMeta?: ProjectionMetaDocument): Promise<RebuildRun> {
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
      await this.options.readStore.withTransaction(async (tx) => {
        await tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).update(definition.name, {
          $set: { rebuild: target, state: 'rebuilding', updatedAt: this.options.clock.now().toISOString() },
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
    if (position === START && !unique && (await this.logLongerThan(this.options.deferIndexesMinEvents))) {
      this.deferredIndexes.add(key);
      return;
    }
    this.deferredIndexes.delete(key);
    await this.ensureIndexes(definition, generation);
  }

  /** Builds a worker's deferred indexes once it has reached the head of the log (before a switch or the end of a catch-up). */
  async buildDeferredIndexes(worker: Worker, now = false): Promise<void> {
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
    if (!worker.isFinished() && !worker.nearHead(this.options.batchSize)) return;
    await this.ensureIndexes(definition, worker.generation);
    this.deferredIndexes.delete(key);
  }

  /**
   * Builds a worker's deferred indexes now: its handlers query their collections (deferring pays only
   * for projections whose handlers write and never query while catching up).
   */
  async buildQueriedIndexes(worker: Worker): Promise<void> {
    const { definition } = worker.runtime;
    const key = `${definition.name}#${worker.generation}`;
    if (!this.deferredIndexes.has(key)) return;
    this.deferredIndexes.delete(key);
    await this.ensureIndexes(definition, worker.generation);
  }

  /** Whether the loop's generation still waits for its indexes. */
  indexesDeferred(worker: Worker): boolean {
    return this.deferredIndexes.has(`${worker.runtime.definition.name}#${worker.generation}`);
  }

  /**
   * Whether the log holds more than `count` events, counted by reading at most count + 1 of them;
   * remembered for the head it was counted at, so a rebuild of every projection counts once.
   */
  private async logLongerThan(count: number): Promise<boolean> {
    const head = await this.options.eventStore.headPosition();
    if (this.logLength?.head !== head || this.logLength.count !== count) {
      const events = await this.options.logReader.log.readAll({ fromPosition: START, limit: count + 1 });
      this.logLength = { head, count, longer: events.length > count };
    }
    return this.logLength.longer;
  }

  private async ensureIndexes(definition: ProjectionDefinition, generation: number): Promise<void> {
    for (const [logical, spec] of Object.entries(definition.collections)) {
      const indexes = spec.indexes ?? [];
      if (indexes.length > 0) {
        await this.options.readStore.ensureIndexes(physicalCollectionName(definition.name, logical, generation), indexes);
      }
    }
  }

  /** Drops the projection's physical collections of every generation `drop` selects. */
  private async dropGenerations(definition: ProjectionDefinition, drop: (generation: number) => boolean): Promise<void> {
    const prefix = `${definition.name}.`;
    // Another projection named "<this name>.<something>" owns collections with the same prefix.
    const longerNames = [...this.options.runtimes.keys()].filter((name) => name.startsWith(prefix));
    for (const name of await this.options.readStore.listCollections()) {
      if (!name.startsWith(prefix) || longerNames.some((other) => name.startsWith(`${other}.`))) continue;
      const match = /^(.+)__g(\d+)$/.exec(name.slice(prefix.length));
      if (match === null) continue;
      const [, logical, generation] = match;
      const known = Object.prototype.hasOwnProperty.call(definition.collections, logical);
      // Names with a dot may belong to another projection: only drop them when they are declared here.
      if ((known || !logical.includes('.')) && drop(Number(generation))) {
        await this.options.readStore.dropCollection(name);
      }
    }
  }

  /** Replaced generations still within their retention: readers may hold their collections. */
  private retainedGenerations(meta: ProjectionMetaDocument): Set<number> {
    const now = this.options.clock.now().getTime();
    return new Set(
      (meta.retired ?? [])
        .filter((retired) => Date.parse(retired.replacedAt) + this.options.retainReplacedMs > now)
        .map((retired) => retired.generation),
    );
  }

  /** Drops the collections of replaced generations past their retention (every one: `all`), then forgets them. */
  async dropRetiredGenerations(definition: ProjectionDefinition, all = false): Promise<void> {
    const meta = await this.options.readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get(definition.name);
    const retained = meta === null || all ? new Set<number>() : this.retainedGenerations(meta);
    const expired = new Set((meta?.retired ?? []).map((retired) => retired.generation).filter((generation) => !retained.has(generation)));
    if (expired.size === 0) return;
    await this.dropGenerations(definition, (generation) => expired.has(generation));
    await this.options.readStore.withTransaction(async (tx) => {
      const metas = tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
      const current = await metas.get(definition.name);
      if (current === null) return;
      const kept = (current.retired ?? []).filter((retired) => !expired.has(retired.generation));
      await metas.update(definition.name, { $set: { retired: kept } });
    });
    this.options.logger.log(`Projection ${definition.name}: dropped replaced generation(s) ${[...expired].join(', ')}`);
  }

  /**
   * Switches readers to the rebuilt generation once it has applied everything it was handed and
   * is not behind the active generation. Holding the commit lock keeps the active loop from
   * committing in between; the transaction re-checks against the stored state (other processes).
   */
  async trySwitch(worker: Worker, pump: EventBatchPump): Promise<void> {
    const { runtime } = worker;
    const rebuild = runtime.rebuild;
    if (rebuild === undefined || pump.buffered > 0 || worker.position < runtime.position) return;
    // Readers never get a generation without its indexes, however the loop judged its distance to the head.
    await this.buildDeferredIndexes(worker, true);
    const { definition } = runtime;
    let replaced: { generation: number; worker: Worker | undefined } | undefined;
    await runtime.commitLock.run(async () => {
      if (worker.position < runtime.position) return;
      const switched = await this.options.readStore.withTransaction(async (tx) => {
        const metas = tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
        const meta = await ownedMeta(tx, worker);
        if (maxPosition(meta.position, worker.position) > worker.position) return false;
        const now = this.options.clock.now().toISOString();
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
    this.options.logger.log(`Projection ${definition.name} switched to generation ${newGeneration} (version ${rebuild.version})`);
    runtime.notify();
    rebuild.complete();
  }
}
