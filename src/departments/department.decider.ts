import type { Decider } from '../shared/decider/decider';
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import type {
  DepartmentEvent,
  DepartmentUpdated,
  WebhookFilter,
  WebhookScope,
  WebhookSubscribed,
  WebhookUnsubscribed,
} from './department.events';

export { departmentStream } from './department.events';

/** Active webhooks one department may have: each one is polled and signed for on every matching event. */
export const MAX_WEBHOOKS_PER_DEPARTMENT = 20;

// ---------------------------------------------------------------- commands
// Every command carries `now` (ISO 8601) from the injected clock: the decider never reads a clock.

export type CreateDepartment = {
  type: 'CreateDepartment';
  data: { departmentId: string; name: string; supervisorId: string | null };
  now: string;
};
export type UpdateDepartment = {
  type: 'UpdateDepartment';
  /** Fields left out stay as they are; supervisorId null removes the supervisor. */
  data: { name?: string; supervisorId?: string | null };
  now: string;
};
export type SubscribeWebhook = {
  type: 'SubscribeWebhook';
  /** url and eventTypes are validated at the HTTP edge (scheme, known complaint event types). */
  data: {
    webhookId: string;
    url: string;
    eventTypes: string[];
    scope: WebhookScope;
    secretSource: 'generated' | 'provided';
    filter?: WebhookFilter;
  };
  now: string;
};
export type UnsubscribeWebhook = { type: 'UnsubscribeWebhook'; data: { webhookId: string }; now: string };

export type DepartmentCommand = CreateDepartment | UpdateDepartment | SubscribeWebhook | UnsubscribeWebhook;

// ---------------------------------------------------------------- state

export interface WebhookState {
  url: string;
  eventTypes: readonly string[];
  scope: WebhookScope;
  active: boolean;
}

export interface DepartmentState {
  exists: boolean;
  departmentId: string | null;
  name: string | null;
  /** Who is told about escalations of the department's complaints. */
  supervisorId: string | null;
  /** Every webhook ever subscribed (unsubscribed ones stay, inactive, so their ids are never reused). */
  webhooks: ReadonlyMap<string, WebhookState>;
}

const initialState = (): DepartmentState => ({
  exists: false,
  departmentId: null,
  name: null,
  supervisorId: null,
  webhooks: new Map(),
});

// ---------------------------------------------------------------- decide

function mustExist(state: DepartmentState): asserts state is DepartmentState & { departmentId: string; name: string } {
  if (!state.exists || state.departmentId === null) {
    throw new NotFoundError('DEPARTMENT_NOT_FOUND', 'No department with this id');
  }
}

/** Only the fields that actually change, so an update that changes nothing records nothing. */
function changesOf(state: DepartmentState, requested: UpdateDepartment['data']): DepartmentUpdated['data']['changes'] {
  const changes: DepartmentUpdated['data']['changes'] = {};
  if (requested.name !== undefined && requested.name !== state.name) changes.name = requested.name;
  if (requested.supervisorId !== undefined && requested.supervisorId !== state.supervisorId) changes.supervisorId = requested.supervisorId;
  return changes;
}

function create(command: CreateDepartment, state: DepartmentState): DepartmentEvent[] {
  if (state.exists) {
    throw new BusinessRuleViolation('DEPARTMENT_ALREADY_EXISTS', 'A department with this id already exists');
  }
  const { departmentId, name, supervisorId } = command.data;
  return [{ type: 'DepartmentCreated', data: { departmentId, name, supervisorId, createdAt: command.now } }];
}

function update(command: UpdateDepartment, state: DepartmentState): DepartmentEvent[] {
  mustExist(state);
  const changes = changesOf(state, command.data);
  if (Object.keys(changes).length === 0) return [];
  return [{ type: 'DepartmentUpdated', data: { departmentId: state.departmentId, changes, updatedAt: command.now } }];
}

