import { Controller, Get, HttpCode, Logger, NotFoundException, Param, Post } from '@nestjs/common';
import { ProjectionRunner } from './shared/projections/projection-runner';

@Controller('projections')
export class ProjectionsController {
  constructor(private readonly runner: ProjectionRunner) {}

  /** Each projection's position, lag, state and parked events. */
  @Get()
  async list() {
    return { projections: await this.runner.status() };
  }

  /** Rebuilds one projection into fresh collections; readers switch once it has caught up. */
  @Post(':name/rebuild')
  @HttpCode(202)
  async rebuild(@Param('name') name: string) {
    const known = (await this.runner.status()).some((p) => p.name === name);
    if (!known) throw new NotFoundException(`No projection named ${name}`);
    this.runner.rebuild(name).catch((error: Error) => new Logger('Projections').error(`rebuild of ${name} failed: ${error.message}`));
    return { rebuilding: name };
  }
}
