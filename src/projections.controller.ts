import { ConflictException, Controller, Get, HttpCode, Inject, Logger, NotFoundException, Param, Post } from '@nestjs/common';
import type { LeaseCoordinator } from './shared/lease/lease-coordinator';
import { WORKER_LEASE } from './shared/lease/worker-lease';
import { ProjectionRunner } from './shared/projections/projection-runner';

@Controller('projections')
export class ProjectionsController {
  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(WORKER_LEASE) private readonly lease: LeaseCoordinator,
  ) {}

  /** Each projection's position, lag, state and parked events. */
  @Get()
  async list() {
    // lease: whether this process is the one running the projections and schedulers.
    return { projections: await this.runner.status(), lease: this.lease.status() };
  }

  /** Rebuilds one projection into fresh collections; readers switch once it has caught up. */
  @Post(':name/rebuild')
  @HttpCode(202)
  async rebuild(@Param('name') name: string) {
    const known = (await this.runner.status()).some((p) => p.name === name);
    if (!known) throw new NotFoundException(`No projection named ${name}`);
    // Only the process running the projections may rebuild one (see GET /projections: lease).
    if (!this.lease.isActive()) throw new ConflictException('This process does not hold the worker lease; send the rebuild to the one that does');
    this.runner.rebuild(name).catch((error: Error) => new Logger('Projections').error(`rebuild of ${name} failed: ${error.message}`));
    return { rebuilding: name };
  }
}
