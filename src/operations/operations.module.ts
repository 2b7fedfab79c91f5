import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Registry } from 'prom-client';
import { WEBHOOK_DELIVERY_OBSERVER } from '../departments/webhook-dispatcher';
import { COMMAND_OBSERVER } from '../shared/decider/command-processor';
import type { EventStore } from '../shared/event-store/event-store.port';
import { STORED_EVENT_STORE } from '../shared/event-store/hash-chaining-event-store';
import { APPEND_OBSERVER } from '../shared/event-store/metered-event-store';
import { type Projector, PROJECTOR } from '../shared/projections/projector';
import { HealthController } from './health.controller';
import { createMetricsRegistry, GroupCommitMetrics, METRICS_REGISTRY, ProjectionMetrics, ProjectorMetrics, RelataMetrics } from './metrics';
import { MetricsController } from './metrics.controller';

/**
 * Health, readiness and metrics. Global so that the kernel (a global module itself) can take the
 * metrics as the optional observers of its command processor and event store; the metrics depend
 * on nothing of the kernel, so there is no cycle. The projection gauges read the projector (the
 * runner here, or in this process's projector thread).
 */
@Global()
@Module({
  // Terminus' own error log is off: a lagging projection would log an error on every probe; the 503 body says why.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [
    { provide: METRICS_REGISTRY, useFactory: createMetricsRegistry },
    { provide: RelataMetrics, inject: [METRICS_REGISTRY], useFactory: (registry: Registry) => new RelataMetrics(registry) },
    { provide: COMMAND_OBSERVER, useExisting: RelataMetrics },
    { provide: APPEND_OBSERVER, useExisting: RelataMetrics },
    { provide: WEBHOOK_DELIVERY_OBSERVER, useExisting: RelataMetrics },
    {
      provide: ProjectionMetrics,
      inject: [METRICS_REGISTRY, PROJECTOR],
      useFactory: (registry: Registry, projector: Projector) => new ProjectionMetrics(registry, () => projector.status()),
    },
    {
      provide: ProjectorMetrics,
      inject: [METRICS_REGISTRY, PROJECTOR],
      useFactory: (registry: Registry, projector: Projector) => new ProjectorMetrics(registry, () => projector.health()),
    },
    {
      provide: GroupCommitMetrics,
      inject: [METRICS_REGISTRY, STORED_EVENT_STORE],
      useFactory: (registry: Registry, store: EventStore) => new GroupCommitMetrics(registry, () => store.commitCounts?.()),
    },
  ],
  exports: [METRICS_REGISTRY, RelataMetrics, COMMAND_OBSERVER, APPEND_OBSERVER, WEBHOOK_DELIVERY_OBSERVER],
})
export class OperationsModule {}
