import { Logger } from '@nestjs/common';
import type { Clock } from '../shared/clock';
import type { CommandProcessor, Unstamped } from '../shared/decider/command-processor';
import { deterministicUuid } from '../shared/ids';
import { AsyncMutex } from '../shared/projections/async-mutex';
import type { Collection, Document } from '../shared/read-store/read-store.port';
import type { RecordSlaBreach, RecordSlaWarning } from './complaint.decider';
import { ComplaintStreams } from './complaint.streams';
import {
  dueDeadlinesFilter,
  SLA_DEADLINES_COLLECTION,
  SLA_DEADLINES_PROJECTION_NAME,
  type SlaDeadlineDoc,
} from './sla-deadlines.projection';

/** Who supervises a department: told when one of its complaints breaches a deadline. */
export interface SupervisorDirectory {
  supervisorOf(department: string): Promise<string | null>;
}

export const SUPERVISOR_DIRECTORY = Symbol('SUPERVISOR_DIRECTORY');

/**
 * The seam for running several instances: the scheduler must be the single active consumer of the
 * deadlines, so a deployment with more than one process plugs a lease in here (held by one process
 * at a time). The default lets every tick run.
 */
export interface SchedulerLease {
  shouldRun(): Promise<boolean>;
}

/** How the scheduler reaches the read model (ReadModels and ProjectionRunner both fit). */
export interface SlaReadModels {
  collection<T extends Document>(projection: string, logical: string): Collection<T>;
}

export interface SlaSchedulerLogger {
  log(message: string): void;
  error(message: string): void;
}

export interface SlaSchedulerOptions {
  /** Longest pause between ticks; the scheduler wakes earlier when the next deadline is sooner. Default 1000. */
  pollIntervalMs?: number;
  /** Deadlines read per page of the due list. Default 100. */
  batchSize?: number;
  lease?: SchedulerLease;
  logger?: SlaSchedulerLogger;
}

export const SLA_SCHEDULER_ACTOR = 'system:sla-scheduler';

const ALWAYS: SchedulerLease = { shouldRun: () => Promise.resolve(true) };

type SlaCommand = Unstamped<RecordSlaWarning | RecordSlaBreach>;

/**
 * Fires SLA warnings and breaches from the `sla-deadlines` read model, on time and exactly once:
 *
 * - the read model is durable, so after a restart the first tick finds whatever fell due while the
 *   process was down;
 * - each command carries an idempotency key made of the complaint, the kind and the due time, so
 *   firing again (the read model not yet caught up, or a crash between the append and the
 *   projection) replays instead of appending;
 * - the complaint decider records each warning and breach at most once and decides nothing for a
 *   stale tick (deadline moved, on hold, resolved, closed).
 */
export class SlaScheduler {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly lease: SchedulerLease;
  private readonly logger: SlaSchedulerLogger;
  /** One tick at a time, whether from the timer or a direct call. */
  private readonly mutex = new AsyncMutex();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly complaints: ComplaintStreams;

