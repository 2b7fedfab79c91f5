import { Logger } from '@nestjs/common';
import type { Clock } from '../shared/clock';
import type { CommandProcessor } from '../shared/decider/command-processor';
import { deterministicUuid } from '../shared/ids';
import { AsyncMutex } from '../shared/projections/async-mutex';
import type { Collection, Document } from '../shared/read-store/read-store.port';
import { FollowUpStreams } from './follow-up.streams';
import { dueTimersFilter, FOLLOW_UP_TIMERS_COLLECTION, FOLLOW_UPS_PROJECTION, type FollowUpTimerDoc } from './follow-ups.projection';

export interface FollowUpSchedulerLease {
  shouldRun(): Promise<boolean>;
}

export interface FollowUpReadModels {
  collection<T extends Document>(projection: string, logical: string): Collection<T>;
}

export interface FollowUpSchedulerOptions {
  /** Longest pause between ticks; earlier when the next timer is sooner. Default 1000. */
  pollIntervalMs?: number;
  batchSize?: number;
  lease?: FollowUpSchedulerLease;
  logger?: { error(message: string): void };
}

export const FOLLOW_UP_SCHEDULER_ACTOR = 'system:follow-up-scheduler';

const ALWAYS: FollowUpSchedulerLease = { shouldRun: () => Promise.resolve(true) };

/**
 * Appends FollowUpReminderDue and FollowUpOverdue on time and exactly once, the way the SLA clock
 * does (complaints/sla-scheduler.ts):
 * - its work list is a durable read model, so after a restart the first tick fires whatever fell due
 *   while the process was down;
 * - each command's idempotency key is the follow-up, the kind and the due time, so firing again
 *   (read model behind, crash between append and projection) replays instead of appending;
 * - the decider records each kind at most once per due time and decides nothing for a stale timer;
 * - under several processes it runs only where the worker lease is held.
 */
export class FollowUpScheduler {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly lease: FollowUpSchedulerLease;
  private readonly logger: { error(message: string): void };
  private readonly mutex = new AsyncMutex();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly followUps: FollowUpStreams;

  constructor(
    processor: CommandProcessor,
    private readonly readModels: FollowUpReadModels,
    private readonly clock: Clock,
    options: FollowUpSchedulerOptions = {},
  ) {
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 1000);
    this.batchSize = Math.max(1, options.batchSize ?? 100);
    this.lease = options.lease ?? ALWAYS;
    this.logger = options.logger ?? new Logger('FollowUpScheduler');
    this.followUps = new FollowUpStreams(processor);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.mutex.run(() => Promise.resolve());
  }

  /** Fires every pending timer due by now; resolves with how many appended events. */
  tick(): Promise<number> {
    return this.mutex.run(() => this.runTick());
  }

  private timers(): Collection<FollowUpTimerDoc> {
    return this.readModels.collection<FollowUpTimerDoc>(FOLLOW_UPS_PROJECTION, FOLLOW_UP_TIMERS_COLLECTION);
  }

  private async runTick(): Promise<number> {
    if (!(await this.lease.shouldRun())) return 0;
    const nowIso = this.clock.now().toISOString();
    let fired = 0;
    let cursor: string | undefined;
    do {
      const page = await this.timers().find(dueTimersFilter(nowIso), { sort: { fireAt: 1 }, limit: this.batchSize, cursor });
      for (const doc of page.items) if (await this.fire(doc)) fired += 1;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return fired;
  }

  private async fire(doc: FollowUpTimerDoc): Promise<boolean> {
    try {
      const now = this.clock.now().toISOString();
      // Overdue needs the due time to have passed.
      if (doc.kind === 'overdue' && Date.parse(now) <= Date.parse(doc.fireAt)) return false;
      const command =
        doc.kind === 'reminder'
          ? ({ type: 'RecordFollowUpReminder', data: { dueAt: doc.dueAt } } as const)
          : ({ type: 'RecordFollowUpOverdue', data: { dueAt: doc.dueAt } } as const);
      const idempotencyKey = `follow-up:${doc.followUpId}:${doc.kind}:${doc.dueAt}`;
      const commandId = deterministicUuid(`command:${idempotencyKey}`);
      const outcome = await this.followUps.followUp.handle(doc.followUpId, command, {
        actor: FOLLOW_UP_SCHEDULER_ACTOR,
        correlationId: commandId,
        commandId,
        idempotencyKey,
      });
      return !outcome.replayed && outcome.events.length > 0;
    } catch (error) {
      // Ids and error names only: follow-up titles and notes stay out of the logs.
      const name = error instanceof Error ? error.name : 'Error';
      this.logger.error(`Follow-up ${doc.kind} for ${doc.followUpId} failed (${name}); retried on the next tick`);
      return false;
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running || this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.loop(), delayMs);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    this.timer = undefined;
    let delay = this.pollIntervalMs;
    await this.mutex.run(async () => {
      if (!this.running) return;
      try {
        await this.runTick();
        delay = await this.untilNextTimer();
      } catch (error) {
        this.logger.error(`Follow-up tick failed (${error instanceof Error ? error.name : 'Error'}); retrying`);
      }
    });
    this.schedule(delay);
  }

  private async untilNextTimer(): Promise<number> {
    const now = this.clock.now().getTime();
    const next = await this.timers().find(
      { status: 'pending', fireAt: { $gt: new Date(now).toISOString() } },
      { sort: { fireAt: 1 }, limit: 1 },
    );
    const doc = next.items[0];
    if (doc === undefined) return this.pollIntervalMs;
    const fireAt = Date.parse(doc.fireAt) + (doc.kind === 'overdue' ? 1 : 0);
    return Math.min(this.pollIntervalMs, Math.max(0, fireAt - now));
  }
}
