import { COMPLAINT_EVENT_TYPES, type ComplaintEvent } from '../complaints/complaint.events';
import type { CustomerForgotten } from '../customers/customer.events';
import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import { formatPosition, type Position } from '../shared/event-store/position';
import type { Document } from '../shared/read-store/read-store.port';
import type { CustomerFacts, WebhookEventSource, WebhookRoute } from '../shared/webhooks/webhook-events';
import { ALL_EVENT_TYPES, DEPARTMENT_EVENT_TYPES, type DepartmentEvent, type WebhookFilter, type WebhookScope } from './department.events';
import { erasedWebhookBody, personalPathsOf } from './webhook-body-erasure';

/**
 * Departments, their webhook subscriptions, which department holds each complaint, and the
 * webhook outbox: one projection, so a webhook receives exactly the events after its subscription
 * in log order, and a routing decision always sees the assignments before it.
 *
 * Routing rule (which complaint events a webhook receives, if their type is subscribed):
 * - scope 'assigned' (default): events of complaints its department currently holds (from the
 *   latest ComplaintAssigned). A ComplaintAssigned goes to both the new and the previous
 *   department (the latter learns the complaint left it), and an ActionOpened also goes to the
 *   department the action is given to. Events before the first assignment (registration,
 *   acknowledgement) concern no department yet and are not sent to 'assigned' webhooks.
 * - scope 'all': every complaint event, whoever holds the complaint (triage desks, data sinks).
 * Escalations (EscalationRaised, naming the holder's supervisor) follow the same rule: they reach
 * the department holding the complaint.
 *
 * The outbox holds one pending delivery per (webhook, event), with _id `${webhookId}:${eventId}`:
 * the runner commits it with its checkpoint, so an event is turned into deliveries exactly once and
 * a restart loses none. The WebhookDispatcher takes them over into its own collections.
 *
 * Forget: each outbox document names whose personal data its body carries (the complaint's
 * customer) and where (the event's encrypted fields). On CustomerForgotten the bodies of that
 * customer's documents have those fields replaced by "[erased]": exactly the body a rebuild makes
 * from the events once the key is gone, so the live outbox equals its rebuild. The dispatcher's
 * copies are erased the same way (webhook-erasure.ts).
 */

export const DEPARTMENT_WEBHOOKS_PROJECTION = 'department-webhooks';
export const DEPARTMENTS_COLLECTION = 'departments';
export const WEBHOOKS_COLLECTION = 'webhooks';
export const COMPLAINT_ROUTES_COLLECTION = 'complaint-routes';
export const OUTBOX_COLLECTION = 'outbox';
/** Who filed each complaint: later complaint events do not name the customer. */
export const COMPLAINT_SUBJECTS_COLLECTION = 'complaint-subjects';
/** Each customer's owner and current segments, to scope their events by owner or segment. */
export const CUSTOMER_FACTS_COLLECTION = 'customer-facts';

export interface DepartmentDoc extends Document {
  departmentId: string;
  name: string;
  /** Lower-cased name, for sorting and search. */
  nameKey: string;
  supervisorId: string | null;
  activeWebhooks: number;
  createdAt: string;
  /** Stream revision of the last event applied: the ETag of the resource. */
  revision: number;
  updatedAt: string;
}

export interface WebhookDoc extends Document {
  webhookId: string;
  departmentId: string;
  url: string;
  eventTypes: string[];
  scope: WebhookScope;
  /** Narrows which events it receives (absent on webhooks subscribed before filters: none). */
  filter?: WebhookFilter | null;
  active: boolean;
  secretSource: 'generated' | 'provided';
  subscribedAt: string;
  unsubscribedAt: string | null;
}

export interface ComplaintSubjectDoc extends Document {
  complaintId: string;
  customerId: string;
}

export interface CustomerFactsDoc extends Document {
  owner: string | null;
  /** Current segment per scheme, and the business time of the change that put the customer there. */
  segments: Record<string, string | null>;
  segmentsAt?: Record<string, string>;
}

export interface ComplaintRouteDoc extends Document {
  complaintId: string;
  departmentId: string;
  assignedAt: string;
}

