import { Logger } from '@nestjs/common';
import type { Clock } from '../shared/clock';
import type { CommandProcessor, Unstamped } from '../shared/decider/command-processor';
import { deterministicUuid } from '../shared/ids';
import {
  DurableTimer,
  type DurableTimerOptions,
  type DurableTimerWork,
  type TimerLease,
  type TimerReadModels,
} from '../shared/scheduling/durable-timer';
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

/** Lets one process of several run the scheduler (see DurableTimer). */
export type SchedulerLease = TimerLease;

/** How the scheduler reaches the read model (ReadModels and ProjectionRunner both fit). */
export type SlaReadModels = TimerReadModels;

export interface SlaSchedulerLogger {
  log(message: string): void;
  error(message: string): void;
}

export interface SlaSchedulerOptions extends DurableTimerOptions {
  logger?: SlaSchedulerLogger;
}

export const SLA_SCHEDULER_ACTOR = 'system:sla-scheduler';

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
  private readonly timer: DurableTimer<SlaDeadlineDoc>;
  private readonly complaints: ComplaintStreams;

  constructor(
    processor: CommandProcessor,
    private readonly readModels: SlaReadModels,
    clock: Clock,
    private readonly supervisors: SupervisorDirectory,
    options: SlaSchedulerOptions = {},
  ) {
    this.complaints = new ComplaintStreams(processor);
    const work: DurableTimerWork<SlaDeadlineDoc> = {
      items: () => this.readModels.collection<SlaDeadlineDoc>(SLA_DEADLINES_PROJECTION_NAME, SLA_DEADLINES_COLLECTION),
      dueField: 'dueAt',
      dueFilter: dueDeadlinesFilter,
      // A breach is due only once its time has passed, hence the extra millisecond.
      firesAt: (doc) => Date.parse(doc.dueAt) + (doc.kind === 'resolution-warning' ? 0 : 1),
      fire: (doc, now) => this.fire(doc, now),
      failed: (doc, error) => {
        // Ids and error names only: complaint texts and customer data stay out of the logs.
        const name = error instanceof Error ? error.name : 'Error';
        const code = typeof error === 'object' && error !== null && 'code' in error ? ` ${String(error.code)}` : '';
        return `SLA ${doc.kind} for complaint ${doc.complaintId} failed (${name}${code}); retried on the next tick`;
      },
      label: 'SLA',
      logger: options.logger ?? new Logger('SlaScheduler'),
    };
    this.timer = new DurableTimer(work, clock, options);
  }

  /** Ticks at once (deadlines that fell due while the process was down fire now), then keeps ticking. */
  start(): void {
    this.timer.start();
  }

  /** Stops the timer and waits for a tick in flight. */
  stop(): Promise<void> {
    return this.timer.stop();
  }

  /**
   * Fires every pending deadline due by now; resolves with how many fired (appended events).
   * A call while a tick is running waits for it, then ticks again.
   */
  tick(): Promise<number> {
    return this.timer.tick();
  }

  /** Issues the command for one deadline; true when it appended events. */
  private async fire(doc: SlaDeadlineDoc, now: string): Promise<boolean> {
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
  }

  private async commandFor(doc: SlaDeadlineDoc): Promise<SlaCommand> {
    if (doc.kind === 'resolution-warning') {
      return { type: 'RecordSlaWarning', data: { dueAt: doc.deadlineDueAt } };
    }
    const supervisorId = doc.department === null ? null : await this.supervisors.supervisorOf(doc.department);
    const deadline = doc.kind === 'resolution-breach' ? 'resolution' : 'first-response';
    return { type: 'RecordSlaBreach', data: { deadline, dueAt: doc.deadlineDueAt, supervisorId } };
  }
}
