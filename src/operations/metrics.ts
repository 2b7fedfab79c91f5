import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { WebhookDeliveryObserver } from '../departments/webhook-dispatcher';
import type { CommandObserver, CommandOutcomeKind } from '../shared/decider/command-processor';
import type { CommitCounts } from '../shared/event-store/event-store.port';
import type { AppendObserver, AppendOutcome } from '../shared/event-store/metered-event-store';
import type { ProjectionStatus } from '../shared/projections/projection';
import type { ProjectorHealth } from '../shared/projections/projector';

/** Injection token of the app's own prom-client Registry (never the global default: two apps in one process must not collide). */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** The registry of one app, with Node's process metrics (CPU, memory, event loop, GC). */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Seconds; appends to the embedded store take about a millisecond, to a remote one tens. */
const APPEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The application's counters and histograms. It is the observer the command processor, the
 * metered event store and the webhook dispatcher report to; it depends on nothing, so the event
 * store can be built with it.
 */
export class RelataMetrics implements CommandObserver, AppendObserver, WebhookDeliveryObserver {
  private readonly commands: Counter<'command' | 'outcome' | 'code'>;
  private readonly appendDuration: Histogram<'outcome'>;
  private readonly appendedEvents: Counter;
  private readonly webhookDeliveries: Counter<'outcome'>;
  private readonly httpRequests: Histogram<'method' | 'route' | 'status'>;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.commands = new Counter({
      name: 'relata_commands_total',
      help: 'Commands handled, by command type and outcome (accepted, unchanged, replayed, refused, conflict, error); code names the refusal',
      labelNames: ['command', 'outcome', 'code'],
      registers,
    });
    this.appendDuration = new Histogram({
      name: 'relata_event_store_append_duration_seconds',
      help: 'Duration of event store appends (encryption and hash chain included), by outcome (ok, conflict, error)',
      labelNames: ['outcome'],
      buckets: APPEND_BUCKETS,
      registers,
    });
    this.appendedEvents = new Counter({
      name: 'relata_events_appended_total',
      help: 'Events appended to the event store',
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'relata_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, retrying, failed) and deliveries cancelled',
      labelNames: ['outcome'],
      registers,
    });
    this.httpRequests = new Histogram({
      name: 'relata_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status (refusals before the command path show here)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** route: the route pattern (bounded), never the URL; null for requests that matched no route. */
  requestServed(method: string, route: string | null, status: number, seconds: number): void {
    this.httpRequests.observe({ method, route: route ?? 'unmatched', status: String(status) }, seconds);
  }

  commandHandled(command: string, outcome: CommandOutcomeKind, code: string | null): void {
    this.commands.inc({ command, outcome, code: code ?? '' });
  }

  appendObserved(seconds: number, outcome: AppendOutcome, events: number): void {
    this.appendDuration.observe({ outcome }, seconds);
    if (outcome === 'ok') this.appendedEvents.inc(events);
  }

  deliveryAttempted(outcome: 'delivered' | 'retrying' | 'failed' | 'cancelled'): void {
    this.webhookDeliveries.inc({ outcome });
  }

  /** The text exposition (Prometheus format) and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * Projection gauges, read from the runner's status() when scraped. The three gauges are collected
 * concurrently: they share one status() read per scrape.
 */
export class ProjectionMetrics {
  private pending: Promise<ProjectionStatus[]> | undefined;

  constructor(registry: Registry, status: () => Promise<ProjectionStatus[]>) {
    const snapshot = (): Promise<ProjectionStatus[]> => {
      this.pending ??= status().finally(() => {
        this.pending = undefined;
      });
      return this.pending;
    };
    const gauge = (name: string, help: string, value: (s: ProjectionStatus) => number): Gauge<'projection'> =>
      new Gauge({
        name,
        help,
        labelNames: ['projection'],
        registers: [registry],
        async collect() {
          const statuses = await snapshot();
          this.reset();
          for (const s of statuses) this.set({ projection: s.name }, value(s));
        },
      });
    gauge('relata_projection_lag_events', 'Events in the log after the projection checkpoint (counted up to 10,000)', (s) => s.lagEvents);
    gauge(
      'relata_projection_lag_seconds',
      'Age of the oldest event the projection has not processed yet (0 when caught up)',
      (s) => s.lagSeconds,
    );
    gauge(
      'relata_projection_parked_events',
      'Events the projection could not apply and skipped (see GET /projections)',
      (s) => s.parked.length,
    );
    gauge('relata_projection_up', '1 while the projection is live or catching up, 0 when stopped or failed', (s) =>
      s.state === 'failed' || s.state === 'stopped' ? 0 : 1,
    );
  }
}

/** Where this process's worker part runs and whether it is alive, read from the projector when scraped. */
export class ProjectorMetrics {
  constructor(registry: Registry, health: () => ProjectorHealth) {
    new Gauge({
      name: 'relata_worker_alive',
      help: '1 while the worker part (projections, schedulers, webhooks) runs: here, in the projector thread, or (api role) in the worker lease holder',
      labelNames: ['role', 'placement'],
      registers: [registry],
      collect() {
        const h = health();
        this.reset();
        this.set({ role: h.role, placement: h.placement }, h.alive ? 1 : 0);
      },
    });
    new Gauge({
      name: 'relata_projections_thread_id',
      help: 'worker_threads threadId of the thread running the projections in this process (0: the HTTP thread); -1 when they do not run in this process',
      registers: [registry],
      collect() {
        this.set(health().threadId ?? -1);
      },
    });
    new Gauge({
      name: 'relata_projector_thread_restarts',
      help: 'Times the projector thread was restarted after it crashed (RELATA_ROLE=all)',
      registers: [registry],
      collect() {
        this.set(health().restarts);
      },
    });
  }
}

/**
 * Group commit of the embedded event store, read from it when scraped: transactions committed
 * and the appends they held. Appends per transaction above 1 is the grouping achieved; an adapter
 * that does not group (EventStoreDB) has no such counts, and then these are not registered.
 */
export class GroupCommitMetrics {
  constructor(registry: Registry, counts: () => CommitCounts | undefined) {
    if (counts() === undefined) return;
    const counter = (name: string, help: string, value: (c: CommitCounts) => number): void => {
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          const now = counts();
          if (now === undefined) return;
          this.reset();
          this.inc(value(now));
        },
      });
    };
    counter(
      'relata_event_store_commits_total',
      'Transactions the embedded event store committed appends in (group commit)',
      (c) => c.groups,
    );
    counter('relata_event_store_committed_appends_total', 'Appends those transactions held', (c) => c.appends);
  }
}
