import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CLOCK, type Clock } from '../shared/clock';
import type { LeaseCoordinator } from '../shared/lease/lease-coordinator';
import { WORKER_LEASE } from '../shared/lease/worker-lease';
import { ANALYTICS_CONFIG, type AnalyticsConfig } from './analytics-config';
import { SegmentationService } from './segmentation.service';

export const SEGMENTATION_SCHEDULER_ACTOR = 'system:segmentation-scheduler';

const DAY_MS = 86_400_000;

/** The next 00:00 UTC strictly after the instant. */
export function nextMidnightUtc(now: Date): Date {
  return new Date((Math.floor(now.getTime() / DAY_MS) + 1) * DAY_MS);
}

/**
 * The daily segmentation: at each 00:00 UTC, a run as of that instant (so recency counts whole
 * days). Nothing runs at start-up: a missed day is caught up by the next run (membership is
 * compared with the current state, so no change is lost, only its time is later) or by
 * POST /analytics/segments/recompute?asOf=... Off with RELATA_SEGMENTATION_SCHEDULER=off.
 */
@Injectable()
export class SegmentationSchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SegmentationScheduler');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly segmentation: SegmentationService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ANALYTICS_CONFIG) private readonly config: AnalyticsConfig,
    @Optional() @Inject(WORKER_LEASE) private readonly lease?: LeaseCoordinator,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.segmentationSchedulerEnabled) this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One run as of the given instant (what the timer does at midnight). */
  async runAsOf(asOf: Date): Promise<void> {
    try {
      const result = await this.segmentation.recompute(asOf, {
        actor: SEGMENTATION_SCHEDULER_ACTOR,
        correlationId: randomUUID(),
        commandId: '',
      });
      this.logger.log(`Segmentation as of ${result.asOf}: ${result.changes} change(s)`);
    } catch (error) {
      this.logger.error(`Segmentation as of ${asOf.toISOString()} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    const due = nextMidnightUtc(this.clock.now());
    // A second late, so the run is never "as of the future" when the timer fires a little early.
    const delay = Math.max(0, due.getTime() - this.clock.now().getTime()) + 1000;
    this.timer = setTimeout(() => {
      // Several processes: only the one holding the worker lease runs it.
      const run = async (): Promise<void> => {
        if (this.lease === undefined || (await this.lease.shouldRun())) await this.runAsOf(due);
      };
      this.running = run().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, delay);
    // A pending daily timer must not keep the process alive on its own.
    this.timer.unref();
  }
}
