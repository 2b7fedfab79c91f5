import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import { NotFoundError } from '../shared/errors/domain-errors';
import { ReadModels } from '../shared/projections/read-models';
import type { Filter, Page } from '../shared/read-store/read-store.port';
import { COMPLAINT_STATUSES, type ComplaintStatus } from './complaint.events';
import {
  type ActionView,
  COMPLAINT_DETAILS_PROJECTION,
  type ComplaintDetails,
  type ComplaintDetailsDoc,
  COMPLAINTS_COLLECTION,
  type SlaView,
  WORK_QUEUE_COLLECTION,
  type WorkQueueItem,
  type WorkQueueItemDoc,
} from './complaint-details.projection';
import type { Severity } from './sla-policy';
import { COMPLAINT_SOLUTIONS_PROJECTION, type Solution, type SolutionDoc, SOLUTIONS_COLLECTION } from './complaint-solutions.projection';

/**
 * - running: the clock runs and the deadline is ahead;
 * - paused: the clock is stopped (on hold, resolved awaiting the customer) with time left;
 * - overdue: the deadline passed (while paused too: it passed before the clock stopped);
 * - met / missed: done within / after the deadline;
 * - cancelled: the complaint was closed before it was done.
 */
export type DeadlineState = 'running' | 'paused' | 'overdue' | 'met' | 'missed' | 'cancelled';

export interface DeadlineView {
  dueAt: string;
  state: DeadlineState;
  /** Until the deadline, in ms, frozen while the clock is stopped; negative once overdue; null once done or cancelled. */
  timeLeftMs: number | null;
  completedAt: string | null;
}

export type ComplaintView = Omit<ComplaintDetails, 'facts' | 'actions' | 'sla'> & {
  id: string;
  sla: Omit<SlaView, 'firstResponseDueAt' | 'resolutionDueAt' | 'firstResponse'> | null;
  /** Computed when read, with the injected clock. */
  deadlines: { firstResponse: DeadlineView; resolution: DeadlineView } | null;
  /** Some deadline is overdue. */
  overdue: boolean;
  actions: (ActionView & { overdue: boolean })[];
};

export type WorkQueueItemView = Omit<WorkQueueItem, 'sortDueAt' | 'overdueWhileStopped' | 'clockRunning' | 'search'> & {
  id: string;
  overdue: boolean;
  /** Until the earliest pending deadline (nextDueAt), frozen while the clock is stopped; null when none is pending. */
  timeLeftMs: number | null;
};

export type SolutionView = Omit<Solution, 'published'>;

function deadline(
  dueAt: string,
  done: { at: string; withinSla: boolean } | null,
  closed: boolean,
  clockStoppedAt: string | null,
  now: Date,
): DeadlineView {
  if (done) return { dueAt, state: done.withinSla ? 'met' : 'missed', timeLeftMs: null, completedAt: done.at };
  if (closed) return { dueAt, state: 'cancelled', timeLeftMs: null, completedAt: null };
  const reference = clockStoppedAt === null ? now.getTime() : Date.parse(clockStoppedAt);
  const timeLeftMs = Date.parse(dueAt) - reference;
  const state: DeadlineState = timeLeftMs < 0 ? 'overdue' : clockStoppedAt === null ? 'running' : 'paused';
  return { dueAt, state, timeLeftMs, completedAt: null };
}

