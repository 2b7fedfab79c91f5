import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '../shared/errors/domain-errors';
import type { WebhookFilter } from './department.events';
import { ReadModels } from '../shared/projections/read-models';
import { type Filter, type Page, READ_STORE, type ReadStore } from '../shared/read-store/read-store.port';
import {
  DEPARTMENT_WEBHOOKS_PROJECTION,
  type DepartmentDoc,
  DEPARTMENTS_COLLECTION,
  WEBHOOKS_COLLECTION,
  type WebhookDoc,
} from './department-webhooks.projection';
import {
  type DeliveryAttemptDoc,
  type DeliveryDoc,
  type DeliveryStatus,
  WEBHOOK_ATTEMPTS_COLLECTION,
  WEBHOOK_DELIVERIES_COLLECTION,
} from './webhook-dispatcher';

export interface DepartmentView {
  id: string;
  name: string;
  supervisorId: string | null;
  activeWebhooks: number;
  createdAt: string;
  updatedAt: string;
  revision: number;
}

/** A webhook as GET routes show it: never its secret. */
export interface WebhookView {
  id: string;
  departmentId: string;
  url: string;
  eventTypes: string[];
  scope: WebhookDoc['scope'];
  filter: WebhookFilter | null;
  active: boolean;
  secretSource: WebhookDoc['secretSource'];
  subscribedAt: string;
  unsubscribedAt: string | null;
  /** Deliveries by status, as the dispatcher has them. */
  deliveries: Record<DeliveryStatus, number>;
}

export type DeliveryAttemptView = Omit<DeliveryAttemptDoc, '_id' | '_position' | 'webhookId' | 'departmentId'>;

const toDepartmentView = (doc: DepartmentDoc): DepartmentView => ({
  id: doc.departmentId,
  name: doc.name,
  supervisorId: doc.supervisorId,
  activeWebhooks: doc.activeWebhooks,
  createdAt: doc.createdAt,
  updatedAt: doc.updatedAt,
  revision: doc.revision,
});

