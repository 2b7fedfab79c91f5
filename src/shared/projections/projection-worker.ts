import type { Clock } from '../clock';
import type { Position, RecordedEvent } from '../event-store/event-store.port';
import type { Collection, Document, ReadStore, ReadStoreTransaction } from '../read-store/read-store.port';
import { isRetryableTransactionError, type TransactionBudget } from '../read-store/transaction-retry';
import { BatchFold } from './batch-fold';
import { BudgetMeter } from './budget-meter';
import { EventBatchPump } from './event-batch-pump';
import { EVERY_EVENT_TYPE, type ProjectionContext, type ProjectionDefinition } from './projection';
import type { Generations } from './projection-generations';
import type { ParkedEventDocument, ProjectionMetaDocument, ProjectionRunnerLogger, RebuildMeta } from './projection-meta';
import {
  assertLogicalCollection,
  errorMessage,
  maxPosition,
  PARKED_EVENTS_COLLECTION,
  physicalCollectionName,
  PROJECTIONS_META_COLLECTION,
} from './projection-meta';
import {
  HandlerError,
  IndexesWantedSignal,
  ownedMeta,
  StoppedSignal,
  SupersededError,
  wantIndexes,
  type Worker,
} from './projection-runtime';
import type { SharedLogReader } from './shared-log-reader';

export interface WorkerLoopOptions {
  logReader: SharedLogReader;
  readStore: ReadStore;
  clock: Clock;
  logger: ProjectionRunnerLogger;
  generations: Generations;
  batchSize: number;
  maxAttempts: number;
  retryDelayMs: number;
  transactionBudget: TransactionBudget | undefined;
  writeCounter: ((documents: number, events: number) => void) | undefined;
}

/**
 * Runs each Worker's loop: takes batches of the log from the worker's checkpoint, applies each in
 * one read-store transaction that also stores the checkpoint after it, so each event takes effect
 * exactly once even across crashes; retries an event whose handler throws and parks it (records it
 * in _parked and moves past it) after maxAttempts. Infrastructure failures resubscribe after a
 * growing pause, from the committed checkpoint.
 */
export class WorkerLoop {
  constructor(private readonly options: WorkerLoopOptions) {}

  /** Runs a loop until it is stopped or done, resubscribing after infrastructure failures. */
  async run(worker: Worker): Promise<void> {
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
        const delay = Math.min(5000, Math.max(50, this.options.retryDelayMs) * 2 ** Math.min(failures - 1, 10));
        this.options.logger.warn(
          `Projection ${runtime.definition.name} (generation ${worker.generation}) failed, retrying in ${delay} ms: ${errorMessage(error)}`,
        );
        // The in-memory checkpoint only moves on commit, so resubscribing from it loses nothing.
        await worker.sleep(delay);
      }
    }
  }

  private async consume(worker: Worker): Promise<'finished' | 'stopped' | 'ended'> {
    const subscription = this.options.logReader.subscribe(worker.position);
    const pump = new EventBatchPump(subscription, this.options.batchSize * 2);
    worker.pump = pump;
    worker.subscription = subscription;
    try {
      for (;;) {
        if (worker.stopped) return 'stopped';
        await this.options.generations.buildDeferredIndexes(worker);
        if (worker.target === 'rebuild') await this.options.generations.trySwitch(worker, pump);
        if (worker.isFinished()) return 'finished';
        const batch = await pump.take(this.options.batchSize);
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
      await this.options.generations.load(runtime);
      return false;
    }
    await this.options.generations.load(runtime);
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
    for (let attempt = 2; attempt <= this.options.maxAttempts; attempt += 1) {
      await worker.sleep(this.options.retryDelayMs);
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
      await this.options.generations.buildQueriedIndexes(worker);
      return this.commitBatch(worker, events);
    }
  }

  private async commitBatch(worker: Worker, events: RecordedEvent[]): Promise<number> {
    const { definition } = worker.runtime;
    const handled = new Set(definition.eventTypes);
    const handlesEvery = handled.has(EVERY_EVENT_TYPE);
    let applied = 0;
    const indexesDeferred = this.options.generations.indexesDeferred(worker);
    // Before the transaction: a key lookup must not hold the read store's write lock.
    const inputs = await this.inputsFor(definition, events, (event) => handlesEvery || handled.has(event.type));
    await this.inCommitOrder(worker, async () => {
      const stored = await this.options.readStore.withTransaction(async (tx) => {
        // The driver may run this callback again (retryable errors): every attempt starts afresh.
        const spent = new BudgetMeter(this.options.transactionBudget, this.options.clock);
        applied = 0;
        const meta = await ownedMeta(tx, worker);
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
        this.options.writeCounter?.(fold.writes, applied);
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
    for (const [index, event] of events.entries()) inputs[index] = handles(event) ? await this.options.logReader.open(event) : event;
    return inputs;
  }

  /** Skips the event: records it in _parked and moves the checkpoint past it, without its changes. */
  private async park(worker: Worker, event: RecordedEvent, error: unknown): Promise<void> {
    const { definition } = worker.runtime;
    this.options.logger.error(
      `Projection ${definition.name} parked event ${event.id} (${event.type} at ${event.position}) after ${this.options.maxAttempts} attempts: ${errorMessage(error)}`,
    );
    await this.inCommitOrder(worker, async () => {
      const stored = await this.options.readStore.withTransaction(async (tx) => {
        const meta = await ownedMeta(tx, worker);
        const parked: ParkedEventDocument = {
          _id: `${definition.name}:${event.id}`,
          projection: definition.name,
          eventId: event.id,
          eventType: event.type,
          streamName: event.streamName,
          position: event.position.toString(),
          error: errorMessage(error),
          attempts: this.options.maxAttempts,
          parkedAt: this.options.clock.now().toISOString(),
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

  /** Stores the checkpoint (never moving it back) and returns it. */
  private async writeCheckpoint(tx: ReadStoreTransaction, worker: Worker, meta: ProjectionMetaDocument, last: Position): Promise<Position> {
    const metas = tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
    const updatedAt = this.options.clock.now().toISOString();
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
}
