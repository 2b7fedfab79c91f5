import { Controller, Get, Header, HttpStatus, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { type HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { EVENT_STORE, type EventStore } from '../shared/event-store/event-store.port';
import { type Projector, PROJECTOR } from '../shared/projections/projector';
import { READ_STORE, type ReadStore } from '../shared/read-store/read-store.port';

/** A store that does not answer within this is reported down. */
const PING_TIMEOUT_MS = 3000;

/**
 * GET /health: liveness. The process is up and serving HTTP; nothing external is asked, so an
 * orchestrator restarts the process only when the process itself is stuck.
 *
 * GET /ready: readiness. Both stores answer and every projection is at most
 * RELATA_READY_MAX_LAG_EVENTS events behind, and the worker part runs (here, in this process's
 * projector thread, or, for RELATA_ROLE=api, in a live holder of the worker lease); otherwise 503 with Terminus' details, so a load
 * balancer sends traffic elsewhere until it is.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(PROJECTOR) private readonly projector: Projector,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(RELATA_CONFIG) private readonly config: RelataConfig,
  ) {}

  @Get('health')
  liveness(): Promise<HealthCheckResult> {
    return this.health.check([() => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) })]);
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  async readiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () =>
          this.indicators
            .check('eventStore')
            .attempt(() => this.eventStore.ping())
            .withTimeout(PING_TIMEOUT_MS),
        () =>
          this.indicators
            .check('readStore')
            .attempt(() => this.readStore.ping())
            .withTimeout(PING_TIMEOUT_MS),
        () => this.worker(),
        () => this.projections(),
      ]);
    } catch (error) {
      // Terminus' own body (which check failed, and why), not the generic problem document.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return error.getResponse() as HealthCheckResult;
    }
  }

  private worker() {
    const session = this.indicators.check('worker');
    const { alive, ...health } = this.projector.health();
    return alive ? session.up(health) : session.down(health);
  }

  private async projections() {
    const session = this.indicators.check('projections');
    const maxLagEvents = this.config.readyMaxLagEvents;
    let statuses;
    try {
      statuses = await this.projector.status();
    } catch (error) {
      return session.down({ message: `projection status unavailable: ${error instanceof Error ? error.name : 'Error'}` });
    }
    const behind: Record<string, { lagEvents: number; lagSeconds: number; state: string }> = {};
    for (const s of statuses) {
      if (s.lagEvents > maxLagEvents || s.state === 'failed')
        behind[s.name] = { lagEvents: s.lagEvents, lagSeconds: s.lagSeconds, state: s.state };
    }
    const maxLag = Math.max(0, ...statuses.map((s) => s.lagEvents));
    return Object.keys(behind).length > 0
      ? session.down({ maxLagEvents, behind })
      : session.up({ maxLagEvents, projections: statuses.length, largestLagEvents: maxLag });
  }
}
