import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import { ReadModels } from '../shared/projections/read-models';
import type { Filter } from '../shared/read-store/read-store.port';
import { FOLLOW_UPS_COLLECTION, FOLLOW_UPS_PROJECTION, type FollowUpDoc } from './follow-ups.projection';

/** Open follow-ups of one owner or department, how many are overdue, and the soonest due. */
export interface FollowUpQueueCount {
  key: string | null;
  open: number;
  overdue: number;
  nextDueAt: string | null;
}

/** The work queues at a glance (no personal data): for the dashboard and supervisors. */
export interface FollowUpSummary {
  asOf: string;
  open: number;
  overdue: number;
  byOwner: FollowUpQueueCount[];
  byDepartment: FollowUpQueueCount[];
}

export class FollowUpSummaryQuery extends Query<FollowUpSummary> {
  constructor(
    readonly department?: string,
    readonly minPosition?: string,
  ) {
    super();
  }
}

function countInto(counts: Map<string | null, FollowUpQueueCount>, key: string | null, doc: FollowUpDoc, overdue: boolean): void {
  const entry = counts.get(key) ?? { key, open: 0, overdue: 0, nextDueAt: null };
  entry.open += 1;
  if (overdue) entry.overdue += 1;
  if (entry.nextDueAt === null || doc.dueAt < entry.nextDueAt) entry.nextDueAt = doc.dueAt;
  counts.set(key, entry);
}

/** Most overdue first, then most open, then by name: the queues that need attention on top. */
const byUrgency = (a: FollowUpQueueCount, b: FollowUpQueueCount): number =>
  b.overdue - a.overdue || b.open - a.open || String(a.key).localeCompare(String(b.key));

@QueryHandler(FollowUpSummaryQuery)
export class FollowUpSummaryHandler implements IQueryHandler<FollowUpSummaryQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ department, minPosition }: FollowUpSummaryQuery): Promise<FollowUpSummary> {
    await this.readModels.ensureCaughtUp(FOLLOW_UPS_PROJECTION, minPosition);
    const asOf = this.clock.now().toISOString();
    const where: Filter = { status: 'open' };
    if (department !== undefined) where.department = department;
    const owners = new Map<string | null, FollowUpQueueCount>();
    const departments = new Map<string | null, FollowUpQueueCount>();
    let open = 0;
    let overdue = 0;
    for await (const doc of this.readModels
      .collection<FollowUpDoc>(FOLLOW_UPS_PROJECTION, FOLLOW_UPS_COLLECTION)
      .findAll(where, { dueAt: 1 })) {
      const late = doc.dueAt < asOf;
      open += 1;
      if (late) overdue += 1;
      countInto(owners, doc.owner, doc, late);
      countInto(departments, doc.department, doc, late);
    }
    return { asOf, open, overdue, byOwner: [...owners.values()].sort(byUrgency), byDepartment: [...departments.values()].sort(byUrgency) };
  }
}
