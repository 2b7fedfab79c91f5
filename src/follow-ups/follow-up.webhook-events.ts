import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { WebhookEventSource } from '../shared/webhooks/webhook-events';
import { FOLLOW_UP_EVENT_TYPES, type FollowUpEvent } from './follow-up.events';

/** Follow-up events reach the department whose queue the follow-up is in (scope 'assigned') and are scoped by its owner. */
export const FOLLOW_UP_WEBHOOK_EVENTS: WebhookEventSource = {
  family: 'follow-up',
  eventTypes: FOLLOW_UP_EVENT_TYPES,
  route: (event: RecordedEvent) => {
    const data = event.data as FollowUpEvent['data'];
    return { customerId: data.customerId, departments: data.department ? [data.department] : [], owner: data.owner };
  },
};
