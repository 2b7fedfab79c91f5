import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { WebhookEventSource } from '../shared/webhooks/webhook-events';
import { CAMPAIGN_EVENT_TYPES } from './campaign.events';

/**
 * Campaign events reach webhooks that name them. A member's targeting concerns that customer (so it
 * is scoped by the customer's owner and segments); the other events by the campaign's owner where
 * the event names one (CampaignCreated). None carries personal data.
 */
export const CAMPAIGN_WEBHOOK_EVENTS: WebhookEventSource = {
  family: 'campaign',
  eventTypes: CAMPAIGN_EVENT_TYPES,
  route: (event: RecordedEvent) => {
    const data = event.data as { customerId?: string; owner?: string };
    return { customerId: data.customerId ?? null, departments: [], owner: data.owner ?? null };
  },
};
