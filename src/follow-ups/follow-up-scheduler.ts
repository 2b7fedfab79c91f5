import { Logger } from '@nestjs/common';
import type { Clock } from '../shared/clock';
import type { CommandProcessor } from '../shared/decider/command-processor';
import { deterministicUuid } from '../shared/ids';
import {
  DurableTimer,
  type DurableTimerOptions,
  type DurableTimerWork,
  type TimerLease,
  type TimerReadModels,
} from '../shared/scheduling/durable-timer';
import { FollowUpStreams } from './follow-up.streams';
import { dueTimersFilter, FOLLOW_UP_TIMERS_COLLECTION, FOLLOW_UPS_PROJECTION, type FollowUpTimerDoc } from './follow-ups.projection';

export type FollowUpSchedulerLease = TimerLease;

export type FollowUpReadModels = TimerReadModels;

export interface FollowUpSchedulerOptions extends DurableTimerOptions {
  logger?: { error(message: string): void };
}

export const FOLLOW_UP_SCHEDULER_ACTOR = 'system:follow-up-scheduler';

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
  private readonly timer: DurableTimer<FollowUpTimerDoc>;
  private readonly followUps: FollowUpStreams;

  constructor(
    processor: CommandProcessor,
    private readonly readModels: FollowUpReadModels,
    clock: Clock,
    options: FollowUpSchedulerOptions = {},
  ) {
    this.followUps = new FollowUpStreams(processor);
    const work: DurableTimerWork<FollowUpTimerDoc> = {
      items: () => this.readModels.collection<FollowUpTimerDoc>(FOLLOW_UPS_PROJECTION, FOLLOW_UP_TIMERS_COLLECTION),
      dueField: 'fireAt',
      dueFilter: dueTimersFilter,
      firesAt: (doc) => Date.parse(doc.fireAt) + (doc.kind === 'overdue' ? 1 : 0),
      fire: (doc, now) => this.fire(doc, now),
      // Ids and error names only: follow-up titles and notes stay out of the logs.
      failed: (doc, error) =>
        `Follow-up ${doc.kind} for ${doc.followUpId} failed (${error instanceof Error ? error.name : 'Error'}); retried on the next tick`,
      label: 'Follow-up',
      logger: options.logger ?? new Logger('FollowUpScheduler'),
    };
    this.timer = new DurableTimer(work, clock, options);
  }

  start(): void {
    this.timer.start();
  }

  stop(): Promise<void> {
    return this.timer.stop();
  }

  /** Fires every pending timer due by now; resolves with how many appended events. */
  tick(): Promise<number> {
    return this.timer.tick();
  }

  private async fire(doc: FollowUpTimerDoc, now: string): Promise<boolean> {
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
  }
}