export function toComplaintView(doc: ComplaintDetailsDoc, now: Date): ComplaintView {
  const closed = doc.status === 'closed';
  const sla = doc.sla;
  const deadlines = sla && {
    firstResponse: deadline(
      sla.firstResponseDueAt,
      sla.firstResponse && { at: sla.firstResponse.respondedAt, withinSla: sla.firstResponse.withinSla },
      closed,
      doc.clockStoppedAt,
      now,
    ),
    resolution: deadline(
      sla.resolutionDueAt,
      doc.resolution && { at: doc.resolution.resolvedAt, withinSla: doc.resolution.withinSla },
      closed,
      doc.clockStoppedAt,
      now,
    ),
  };
  const nowIso = now.toISOString();
  return {
    id: doc.complaintId,
    complaintId: doc.complaintId,
    number: doc.number,
    status: doc.status,
    customerId: doc.customerId,
    channel: doc.channel,
    category: doc.category,
    subCategory: doc.subCategory,
    product: doc.product,
    description: doc.description,
    remedySought: doc.remedySought,
    occurredAt: doc.occurredAt,
    receivedAt: doc.receivedAt,
    acknowledgement: doc.acknowledgement,
    holder: doc.holder,
    holders: doc.holders,
    assessment: doc.assessment,
    severity: doc.severity,
    difficulty: doc.difficulty,
    gradedAt: doc.gradedAt,
    deadlines,
    overdue: deadlines !== null && (deadlines.firstResponse.state === 'overdue' || deadlines.resolution.state === 'overdue'),
    sla: sla && {
      policyId: sla.policyId,
      policyVersion: sla.policyVersion,
      clockStartedAt: sla.clockStartedAt,
      pausedMs: sla.pausedMs,
      warningAt: sla.warningAt,
      warningRaisedAt: sla.warningRaisedAt,
      breaches: sla.breaches,
    },
    clockStoppedAt: doc.clockStoppedAt,
    hold: doc.hold,
    escalationLevel: doc.escalationLevel,
    escalations: doc.escalations,
    notes: doc.notes,
    rootCause: doc.rootCause,
    actions: doc.actions.map((a) => ({ ...a, overdue: a.status === 'open' && !closed && a.dueAt < nowIso })),
    progressUpdates: doc.progressUpdates,
    resolution: doc.resolution,
    communication: doc.communication,
    customerResponse: doc.customerResponse,
    satisfaction: doc.satisfaction,
    closure: doc.closure,
    reopenings: doc.reopenings,
    links: doc.links,
    timeline: doc.timeline,
    revision: doc.revision,
    updatedAt: doc.updatedAt,
  };
}

export function toWorkQueueItemView(doc: WorkQueueItemDoc, now: Date): WorkQueueItemView {
  const { _id, _position, sortDueAt: _s, search: _search, overdueWhileStopped, clockRunning, ...rest } = doc;
  const reference = clockRunning ? now.getTime() : doc.clockStoppedAt === null ? null : Date.parse(doc.clockStoppedAt);
  const timeLeftMs = doc.nextDueAt === null || reference === null ? null : Date.parse(doc.nextDueAt) - reference;
  return {
    id: doc.complaintId,
    ...rest,
    overdue: overdueWhileStopped || (clockRunning && timeLeftMs !== null && timeLeftMs < 0),
    timeLeftMs,
  };
}

// ------------------------------------------------------------------ messages (QueryBus)

export class GetComplaintQuery extends Query<ComplaintView> {
  constructor(
    readonly complaintId: string,
    readonly minPosition?: string,
  ) {
    super();
  }
}

export interface WorkQueueFilter {
  department?: string;
  assignee?: string;
  /** "open" stands for every status but closed. */
  status?: (ComplaintStatus | 'open')[];
  overdue?: boolean;
  customerId?: string;
  /** The number the customer quotes (CMP-YYYY-NNNNNN). */
  number?: string;
  category?: string;
  severity?: Severity[];
  /** Text in the number, category, sub-category, product or description (ignoring case). */
  q?: string;
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class ListComplaintsQuery extends Query<Page<WorkQueueItemView>> {
  constructor(
    readonly filter: WorkQueueFilter,
    readonly page: { limit: number; cursor?: string },
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class ListSolutionsQuery extends Query<Page<SolutionView>> {
  constructor(
    readonly filter: { category?: string; product?: string },
    readonly page: { limit: number; cursor?: string },
    readonly minPosition?: string,
  ) {
    super();
  }
}

// ------------------------------------------------------------------ handlers

@QueryHandler(GetComplaintQuery)
export class GetComplaintHandler implements IQueryHandler<GetComplaintQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ complaintId, minPosition }: GetComplaintQuery): Promise<ComplaintView> {
    await this.readModels.ensureCaughtUp(COMPLAINT_DETAILS_PROJECTION, minPosition);
    const doc = await this.readModels.collection<ComplaintDetailsDoc>(COMPLAINT_DETAILS_PROJECTION, COMPLAINTS_COLLECTION).get(complaintId);
    if (!doc) throw new NotFoundError('COMPLAINT_NOT_FOUND', 'No complaint with this id');
    return toComplaintView(doc, this.clock.now());
  }
}

