import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { RecordedEvent } from '../event-store/event-store.port';

/**
 * The extensible list of events departments may subscribe webhooks to, besides complaint events.
 * Each feature declares its own (customers, segments, follow-ups, campaigns, ...) next to its
 * events as a WebhookEventSource; the composition root collects them (all-webhook-events.ts) and
 * hands them to the department-webhooks projection and to subscription validation. The kernel
 * knows no feature: a new feature adds a source, nothing here changes.
 */
export interface WebhookEventSource {
  /** A short family name, shown in docs and errors: 'customer', 'segment', 'follow-up'. */
  family: string;
  eventTypes: readonly string[];
  /** Who and what the event concerns, for routing, scoping and erasure. */
  route(event: RecordedEvent): WebhookRoute;
  /**
   * Facts about a customer the event establishes, remembered by the projection to scope later
   * events by owner or segment (an owner assigned, a segment changed). Optional.
   */
  customerFacts?(event: RecordedEvent): CustomerFacts | null;
}

export interface WebhookRoute {
  /** The customer the event is about: whose personal data its body may carry (erased on forget), and whose owner and segments scope it. */
  customerId: string | null;
  /** Departments the event concerns directly (a follow-up in a department's queue): webhooks of scope 'assigned' receive it. */
  departments: readonly string[];
  /** The agent the event concerns (a follow-up's owner); null: the customer's owner, if any. */
  owner: string | null;
}

export type CustomerFacts =
  | { customerId: string; owner: string }
  /** `at`: business time of the change; a change older than the one known (a historical run) does not replace it. */
  | { customerId: string; segment: { scheme: string; name: string | null; at: string } };

/** The sources by event type; throws on an event type two sources claim. */
export class WebhookEventCatalog {
  private readonly byType = new Map<string, WebhookEventSource>();

  constructor(readonly sources: readonly WebhookEventSource[]) {
    for (const source of sources) {
      for (const type of source.eventTypes) {
        if (this.byType.has(type)) throw new Error(`Webhook event type ${type} is declared twice`);
        this.byType.set(type, source);
      }
    }
  }

  get eventTypes(): string[] {
    return [...this.byType.keys()];
  }

  sourceOf(type: string): WebhookEventSource | undefined {
    return this.byType.get(type);
  }
}

/** Injection token of the WebhookEventCatalog. */
export const WEBHOOK_EVENT_CATALOG = Symbol('WEBHOOK_EVENT_CATALOG');

/** Provides the catalog everywhere (departments validate subscriptions against it). */
@Global()
@Module({})
export class WebhookEventsModule {
  static forRoot(sources: readonly WebhookEventSource[]): DynamicModule {
    return {
      module: WebhookEventsModule,
      providers: [{ provide: WEBHOOK_EVENT_CATALOG, useValue: new WebhookEventCatalog(sources) }],
      exports: [WEBHOOK_EVENT_CATALOG],
    };
  }
}
