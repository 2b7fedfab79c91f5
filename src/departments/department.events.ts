import type { DomainEvent } from '../shared/decider/decider';

/** The stream of one department (its details and its webhook subscriptions): `department-<id>`. */
export const departmentStream = (departmentId: string): string => `department-${departmentId}`;

/**
 * Which complaint events a webhook receives besides its event types:
 * - 'assigned': events of complaints its department holds (see department-webhooks.projection.ts);
 * - 'all': every complaint event, assigned or not (e.g. a triage desk that wants new complaints).
 */
export type WebhookScope = 'assigned' | 'all';
export const WEBHOOK_SCOPES: readonly WebhookScope[] = ['assigned', 'all'];

/**
 * Narrows a webhook's events: only those of customers this agent owns (or follow-ups they own),
 * of customers currently in this segment (`name` in any scheme, or `scheme:name`), or that
 * concern this department. Complaint events honour `department` only.
 */
export interface WebhookFilter {
  owner?: string;
  segment?: string;
  department?: string;
}

/** Subscribes to every complaint event type. */
export const ALL_EVENT_TYPES = '*';

export type DepartmentCreated = DomainEvent<
  'DepartmentCreated',
  { departmentId: string; name: string; supervisorId: string | null; createdAt: string }
>;
export type DepartmentUpdated = DomainEvent<
  'DepartmentUpdated',
  {
    departmentId: string;
    /** Only the fields that changed. */
    changes: { name?: string; supervisorId?: string | null };
    updatedAt: string;
  }
>;
/**
 * The signing secret is deliberately NOT in this event: events are immutable, exported and kept
 * for audit, so a secret written here could never be revoked or erased. It lives in the
 * webhook-secrets collection of the read store (see webhook-secrets.ts).
 */
export type WebhookSubscribed = DomainEvent<
  'WebhookSubscribed',
  {
    departmentId: string;
    webhookId: string;
    url: string;
    /** Complaint event types, or ['*'] for all of them. */
    eventTypes: string[];
    scope: WebhookScope;
    /** Absent or null: no filter. */
    filter?: WebhookFilter | null;
    /** Who chose the secret: Relata (shown once in the response) or the subscriber. */
    secretSource: 'generated' | 'provided';
    subscribedAt: string;
  }
>;
export type WebhookUnsubscribed = DomainEvent<'WebhookUnsubscribed', { departmentId: string; webhookId: string; unsubscribedAt: string }>;

export type DepartmentEvent = DepartmentCreated | DepartmentUpdated | WebhookSubscribed | WebhookUnsubscribed;

export const DEPARTMENT_EVENT_TYPES: readonly DepartmentEvent['type'][] = [
  'DepartmentCreated',
  'DepartmentUpdated',
  'WebhookSubscribed',
  'WebhookUnsubscribed',
];
