import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import { COMPLAINT_EVENT_TYPES, type ComplaintEvent } from './complaint.events';
import { nextStatusFacts, statusFromFacts } from './complaint-status';
import { type ComplaintDetails, type ComplaintDetailsDoc, type WorkQueueItem, type WorkQueueItemDoc } from './complaint-details-documents';
import { applyToDetails, registered } from './complaint-details-evolve';
import { timelineStep } from './complaint-timeline';

export * from './complaint-details-documents';
export { applyToDetails } from './complaint-details-evolve';
export { timelineStep } from './complaint-timeline';

export const COMPLAINT_DETAILS_PROJECTION = 'complaint-details';
export const COMPLAINTS_COLLECTION = 'complaints';
export const WORK_QUEUE_COLLECTION = 'work-queue';

/** Sorts after every ISO date: complaints without a resolution deadline (not graded yet) come last in the queue. */
export const NO_DUE_DATE = '9999-12-31T23:59:59.999Z';

type Doc = ComplaintDetails;

/** The work-queue line of a complaint. */
export function toWorkQueueItem(doc: Doc): WorkQueueItem {
  const sla = doc.sla;
  const closed = doc.status === 'closed';
  const firstResponseDueAt = sla && !sla.firstResponse ? sla.firstResponseDueAt : null;
  const resolutionDueAt = sla?.resolutionDueAt ?? null;
  const pending = closed ? [] : [firstResponseDueAt, doc.resolution ? null : resolutionDueAt].filter((due): due is string => due !== null);
  const nextDueAt = pending.length > 0 ? pending.reduce((a, b) => (b < a ? b : a)) : null;
  const clockRunning = sla !== null && !closed && doc.clockStoppedAt === null;
  return {
    complaintId: doc.complaintId,
    number: doc.number,
    status: doc.status,
    customerId: doc.customerId,
    channel: doc.channel,
    category: doc.category,
    product: doc.product,
    severity: doc.severity,
    department: doc.holder?.department ?? null,
    assignee: doc.holder?.assignee ?? null,
    escalationLevel: doc.escalationLevel,
    receivedAt: doc.receivedAt,
    firstResponseDueAt,
    resolutionDueAt,
    nextDueAt,
    clockStoppedAt: doc.clockStoppedAt,
    clockRunning,
    overdueWhileStopped:
      !clockRunning && nextDueAt !== null && doc.clockStoppedAt !== null && Date.parse(nextDueAt) < Date.parse(doc.clockStoppedAt),
    sortDueAt: resolutionDueAt ?? NO_DUE_DATE,
    search: [doc.number, doc.category, doc.subCategory, doc.product, doc.description].filter(Boolean).join(' ').toLowerCase(),
    revision: doc.revision,
    updatedAt: doc.updatedAt,
  };
}

async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const complaints = ctx.collection<ComplaintDetailsDoc>(COMPLAINTS_COLLECTION);
  const queue = ctx.collection<WorkQueueItemDoc>(WORK_QUEUE_COLLECTION);
  const e = { type: event.type, data: event.data } as ComplaintEvent;
  const id = e.data.complaintId;

  let current: Doc | null;
  if (e.type === 'ComplaintRegistered') {
    const original = e.data.followUpOf ? await complaints.get(e.data.followUpOf) : null;
    current = registered(event, e, original?.number ?? null);
    if (original) {
      // The link both ways: the closed complaint lists what followed it up.
      await complaints.update(original.complaintId, {
        $push: { 'links.followUps': { complaintId: id, number: e.data.number, registeredAt: e.data.receivedAt } },
      });
    }
  } else {
    current = await complaints.get(id);
    if (!current) return;
  }

  const facts = nextStatusFacts(current.facts, e);
  const step = timelineStep(e);
  const next: Doc = {
    ...applyToDetails(current, e),
    facts,
    status: statusFromFacts(facts),
    timeline: [...current.timeline, { type: e.type, at: step.at, actor: event.metadata.actor, summary: step.summary }],
    revision: Number(event.revision),
    updatedAt: event.metadata.recordedAt,
  };
  await complaints.replace(id, next);
  await queue.replace(id, toWorkQueueItem(next));
}

const byDue = (filter: Record<string, 1>) => ({ keys: { ...filter, sortDueAt: 1 as const } });

export const complaintDetailsProjection: ProjectionDefinition = {
  name: COMPLAINT_DETAILS_PROJECTION,
  // 2: the queue's `search` text and its number, category and severity indexes.
  version: 2,
  // Reads personal fields: the complaint's texts are shown on its page.
  needsPlaintext: true,
  // Complaint texts are the customer's personal data: a forget rebuilds this read model.
  rebuildOnErasure: true,
  eventTypes: COMPLAINT_EVENT_TYPES,
  collections: {
    [COMPLAINTS_COLLECTION]: {},
    // The queue's filters, each with the sort it is read in (resolution due first).
    [WORK_QUEUE_COLLECTION]: {
      indexes: [
        byDue({}),
        byDue({ status: 1 }),
        byDue({ department: 1 }),
        byDue({ department: 1, status: 1 }),
        byDue({ department: 1, assignee: 1 }),
        byDue({ assignee: 1 }),
        byDue({ customerId: 1 }),
        byDue({ number: 1 }),
        byDue({ category: 1 }),
        byDue({ severity: 1 }),
        byDue({ clockRunning: 1 }),
        byDue({ overdueWhileStopped: 1 }),
      ],
    },
  },
  handle,
};
