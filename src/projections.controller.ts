import { ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import { type Projector, PROJECTOR } from './shared/projections/projector';

@Controller('projections')
export class ProjectionsController {
  // The projector, not the runner: with RELATA_ROLE=all the projections run in this process's worker thread.
  constructor(@Inject(PROJECTOR) private readonly projector: Projector) {}

  /** Each projection's position, lag, state and parked events. */
  @Get()
  async list() {
    // lease: whether this process is the one running the projections and schedulers.
    return { projections: await this.projector.status(), lease: this.projector.leaseStatus() };
  }

  /** Rebuilds one projection into fresh collections; readers switch once it has caught up. */
  @Post(':name/rebuild')
  @HttpCode(202)
  async rebuild(@Param('name') name: string) {
    const known = (await this.projector.status()).some((p) => p.name === name);
    if (!known) throw new NotFoundException(`No projection named ${name}`);
    // Only the process running the projections may rebuild one (see GET /projections: lease).
    if ((await this.projector.rebuild(name)) === 'not-active') {
      throw new ConflictException('This process does not hold the worker lease; send the rebuild to the one that does');
    }
    return { rebuilding: name };
  }
}