export class GetDepartmentQuery extends Query<DepartmentView> {
  constructor(
    readonly departmentId: string,
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class ListDepartmentsQuery extends Query<Page<DepartmentView>> {
  constructor(
    readonly page: { limit: number; cursor?: string },
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class ListWebhooksQuery extends Query<{ items: WebhookView[] }> {
  constructor(
    readonly departmentId: string,
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class GetWebhookQuery extends Query<WebhookView> {
  constructor(
    readonly departmentId: string,
    readonly webhookId: string,
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class ListDeliveriesQuery extends Query<Page<DeliveryAttemptView>> {
  constructor(
    readonly departmentId: string,
    readonly webhookId: string,
    readonly page: { limit: number; cursor?: string },
    readonly eventId?: string,
    readonly minPosition?: string,
  ) {
    super();
  }
}

/** Shared lookups: the department must exist, and the webhook must be one of its own. */
class DepartmentReads {
  constructor(
    private readonly readModels: ReadModels,
    private readonly readStore: ReadStore,
  ) {}

  async department(departmentId: string, minPosition?: string): Promise<DepartmentDoc> {
    await this.readModels.ensureCaughtUp(DEPARTMENT_WEBHOOKS_PROJECTION, minPosition);
    const doc = await this.readModels.collection<DepartmentDoc>(DEPARTMENT_WEBHOOKS_PROJECTION, DEPARTMENTS_COLLECTION).get(departmentId);
    if (!doc) throw new NotFoundError('DEPARTMENT_NOT_FOUND', 'No department with this id');
    return doc;
  }

  async webhook(departmentId: string, webhookId: string, minPosition?: string): Promise<WebhookDoc> {
    await this.department(departmentId, minPosition);
    const doc = await this.readModels.collection<WebhookDoc>(DEPARTMENT_WEBHOOKS_PROJECTION, WEBHOOKS_COLLECTION).get(webhookId);
    if (!doc || doc.departmentId !== departmentId)
      throw new NotFoundError('WEBHOOK_NOT_FOUND', 'No webhook with this id in this department');
    return doc;
  }

  async view(doc: WebhookDoc): Promise<WebhookView> {
    const deliveries = this.readStore.collection<DeliveryDoc>(WEBHOOK_DELIVERIES_COLLECTION);
    const counts = {} as Record<DeliveryStatus, number>;
    for (const status of ['pending', 'delivered', 'failed', 'cancelled'] as const) {
      counts[status] = await deliveries.count({ webhookId: doc.webhookId, status });
    }
    return {
      id: doc.webhookId,
      departmentId: doc.departmentId,
      url: doc.url,
      eventTypes: doc.eventTypes,
      scope: doc.scope,
      filter: doc.filter ?? null,
      active: doc.active,
      secretSource: doc.secretSource,
      subscribedAt: doc.subscribedAt,
      unsubscribedAt: doc.unsubscribedAt,
      deliveries: counts,
    };
  }
}

@QueryHandler(GetDepartmentQuery)
export class GetDepartmentHandler implements IQueryHandler<GetDepartmentQuery> {
  private readonly reads: DepartmentReads;

  constructor(readModels: ReadModels, @Inject(READ_STORE) readStore: ReadStore) {
    this.reads = new DepartmentReads(readModels, readStore);
  }

  async execute({ departmentId, minPosition }: GetDepartmentQuery): Promise<DepartmentView> {
    return toDepartmentView(await this.reads.department(departmentId, minPosition));
  }
}

@QueryHandler(ListDepartmentsQuery)
export class ListDepartmentsHandler implements IQueryHandler<ListDepartmentsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ page, minPosition }: ListDepartmentsQuery): Promise<Page<DepartmentView>> {
    await this.readModels.ensureCaughtUp(DEPARTMENT_WEBHOOKS_PROJECTION, minPosition);
    const result = await this.readModels
      .collection<DepartmentDoc>(DEPARTMENT_WEBHOOKS_PROJECTION, DEPARTMENTS_COLLECTION)
      .find({}, { sort: { nameKey: 1 }, limit: page.limit, cursor: page.cursor });
    return { items: result.items.map(toDepartmentView), nextCursor: result.nextCursor };
  }
}

@QueryHandler(ListWebhooksQuery)
export class ListWebhooksHandler implements IQueryHandler<ListWebhooksQuery> {
  private readonly reads: DepartmentReads;

  constructor(
    private readonly readModels: ReadModels,
    @Inject(READ_STORE) readStore: ReadStore,
  ) {
    this.reads = new DepartmentReads(readModels, readStore);
  }

  /** The active webhooks (at most MAX_WEBHOOKS_PER_DEPARTMENT, so unpaged); removed ones stay readable by id. */
  async execute({ departmentId, minPosition }: ListWebhooksQuery): Promise<{ items: WebhookView[] }> {
    await this.reads.department(departmentId, minPosition);
    const items: WebhookView[] = [];
    for await (const doc of this.readModels
      .collection<WebhookDoc>(DEPARTMENT_WEBHOOKS_PROJECTION, WEBHOOKS_COLLECTION)
      .findAll({ departmentId, active: true }, { subscribedAt: 1 })) {
      items.push(await this.reads.view(doc));
    }
    return { items };
  }
}

@QueryHandler(GetWebhookQuery)
export class GetWebhookHandler implements IQueryHandler<GetWebhookQuery> {
  private readonly reads: DepartmentReads;

  constructor(readModels: ReadModels, @Inject(READ_STORE) readStore: ReadStore) {
    this.reads = new DepartmentReads(readModels, readStore);
  }

  async execute({ departmentId, webhookId, minPosition }: GetWebhookQuery): Promise<WebhookView> {
    return this.reads.view(await this.reads.webhook(departmentId, webhookId, minPosition));
  }
}

@QueryHandler(ListDeliveriesQuery)
export class ListDeliveriesHandler implements IQueryHandler<ListDeliveriesQuery> {
  private readonly reads: DepartmentReads;

  constructor(
    readModels: ReadModels,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {
    this.reads = new DepartmentReads(readModels, readStore);
  }

  /** Every attempt, newest first. */
  async execute({ departmentId, webhookId, page, eventId, minPosition }: ListDeliveriesQuery): Promise<Page<DeliveryAttemptView>> {
    await this.reads.webhook(departmentId, webhookId, minPosition);
    const filter: Filter = { webhookId };
    if (eventId !== undefined) filter.eventId = eventId;
    const result = await this.readStore
      .collection<DeliveryAttemptDoc>(WEBHOOK_ATTEMPTS_COLLECTION)
      .find(filter, { sort: { at: -1, attempt: -1 }, limit: page.limit, cursor: page.cursor });
    return {
      items: result.items.map(({ _id, _position, webhookId: _w, departmentId: _d, ...rest }) => rest),
      nextCursor: result.nextCursor,
    };
  }
}

export const DEPARTMENT_QUERY_HANDLERS = [
  GetDepartmentHandler,
  ListDepartmentsHandler,
  ListWebhooksHandler,
  GetWebhookHandler,
  ListDeliveriesHandler,
];
