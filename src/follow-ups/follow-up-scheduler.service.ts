import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy, Optional } from '@nestjs/common';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { CLOCK, type Clock } from '../shared/clock';
import { CommandProcessor } from '../shared/decider/command-processor';
import type { LeaseCoordinator } from '../shared/lease/lease-coordinator';
import { WORKER_LEASE } from '../shared/lease/worker-lease';
import { ReadModels } from '../shared/projections/read-models';
import { FollowUpScheduler } from './follow-up-scheduler';

/**
 * The follow-up scheduler as a Nest provider. It runs with the SLA clock (RELATA_SLA_SCHEDULER:
 * one switch for the durable timers) under the same worker lease; tests keep it off and call tick().
 */
@Injectable()
export class FollowUpSchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly scheduler: FollowUpScheduler;

  constructor(
    processor: CommandProcessor,
    readModels: ReadModels,
    @Inject(CLOCK) clock: Clock,
    @Inject(RELATA_CONFIG) private readonly config: RelataConfig,
    @Optional() @Inject(WORKER_LEASE) lease?: LeaseCoordinator,
  ) {
    this.scheduler = new FollowUpScheduler(processor, readModels, clock, { lease });
  }

  onApplicationBootstrap(): void {
    if (this.config.slaSchedulerEnabled) this.scheduler.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.scheduler.stop();
  }

  tick(): Promise<number> {
    return this.scheduler.tick();
  }
}