/** The JSON body a receiver gets, fixed when the delivery is created so every retry sends the same bytes. */
export interface WebhookPayload {
  /** The event id: receivers de-duplicate on it (it is also the Webhook-Id header). */
  id: string;
  type: string;
  streamName: string;
  /** Global log position (decimal string): receivers may order by it. */
  position: string;
  occurredAt: string;
  data: unknown;
  metadata: { correlationId: string; causationId: string; recordedAt: string; schemaVersion: number };
}

export interface OutboxDoc extends Document {
  webhookId: string;
  departmentId: string;
  eventId: string;
  eventType: string;
  /** The event position, zero-padded to 20 digits so that string order is log order. */
  seq: string;
  /** JSON of a WebhookPayload. */
  body: string;
  /** The customer whose personal data the body may carry (the complaint's), if known. */
  subjectId: string | null;
  /** Paths in the payload's data that hold that personal data (the event's encrypted fields). */
  personalPaths: string[];
  createdAt: string;
}

/** Positions as sortable strings: a bigint position fits in 20 decimal digits. */
export const toSeq = (position: Position): string => formatPosition(position).padStart(20, '0');

async function applyDepartmentEvent(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const departments = ctx.collection<DepartmentDoc>(DEPARTMENTS_COLLECTION);
  const webhooks = ctx.collection<WebhookDoc>(WEBHOOKS_COLLECTION);
  const e = { type: event.type, data: event.data } as DepartmentEvent;
  const stamp = { revision: Number(event.revision), updatedAt: event.metadata.recordedAt };
  switch (e.type) {
    case 'DepartmentCreated': {
      const d = e.data;
      await departments.replace(d.departmentId, {
        departmentId: d.departmentId,
        name: d.name,
        nameKey: d.name.toLowerCase(),
        supervisorId: d.supervisorId,
        activeWebhooks: 0,
        createdAt: d.createdAt,
        ...stamp,
      });
      return;
    }
    case 'DepartmentUpdated': {
      const { name, supervisorId } = e.data.changes;
      const set: Record<string, unknown> = { ...stamp };
      if (name !== undefined) Object.assign(set, { name, nameKey: name.toLowerCase() });
      if (supervisorId !== undefined) set.supervisorId = supervisorId;
      await departments.update(e.data.departmentId, { $set: set });
      return;
    }
    case 'WebhookSubscribed': {
      const d = e.data;
      await webhooks.replace(d.webhookId, {
        webhookId: d.webhookId,
        departmentId: d.departmentId,
        url: d.url,
        eventTypes: d.eventTypes,
        scope: d.scope,
        filter: d.filter ?? null,
        active: true,
        secretSource: d.secretSource,
        subscribedAt: d.subscribedAt,
        unsubscribedAt: null,
      });
      await departments.update(d.departmentId, { $inc: { activeWebhooks: 1 }, $set: stamp });
      return;
    }
    case 'WebhookUnsubscribed': {
      await webhooks.update(e.data.webhookId, { $set: { active: false, unsubscribedAt: e.data.unsubscribedAt } });
      await departments.update(e.data.departmentId, { $inc: { activeWebhooks: -1 }, $set: stamp });
      return;
    }
  }
}

/** '*' stands for every complaint event type (as it did before other events could be subscribed); other types are named. */
const subscribesTo = (webhook: WebhookDoc, type: string): boolean =>
  webhook.eventTypes.includes(ALL_EVENT_TYPES) || webhook.eventTypes.includes(type);

/** Complaint events carry the department filter only (their owner and segment are not tracked). */
const complaintFilterPasses = (webhook: WebhookDoc, concerned: ReadonlySet<string>): boolean =>
  !webhook.filter?.department || concerned.has(webhook.filter.department);