/** The query of a work queue: every filter is served by an index ending in the sort key. */
export function workQueueFilter(filter: WorkQueueFilter, now: Date): Filter {
  const query: Filter = {};
  if (filter.department !== undefined) query.department = filter.department;
  if (filter.assignee !== undefined) query.assignee = filter.assignee;
  if (filter.customerId !== undefined) query.customerId = filter.customerId;
  if (filter.number !== undefined) query.number = filter.number.toUpperCase();
  if (filter.category !== undefined) query.category = filter.category;
  if (filter.severity?.length) query.severity = filter.severity.length === 1 ? filter.severity[0] : { $in: filter.severity };
  if (filter.q !== undefined) query.search = { $regex: escapeRegex(filter.q.toLowerCase()) };
  if (filter.status?.length) {
    const wanted = new Set<ComplaintStatus>();
    for (const status of filter.status) {
      if (status === 'open') COMPLAINT_STATUSES.filter((s) => s !== 'closed').forEach((s) => wanted.add(s));
      else wanted.add(status);
    }
    query.status = wanted.size === 1 ? [...wanted][0] : { $in: [...wanted] };
  }
  if (filter.overdue !== undefined) {
    // Overdue: a pending deadline passed while the clock runs, or had passed when it stopped.
    const overdue = [{ clockRunning: true, nextDueAt: { $lt: now.toISOString() } }, { overdueWhileStopped: true }];
    if (filter.overdue) query.$or = overdue;
    else query.$nor = overdue;
  }
  return query;
}

@QueryHandler(ListComplaintsQuery)
export class ListComplaintsHandler implements IQueryHandler<ListComplaintsQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter, page, minPosition }: ListComplaintsQuery): Promise<Page<WorkQueueItemView>> {
    await this.readModels.ensureCaughtUp(COMPLAINT_DETAILS_PROJECTION, minPosition);
    const now = this.clock.now();
    const result = await this.readModels
      .collection<WorkQueueItemDoc>(COMPLAINT_DETAILS_PROJECTION, WORK_QUEUE_COLLECTION)
      .find(workQueueFilter(filter, now), { sort: { sortDueAt: 1 }, limit: page.limit, cursor: page.cursor });
    return { items: result.items.map((doc) => toWorkQueueItemView(doc, now)), nextCursor: result.nextCursor };
  }
}

@QueryHandler(ListSolutionsQuery)
export class ListSolutionsHandler implements IQueryHandler<ListSolutionsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ filter, page, minPosition }: ListSolutionsQuery): Promise<Page<SolutionView>> {
    await this.readModels.ensureCaughtUp(COMPLAINT_SOLUTIONS_PROJECTION, minPosition);
    const query: Filter = { published: true };
    if (filter.category !== undefined) query.category = filter.category;
    if (filter.product !== undefined) query.product = filter.product;
    const result = await this.readModels
      .collection<SolutionDoc>(COMPLAINT_SOLUTIONS_PROJECTION, SOLUTIONS_COLLECTION)
      .find(query, { sort: { resolvedAt: -1 }, limit: page.limit, cursor: page.cursor });
    return {
      items: result.items.map(({ _id, _position, published: _p, ...rest }) => rest),
      nextCursor: result.nextCursor,
    };
  }
}

export const COMPLAINT_QUERY_HANDLERS = [GetComplaintHandler, ListComplaintsHandler, ListSolutionsHandler];
