import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy, Optional, type Provider } from '@nestjs/common';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { departmentDecider, departmentStream } from '../departments/department.decider';
import { CLOCK, type Clock } from '../shared/clock';
import { CommandProcessor } from '../shared/decider/command-processor';
import type { LeaseCoordinator } from '../shared/lease/lease-coordinator';
import { WORKER_LEASE } from '../shared/lease/worker-lease';
import { ReadModels } from '../shared/projections/read-models';
import { SlaScheduler, SUPERVISOR_DIRECTORY, type SupervisorDirectory } from './sla-scheduler';

/** Supervisors as the department streams record them (read at breach time, so a change applies at once). */
@Injectable()
export class DepartmentSupervisorDirectory implements SupervisorDirectory {
  constructor(private readonly processor: CommandProcessor) {}

  async supervisorOf(department: string): Promise<string | null> {
    const { state } = await this.processor.load(departmentDecider, departmentStream(department));
    return state.supervisorId;
  }
}

/**
 * The SLA scheduler as a Nest provider: started once the app (and so the projection runner) is up
 * when RELATA_SLA_SCHEDULER is on, stopped before the stores close. Tests keep it off and call tick().
 */
@Injectable()
export class SlaSchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly scheduler: SlaScheduler;

  constructor(
    processor: CommandProcessor,
    readModels: ReadModels,
    @Inject(CLOCK) clock: Clock,
    @Inject(SUPERVISOR_DIRECTORY) supervisors: SupervisorDirectory,
    @Inject(RELATA_CONFIG) private readonly config: RelataConfig,
    // Several processes: each tick runs only in the one holding the worker lease.
    @Optional() @Inject(WORKER_LEASE) lease?: LeaseCoordinator,
  ) {
    this.scheduler = new SlaScheduler(processor, readModels, clock, supervisors, { lease });
  }

  onApplicationBootstrap(): void {
    if (this.config.slaSchedulerEnabled) this.scheduler.start();
  }

  /** Module destroy runs before the kernel closes the stores (application shutdown). */
  onModuleDestroy(): Promise<void> {
    return this.scheduler.stop();
  }

  /** Fires what is due now; see SlaScheduler.tick. */
  tick(): Promise<number> {
    return this.scheduler.tick();
  }
}

/** Everything the complaints module needs for the SLA clock. */
export const SLA_SCHEDULER_PROVIDERS: Provider[] = [
  { provide: SUPERVISOR_DIRECTORY, useClass: DepartmentSupervisorDirectory },
  SlaSchedulerService,
];