async function applyComplaintEvent(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const routes = ctx.collection<ComplaintRouteDoc>(COMPLAINT_ROUTES_COLLECTION);
  const e = { type: event.type, data: event.data } as ComplaintEvent;
  const complaintId = e.data.complaintId;
  const subjects = ctx.collection<ComplaintSubjectDoc>(COMPLAINT_SUBJECTS_COLLECTION);
  if (e.type === 'ComplaintRegistered') await subjects.replace(complaintId, { complaintId, customerId: e.data.customerId });

  const concerned = new Set<string>();
  const route = await routes.get(complaintId);
  if (route) concerned.add(route.departmentId);
  if (e.type === 'ComplaintAssigned') {
    concerned.add(e.data.department);
    await routes.replace(complaintId, { complaintId, departmentId: e.data.department, assignedAt: e.data.assignedAt });
  }
  if (e.type === 'ActionOpened') concerned.add(e.data.department);

  const recipients: WebhookDoc[] = [];
  for await (const webhook of ctx
    .collection<WebhookDoc>(WEBHOOKS_COLLECTION)
    .findAll({ active: true, $or: [{ scope: 'all' }, { departmentId: { $in: [...concerned] } }] })) {
    if (subscribesTo(webhook, event.type) && complaintFilterPasses(webhook, concerned)) recipients.push(webhook);
  }
  if (recipients.length === 0) return;
  const subjectId = e.type === 'ComplaintRegistered' ? e.data.customerId : ((await subjects.get(complaintId))?.customerId ?? null);
  await writeOutbox(event, ctx, recipients, subjectId);
}

/** One pending delivery per recipient, with the body every attempt will send and what forget must erase in it. */
export async function writeOutbox(
  event: RecordedEvent,
  ctx: ProjectionContext,
  recipients: readonly WebhookDoc[],
  subjectId: string | null,
): Promise<void> {
  const payload: WebhookPayload = {
    id: event.id,
    type: event.type,
    streamName: event.streamName,
    position: event.position.toString(),
    occurredAt: event.metadata.occurredAt,
    data: event.data,
    metadata: {
      correlationId: event.metadata.correlationId,
      causationId: event.metadata.causationId,
      recordedAt: event.metadata.recordedAt,
      schemaVersion: event.metadata.schemaVersion,
    },
  };
  const body = JSON.stringify(payload);
  const personalPaths = personalPathsOf(event);
  const outbox = ctx.collection<OutboxDoc>(OUTBOX_COLLECTION);
  for (const webhook of recipients) {
    await outbox.replace(`${webhook.webhookId}:${event.id}`, {
      webhookId: webhook.webhookId,
      departmentId: webhook.departmentId,
      eventId: event.id,
      eventType: event.type,
      seq: toSeq(event.position),
      body,
      subjectId,
      personalPaths,
      createdAt: event.metadata.recordedAt,
    });
  }
}

/** The forgotten customer's outbox documents get their personal fields erased. */
async function applyCustomerForgotten(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const { customerId } = (event as unknown as CustomerForgotten).data;
  const outbox = ctx.collection<OutboxDoc>(OUTBOX_COLLECTION);
  const erased: { id: string; body: string }[] = [];
  for await (const doc of outbox.findAll({ subjectId: customerId })) {
    const body = erasedWebhookBody(doc.body, doc.personalPaths);
    if (body !== doc.body) erased.push({ id: doc._id, body });
  }
  for (const { id, body } of erased) await outbox.update(id, { $set: { body } });
}

async function applyCustomerFacts(facts: CustomerFacts | null, ctx: ProjectionContext): Promise<void> {
  if (facts === null) return;
  const customers = ctx.collection<CustomerFactsDoc>(CUSTOMER_FACTS_COLLECTION);
  if ('owner' in facts) {
    await customers.update(facts.customerId, { $set: { owner: facts.owner } }, { upsert: true });
    return;
  }
  const { scheme, name, at } = facts.segment;
  const known = (await customers.get(facts.customerId))?.segmentsAt?.[scheme];
  if (known !== undefined && known > at) return;
  await customers.update(facts.customerId, { $set: { [`segments.${scheme}`]: name, [`segmentsAt.${scheme}`]: at } }, { upsert: true });
}

/**
 * A filter's segment is `name` (in any scheme) or `scheme:name`; its owner is the event's (a
 * follow-up's) or else the customer's account manager; its department one the event concerns.
 */
