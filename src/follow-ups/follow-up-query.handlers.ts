import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import { NotFoundError } from '../shared/errors/domain-errors';
import { ReadModels } from '../shared/projections/read-models';
import type { Filter, Page } from '../shared/read-store/read-store.port';
import type { FollowUpStatus } from './follow-up.events';
import { FOLLOW_UPS_COLLECTION, FOLLOW_UPS_PROJECTION, type FollowUpDoc } from './follow-ups.projection';

export type FollowUpView = Omit<FollowUpDoc, '_id' | '_position' | 'followUpId'> & { id: string; overdue: boolean };

export interface FollowUpQueueFilter {
  owner?: string;
  department?: string;
  customerId?: string;
  status?: FollowUpStatus;
}

/** A page of follow-ups with the time `overdue` was judged at. */
export interface FollowUpPage extends Page<FollowUpView> {
  asOf: string;
}

/** Overdue as of `now`: open and past its due time (the overdue event may still be on its way). */
export function toFollowUpView(doc: FollowUpDoc, now: string): FollowUpView {
  const { _id, _position, followUpId, ...rest } = doc as FollowUpDoc & { _position?: unknown };
  return { id: followUpId, ...rest, overdue: doc.status === 'open' && Date.parse(doc.dueAt) < Date.parse(now) };
}

export class GetFollowUpQuery extends Query<FollowUpView> {
  constructor(
    readonly followUpId: string,
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class ListFollowUpsQuery extends Query<FollowUpPage> {
  constructor(
    readonly filter: FollowUpQueueFilter,
    readonly page: { limit: number; cursor?: string },
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class ListOverdueFollowUpsQuery extends Query<FollowUpPage> {
  constructor(
    readonly filter: { owner?: string; department?: string },
    readonly page: { limit: number; cursor?: string },
    readonly minPosition?: string,
  ) {
    super();
  }
}

function followUps(readModels: ReadModels) {
  return readModels.collection<FollowUpDoc>(FOLLOW_UPS_PROJECTION, FOLLOW_UPS_COLLECTION);
}

@QueryHandler(GetFollowUpQuery)
export class GetFollowUpHandler implements IQueryHandler<GetFollowUpQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ followUpId, minPosition }: GetFollowUpQuery): Promise<FollowUpView> {
    await this.readModels.ensureCaughtUp(FOLLOW_UPS_PROJECTION, minPosition);
    const doc = await followUps(this.readModels).get(followUpId);
    if (!doc) throw new NotFoundError('FOLLOW_UP_NOT_FOUND', 'No follow-up with this id');
    return toFollowUpView(doc, this.clock.now().toISOString());
  }
}

/** A work queue: an owner's, a department's or a customer's follow-ups in one status (default open), soonest due first. */
@QueryHandler(ListFollowUpsQuery)
export class ListFollowUpsHandler implements IQueryHandler<ListFollowUpsQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter, page, minPosition }: ListFollowUpsQuery): Promise<FollowUpPage> {
    await this.readModels.ensureCaughtUp(FOLLOW_UPS_PROJECTION, minPosition);
    const where: Filter = { status: filter.status ?? 'open' };
    if (filter.owner !== undefined) where.owner = filter.owner;
    if (filter.department !== undefined) where.department = filter.department;
    if (filter.customerId !== undefined) where.customerId = filter.customerId;
    const asOf = this.clock.now().toISOString();
    const result = await followUps(this.readModels).find(where, { sort: { dueAt: 1 }, limit: page.limit, cursor: page.cursor });
    return { items: result.items.map((doc) => toFollowUpView(doc, asOf)), nextCursor: result.nextCursor, asOf };
  }
}

/** Open follow-ups past their due time as of now, most overdue first. */
@QueryHandler(ListOverdueFollowUpsQuery)
export class ListOverdueFollowUpsHandler implements IQueryHandler<ListOverdueFollowUpsQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter, page, minPosition }: ListOverdueFollowUpsQuery): Promise<FollowUpPage> {
    await this.readModels.ensureCaughtUp(FOLLOW_UPS_PROJECTION, minPosition);
    const asOf = this.clock.now().toISOString();
    const where: Filter = { status: 'open', dueAt: { $lt: asOf } };
    if (filter.owner !== undefined) where.owner = filter.owner;
    if (filter.department !== undefined) where.department = filter.department;
    const result = await followUps(this.readModels).find(where, { sort: { dueAt: 1 }, limit: page.limit, cursor: page.cursor });
    return { items: result.items.map((doc) => toFollowUpView(doc, asOf)), nextCursor: result.nextCursor, asOf };
  }
}

export const FOLLOW_UP_QUERY_HANDLERS = [GetFollowUpHandler, ListFollowUpsHandler, ListOverdueFollowUpsHandler];
