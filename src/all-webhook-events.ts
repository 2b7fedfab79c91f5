import { CAMPAIGN_WEBHOOK_EVENTS } from './campaigns/campaign.webhook-events';
import { SEGMENT_WEBHOOK_EVENTS } from './analytics/segment.webhook-events';
import { CUSTOMER_WEBHOOK_EVENTS } from './customers/customer.webhook-events';
import { FOLLOW_UP_WEBHOOK_EVENTS } from './follow-ups/follow-up.webhook-events';
import type { WebhookEventSource } from './shared/webhooks/webhook-events';

/**
 * Every event type departments may subscribe webhooks to besides complaint events, by feature: the
 * composition roots hand these to the department-webhooks projection and to subscription checks.
 * A feature with events to publish adds its source here.
 */
export const ALL_WEBHOOK_EVENT_SOURCES: readonly WebhookEventSource[] = [
  CUSTOMER_WEBHOOK_EVENTS,
  SEGMENT_WEBHOOK_EVENTS,
  FOLLOW_UP_WEBHOOK_EVENTS,
  CAMPAIGN_WEBHOOK_EVENTS,
];