function filterPasses(webhook: WebhookDoc, route: WebhookRoute, facts: CustomerFactsDoc | null): boolean {
  const filter = webhook.filter;
  if (!filter) return true;
  if (filter.department && !route.departments.includes(filter.department)) return false;
  if (filter.owner && (route.owner ?? facts?.owner ?? null) !== filter.owner) return false;
  if (filter.segment) {
    const segments = facts?.segments ?? {};
    const split = filter.segment.indexOf(':');
    const matches =
      split >= 0
        ? segments[filter.segment.slice(0, split)] === filter.segment.slice(split + 1)
        : Object.values(segments).includes(filter.segment);
    if (!matches) return false;
  }
  return true;
}

/**
 * Routing of the other features' events (customers, segments, follow-ups, ...): webhooks of scope
 * 'all' that name the type, and of scope 'assigned' whose department the event concerns; then the
 * webhook's filter. The customer's facts are those after the event (a segment change is scoped by
 * the segment entered).
 */
async function applySourcedEvent(source: WebhookEventSource, event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const route = source.route(event);
  await applyCustomerFacts(source.customerFacts?.(event) ?? null, ctx);
  const facts = route.customerId === null ? null : await ctx.collection<CustomerFactsDoc>(CUSTOMER_FACTS_COLLECTION).get(route.customerId);
  const recipients: WebhookDoc[] = [];
  for await (const webhook of ctx
    .collection<WebhookDoc>(WEBHOOKS_COLLECTION)
    .findAll({ active: true, eventTypes: event.type, $or: [{ scope: 'all' }, { departmentId: { $in: [...route.departments] } }] })) {
    if (filterPasses(webhook, route, facts)) recipients.push(webhook);
  }
  if (recipients.length > 0) await writeOutbox(event, ctx, recipients, route.customerId);
}

const DEPARTMENT_TYPES: ReadonlySet<string> = new Set(DEPARTMENT_EVENT_TYPES);
const CUSTOMER_FORGOTTEN: CustomerForgotten['type'] = 'CustomerForgotten';

/**
 * The projection, given the other features' webhook event sources (all-webhook-events.ts): their
 * events are routed by department, owner and segment (department-webhooks.sourced-events.ts).
 */
export function createDepartmentWebhooksProjection(sources: readonly WebhookEventSource[]): ProjectionDefinition {
  const byType = new Map<string, WebhookEventSource>();
  for (const source of sources) for (const type of source.eventTypes) byType.set(type, source);
  const sourcedTypes = [...byType.keys()].filter((type) => type !== CUSTOMER_FORGOTTEN);
  return {
    name: DEPARTMENT_WEBHOOKS_PROJECTION,
    // 2: outbox documents name their subject and personal paths; complaint-subjects. 3: customer,
    // segment and follow-up events (customer-facts), webhook filters.
    version: 3,
    // Reads personal fields: webhook bodies carry the event's data as the subscriber is to read it.
    needsPlaintext: true,
    eventTypes: [...new Set([...DEPARTMENT_EVENT_TYPES, ...COMPLAINT_EVENT_TYPES, CUSTOMER_FORGOTTEN, ...sourcedTypes])],
    collections: {
      [DEPARTMENTS_COLLECTION]: { indexes: [{ keys: { nameKey: 1 } }] },
      [WEBHOOKS_COLLECTION]: { indexes: [{ keys: { departmentId: 1, subscribedAt: 1 } }, { keys: { active: 1, scope: 1 } }] },
      [COMPLAINT_ROUTES_COLLECTION]: {},
      [COMPLAINT_SUBJECTS_COLLECTION]: {},
      [CUSTOMER_FACTS_COLLECTION]: {},
      [OUTBOX_COLLECTION]: { indexes: [{ keys: { seq: 1 } }, { keys: { subjectId: 1 } }] },
    },
    handle: async (event, ctx) => {
      if (event.type === CUSTOMER_FORGOTTEN) return applyCustomerForgotten(event, ctx);
      if (DEPARTMENT_TYPES.has(event.type)) return applyDepartmentEvent(event, ctx);
      const source = byType.get(event.type);
      if (source === undefined) return applyComplaintEvent(event, ctx);
      await applySourcedEvent(source, event, ctx);
    },
  };
}
