import type { WebhookEventSource } from '../shared/webhooks/webhook-events';
import type { CustomerSegmentChanged } from './segmentation.events';

/** A customer moving between segments of a scheme (a segmentation run's outcome). */
export const SEGMENT_WEBHOOK_EVENTS: WebhookEventSource = {
  family: 'segment',
  eventTypes: ['CustomerSegmentChanged'] satisfies CustomerSegmentChanged['type'][],
  route: (event) => ({ customerId: (event.data as CustomerSegmentChanged['data']).customerId, departments: [], owner: null }),
  customerFacts: (event) => {
    const { customerId, scheme, to, at } = event.data as CustomerSegmentChanged['data'];
    return { customerId, segment: { scheme, name: to, at } };
  },
};
