/**
 * The `complaint-stats` projection: per complaint, the facts the complaint statistics are computed
 * from (complaint-stats.ts aggregates them at query time). Built from the complaint EVENTS, not
 * from the complaint read models, so the statistics do not depend on how those present things.
 *
 * Facts kept (one document per complaint, indexed by registeredAt):
 * - dimensions: status (current), category, product, channel, department (current holder), severity
 *   (latest grade), customerId;
 * - registeredAt (the complaint's receivedAt), acknowledgedAt;
 * - valid: the standing assessment (null before one);
 * - resolvedAt / resolutionWithinSla: the standing resolution (a reopen clears it);
 * - breachedFirstResponse / breachedResolution: an SLA breach was recorded;
 * - everResolvedOrClosed and reopenCount, for the reopen rate;
 * - csat / nps: the latest satisfaction answer.
 */
import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import type { ComplaintEvent, ComplaintStatus } from '../complaints/complaint.events';
import { COMPLAINT_STATUS_EVENT_TYPES, type ComplaintStatusFacts, INITIAL_STATUS_FACTS, nextStatusFacts, statusFromFacts } from '../complaints/complaint-status';

export const COMPLAINT_STATS_PROJECTION = 'complaint-stats';
export const COMPLAINT_FACTS_COLLECTION = 'complaints';

export interface ComplaintFacts {
  complaintId: string;
  number: string;
  customerId: string;
  status: ComplaintStatus;
  category: string;
  product: string | null;
  channel: string;
  department: string | null;
  severity: string | null;
  registeredAt: string;
  acknowledgedAt: string | null;
  valid: boolean | null;
  resolvedAt: string | null;
  resolutionWithinSla: boolean | null;
  breachedFirstResponse: boolean;
  breachedResolution: boolean;
  everResolvedOrClosed: boolean;
  reopenCount: number;
  csat: number | null;
  nps: number | null;
  closedAt: string | null;
  closeReason: string | null;
}

export interface ComplaintFactsDoc extends Document, ComplaintFacts {
  statusFacts: ComplaintStatusFacts;
}

const HANDLED: readonly ComplaintEvent['type'][] = [
  ...new Set<ComplaintEvent['type']>([
    ...COMPLAINT_STATUS_EVENT_TYPES,
    'ComplaintAssigned',
    'SlaBreached',
    'SatisfactionRecorded',
  ]),
];

/** The facts after one event (the registration is handled by the caller). */
function nextFacts(doc: ComplaintFactsDoc, e: ComplaintEvent): Partial<ComplaintFactsDoc> {
  const statusFacts = nextStatusFacts(doc.statusFacts, e);
  const status = { statusFacts, status: statusFromFacts(statusFacts) };
  switch (e.type) {
    case 'ComplaintAcknowledged':
      return { ...status, acknowledgedAt: doc.acknowledgedAt ?? e.data.acknowledgedAt };
    case 'ComplaintAssigned':
      return { ...status, department: e.data.department };
    case 'ComplaintAssessed':
      return { ...status, valid: e.data.valid };
    case 'ComplaintGraded':
      return { ...status, severity: e.data.severity };
    case 'SlaBreached':
      return { ...status, ...(e.data.deadline === 'resolution' ? { breachedResolution: true } : { breachedFirstResponse: true }) };
    case 'ComplaintResolved':
      return { ...status, resolvedAt: e.data.resolvedAt, resolutionWithinSla: e.data.withinSla, everResolvedOrClosed: true };
    case 'SatisfactionRecorded':
      return { ...status, csat: e.data.csat, nps: e.data.nps };
    case 'ComplaintClosed':
      return { ...status, closedAt: e.data.closedAt, closeReason: e.data.reason, everResolvedOrClosed: true };
    case 'ComplaintReopened':
      // Back to work: the earlier resolution no longer stands.
      return { ...status, resolvedAt: null, resolutionWithinSla: null, closedAt: null, closeReason: null, reopenCount: doc.reopenCount + 1 };
    default:
      return status;
  }
}

async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const facts = ctx.collection<ComplaintFactsDoc>(COMPLAINT_FACTS_COLLECTION);
  const e = { type: event.type, data: event.data } as ComplaintEvent;
  if (e.type === 'ComplaintRegistered') {
    const d = e.data;
    await facts.replace(d.complaintId, {
      complaintId: d.complaintId,
      number: d.number,
      customerId: d.customerId,
      status: 'registered',
      statusFacts: INITIAL_STATUS_FACTS,
      category: d.category,
      product: d.product,
      channel: d.channel,
      department: null,
      severity: null,
      registeredAt: d.receivedAt,
      acknowledgedAt: null,
      valid: null,
      resolvedAt: null,
      resolutionWithinSla: null,
      breachedFirstResponse: false,
      breachedResolution: false,
      everResolvedOrClosed: false,
      reopenCount: 0,
      csat: null,
      nps: null,
      closedAt: null,
      closeReason: null,
    });
    return;
  }
  const doc = await facts.get(e.data.complaintId);
  if (!doc) return;
  await facts.update(doc._id, { $set: nextFacts(doc, e) });
}

export const complaintStatsProjection: ProjectionDefinition = {
  name: COMPLAINT_STATS_PROJECTION,
  version: 1,
  eventTypes: HANDLED,
  collections: { [COMPLAINT_FACTS_COLLECTION]: { indexes: [{ keys: { registeredAt: 1 } }] } },
  handle,
};