function subscribeWebhook(command: SubscribeWebhook, state: DepartmentState): DepartmentEvent[] {
  mustExist(state);
  const { webhookId, url, eventTypes, scope, secretSource, filter } = command.data;
  if (state.webhooks.has(webhookId)) {
    throw new BusinessRuleViolation('WEBHOOK_ALREADY_EXISTS', 'A webhook with this id already exists');
  }
  const active = [...state.webhooks.values()].filter((webhook) => webhook.active);
  if (active.some((webhook) => webhook.url === url)) {
    // Two subscriptions to one URL would deliver every event twice; change the types by resubscribing.
    throw new BusinessRuleViolation('WEBHOOK_URL_ALREADY_SUBSCRIBED', 'This department already has a webhook for this URL', { url });
  }
  if (active.length >= MAX_WEBHOOKS_PER_DEPARTMENT) {
    throw new BusinessRuleViolation('WEBHOOK_LIMIT_REACHED', `A department can have at most ${MAX_WEBHOOKS_PER_DEPARTMENT} webhooks`, {
      limit: MAX_WEBHOOKS_PER_DEPARTMENT,
    });
  }
  return [
    {
      type: 'WebhookSubscribed',
      data: {
        departmentId: state.departmentId,
        webhookId,
        url,
        eventTypes: [...new Set(eventTypes)],
        scope,
        ...(filter ? { filter } : {}),
        secretSource,
        subscribedAt: command.now,
      },
    },
  ];
}

function unsubscribeWebhook(command: UnsubscribeWebhook, state: DepartmentState): DepartmentEvent[] {
  mustExist(state);
  const webhook = state.webhooks.get(command.data.webhookId);
  if (!webhook || !webhook.active) {
    throw new NotFoundError('WEBHOOK_NOT_FOUND', 'No webhook with this id in this department');
  }
  return [
    {
      type: 'WebhookUnsubscribed',
      data: { departmentId: state.departmentId, webhookId: command.data.webhookId, unsubscribedAt: command.now },
    },
  ];
}

export function decide(command: DepartmentCommand, state: DepartmentState): DepartmentEvent[] {
  switch (command.type) {
    case 'CreateDepartment':
      return create(command, state);
    case 'UpdateDepartment':
      return update(command, state);
    case 'SubscribeWebhook':
      return subscribeWebhook(command, state);
    case 'UnsubscribeWebhook':
      return unsubscribeWebhook(command, state);
    default: {
      const exhaustive: never = command;
      return exhaustive;
    }
  }
}

// ---------------------------------------------------------------- evolve

function onUpdated(state: DepartmentState, event: DepartmentUpdated): DepartmentState {
  const { name, supervisorId } = event.data.changes;
  return {
    ...state,
    name: name ?? state.name,
    supervisorId: supervisorId === undefined ? state.supervisorId : supervisorId,
  };
}

function onWebhookSubscribed(state: DepartmentState, event: WebhookSubscribed): DepartmentState {
  const { webhookId, url, eventTypes, scope } = event.data;
  return { ...state, webhooks: new Map(state.webhooks).set(webhookId, { url, eventTypes, scope, active: true }) };
}

function onWebhookUnsubscribed(state: DepartmentState, event: WebhookUnsubscribed): DepartmentState {
  const current = state.webhooks.get(event.data.webhookId);
  if (!current) return state;
  return { ...state, webhooks: new Map(state.webhooks).set(event.data.webhookId, { ...current, active: false }) };
}

export function evolve(state: DepartmentState, event: DepartmentEvent): DepartmentState {
  switch (event.type) {
    case 'DepartmentCreated':
      return {
        ...state,
        exists: true,
        departmentId: event.data.departmentId,
        name: event.data.name,
        supervisorId: event.data.supervisorId,
      };
    case 'DepartmentUpdated':
      return onUpdated(state, event);
    case 'WebhookSubscribed':
      return onWebhookSubscribed(state, event);
    case 'WebhookUnsubscribed':
      return onWebhookUnsubscribed(state, event);
    default: {
      const exhaustive: never = event;
      return exhaustive;
    }
  }
}

export const departmentDecider: Decider<DepartmentState, DepartmentCommand, DepartmentEvent> = {
  decide,
  evolve,
  initialState,
};