  constructor(
    processor: CommandProcessor,
    private readonly readModels: SlaReadModels,
    private readonly clock: Clock,
    private readonly supervisors: SupervisorDirectory,
    options: SlaSchedulerOptions = {},
  ) {
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 1000);
    this.batchSize = Math.max(1, options.batchSize ?? 100);
    this.lease = options.lease ?? ALWAYS;
    this.logger = options.logger ?? new Logger('SlaScheduler');
    this.complaints = new ComplaintStreams(processor);
  }

  /** Ticks at once (deadlines that fell due while the process was down fire now), then keeps ticking. */
  start(): void {
    if (this.running) return;
    this.running = true;
    // Called directly, not from a timer: the first tick takes the lock now, so a tick() asked for
    // after start() runs after it.
    void this.loop();
  }

  /** Stops the timer and waits for a tick in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.mutex.run(() => Promise.resolve());
  }

  /**
   * Fires every pending deadline due by now; resolves with how many fired (appended events).
   * A call while a tick is running waits for it, then ticks again.
   */
  tick(): Promise<number> {
    return this.mutex.run(() => this.runTick());
  }

  private async runTick(): Promise<number> {
    if (!(await this.lease.shouldRun())) return 0;
    const nowIso = this.clock.now().toISOString();
    const deadlines = this.deadlines();
    let fired = 0;
    let cursor: string | undefined;
    do {
      const page = await deadlines.find(dueDeadlinesFilter(nowIso), { sort: { dueAt: 1 }, limit: this.batchSize, cursor });
      for (const doc of page.items) {
        if (await this.fire(doc)) fired += 1;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return fired;
  }

  /** Issues the command for one deadline; true when it appended events. Errors are logged, not thrown. */
  private async fire(doc: SlaDeadlineDoc): Promise<boolean> {
    try {
      const now = this.clock.now().toISOString();
      // A deadline is met up to its due time inclusive: a breach needs the time to have passed.
      if (doc.kind !== 'resolution-warning' && Date.parse(now) <= Date.parse(doc.dueAt)) return false;
      const command = await this.commandFor(doc);
      const idempotencyKey = `sla:${doc.complaintId}:${doc.kind}:${doc.dueAt}`;
      const commandId = deterministicUuid(`command:${idempotencyKey}`);
      const outcome = await this.complaints.complaint.handle(doc.complaintId, command, {
        actor: SLA_SCHEDULER_ACTOR,
        correlationId: commandId,
        commandId,
        idempotencyKey,
      });
      return !outcome.replayed && outcome.events.length > 0;
    } catch (error) {
      // Ids and error names only: complaint texts and customer data stay out of the logs.
      const name = error instanceof Error ? error.name : 'Error';
      const code = typeof error === 'object' && error !== null && 'code' in error ? ` ${String(error.code)}` : '';
      this.logger.error(`SLA ${doc.kind} for complaint ${doc.complaintId} failed (${name}${code}); retried on the next tick`);
      return false;
    }
  }

  private async commandFor(doc: SlaDeadlineDoc): Promise<SlaCommand> {
    if (doc.kind === 'resolution-warning') {
      return { type: 'RecordSlaWarning', data: { dueAt: doc.deadlineDueAt } };
    }
    const supervisorId = doc.department === null ? null : await this.supervisors.supervisorOf(doc.department);
    const deadline = doc.kind === 'resolution-breach' ? 'resolution' : 'first-response';
    return { type: 'RecordSlaBreach', data: { deadline, dueAt: doc.deadlineDueAt, supervisorId } };
  }

  private deadlines(): Collection<SlaDeadlineDoc> {
    return this.readModels.collection<SlaDeadlineDoc>(SLA_DEADLINES_PROJECTION_NAME, SLA_DEADLINES_COLLECTION);
  }

  private schedule(delayMs: number): void {
    // After a quick stop() and start(), the earlier loop may still end here: keep one timer chain.
    if (!this.running || this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.loop(), delayMs);
    // The scheduler alone must not keep the process alive.
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    this.timer = undefined;
    let delay = this.pollIntervalMs;
    // Under the lock, so that stop() also waits for the look-ahead query (the stores close next).
    await this.mutex.run(async () => {
      if (!this.running) return;
      try {
        await this.runTick();
        delay = await this.untilNextDeadline();
      } catch (error) {
        this.logger.error(`SLA tick failed (${error instanceof Error ? error.name : 'Error'}); retrying`);
      }
    });
    this.schedule(delay);
  }

  /** The pause before the next tick: the poll interval, or less when a deadline falls due sooner. */
  private async untilNextDeadline(): Promise<number> {
    const now = this.clock.now().getTime();
    const next = await this.deadlines().find(
      { status: 'pending', dueAt: { $gt: new Date(now).toISOString() } },
      { sort: { dueAt: 1 }, limit: 1 },
    );
    const doc = next.items[0];
    if (doc === undefined) return this.pollIntervalMs;
    // A breach is due only once its time has passed, hence the extra millisecond.
    const fireAt = Date.parse(doc.dueAt) + (doc.kind === 'resolution-warning' ? 0 : 1);
    return Math.min(this.pollIntervalMs, Math.max(0, fireAt - now));
  }
}
