import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import type { ComplaintEvent } from './complaint.events';
import type { SlaDeadlines } from './sla-policy';

/**
 * The SLA scheduler's work list: one document per deadline a complaint has (or had), with the
 * time the scheduler must act. The scheduler reads the pending ones that are due; the complaint
 * decider stays the judge (a stale document leads to a command that decides nothing).
 *
 * Documents that fired, or whose deadline was met, stay as `done` instead of being deleted: the
 * decider records each warning and breach at most once per complaint, and a later regrade, resume
 * or reopen must not revive a deadline the decider would never act on again.
 */

/** What the scheduler does for a complaint: warn before the resolution deadline, or record a breach of either deadline. */
export type SlaTimerKind = 'resolution-warning' | 'resolution-breach' | 'first-response-breach';
export const SLA_TIMER_KINDS: readonly SlaTimerKind[] = ['resolution-warning', 'resolution-breach', 'first-response-breach'];

export type SlaTimerStatus = 'pending' | 'paused' | 'done';

/**
 * Why a deadline is done. The first three are final (it fired or was met for good); a resolved or
 * closed complaint can be reopened, which makes its unfinished deadlines pending again.
 */
export type SlaTimerDoneReason = 'warning-raised' | 'breached' | 'first-response' | 'resolved' | 'closed';
const FINAL_REASONS: readonly SlaTimerDoneReason[] = ['warning-raised', 'breached', 'first-response'];

export interface SlaDeadlineDoc extends Document {
  complaintId: string;
  kind: SlaTimerKind;
  /** When the scheduler acts (ISO 8601): the warning time for the warning, the due time for a breach. */
  dueAt: string;
  /** The due time of the deadline itself, which the command names (the resolution due time for the warning). */
  deadlineDueAt: string;
  /** The department holding the complaint (its supervisor is notified of a breach); null before assignment. */
  department: string | null;
  /** pending: the clock runs; paused: on hold; done: see doneReason. */
  status: SlaTimerStatus;
  doneReason: SlaTimerDoneReason | null;
  updatedAt: string;
}

/** Who holds each complaint, so deadlines created at grading know the department. */
export interface SlaComplaintDoc extends Document {
  complaintId: string;
  department: string | null;
}

export const SLA_DEADLINES_PROJECTION_NAME = 'sla-deadlines';
export const SLA_DEADLINES_COLLECTION = 'deadlines';
export const SLA_COMPLAINTS_COLLECTION = 'complaints';

export const slaDeadlineId = (complaintId: string, kind: SlaTimerKind): string => `${complaintId}:${kind}`;

const isFinal = (doc: SlaDeadlineDoc): boolean => doc.doneReason !== null && FINAL_REASONS.includes(doc.doneReason);

/** The scheduler's times for each kind, from the complaint's current due times. */
function timesOf(kind: SlaTimerKind, deadlines: SlaDeadlines): { dueAt: string; deadlineDueAt: string } {
  switch (kind) {
    case 'resolution-warning':
      return { dueAt: deadlines.warningAt, deadlineDueAt: deadlines.resolutionDueAt };
    case 'resolution-breach':
      return { dueAt: deadlines.resolutionDueAt, deadlineDueAt: deadlines.resolutionDueAt };
    case 'first-response-breach':
      return { dueAt: deadlines.firstResponseDueAt, deadlineDueAt: deadlines.firstResponseDueAt };
  }
}

const HANDLED_EVENT_TYPES: readonly ComplaintEvent['type'][] = [
  'ComplaintAssigned',
  'ComplaintGraded',
  'ComplaintPutOnHold',
  'ComplaintResumed',
  'SlaWarningRaised',
  'SlaBreached',
  'FirstResponseRecorded',
  'ComplaintResolved',
  'ComplaintClosed',
  'ComplaintReopened',
];

// Long because it is one switch with a case per complaint event that moves a deadline, around the
// helpers (eachOpen, finish, reschedule) the cases share; each case is a few lines.
async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const deadlines = ctx.collection<SlaDeadlineDoc>(SLA_DEADLINES_COLLECTION);
  const complaints = ctx.collection<SlaComplaintDoc>(SLA_COMPLAINTS_COLLECTION);
  const e = { type: event.type, data: event.data } as ComplaintEvent;
  const { complaintId } = e.data;
  const updatedAt = event.metadata.recordedAt;

  /** Applies `change` to each of the complaint's deadlines that exists and is not final. */
  const eachOpen = async (change: (doc: SlaDeadlineDoc) => Partial<SlaDeadlineDoc> | null): Promise<void> => {
    for (const kind of SLA_TIMER_KINDS) {
      const doc = await deadlines.get(slaDeadlineId(complaintId, kind));
      if (doc === null || isFinal(doc)) continue;
      const set = change(doc);
      if (set !== null) await deadlines.update(doc._id, { $set: { ...set, updatedAt } });
    }
  };
  const finish = (kind: SlaTimerKind, doneReason: SlaTimerDoneReason): Promise<boolean> =>
    deadlines.update(slaDeadlineId(complaintId, kind), { $set: { status: 'done', doneReason, updatedAt } });
  const reschedule = (due: SlaDeadlines) => eachOpen((doc) => ({ ...timesOf(doc.kind, due), status: 'pending', doneReason: null }));

  switch (e.type) {
    case 'ComplaintAssigned': {
      const { department } = e.data;
      await complaints.update(complaintId, { $set: { complaintId, department } }, { upsert: true });
      for (const kind of SLA_TIMER_KINDS) {
        await deadlines.update(slaDeadlineId(complaintId, kind), { $set: { department, updatedAt } });
      }
      return;
    }
    case 'ComplaintGraded': {
      // First grading creates the deadlines; a regrade moves the ones still open (keeping a hold's pause).
      const department = (await complaints.get(complaintId))?.department ?? null;
      for (const kind of SLA_TIMER_KINDS) {
        const existing = await deadlines.get(slaDeadlineId(complaintId, kind));
        if (existing !== null && isFinal(existing)) continue;
        await deadlines.replace(slaDeadlineId(complaintId, kind), {
          complaintId,
          kind,
          ...timesOf(kind, e.data),
          department,
          status: existing?.status === 'paused' ? 'paused' : 'pending',
          doneReason: null,
          updatedAt,
        });
      }
      return;
    }
    case 'ComplaintPutOnHold':
      await eachOpen((doc) => (doc.status === 'pending' ? { status: 'paused' } : null));
      return;
    case 'ComplaintResumed':
      await reschedule(e.data);
      return;
    case 'ComplaintReopened': {
      const { firstResponseDueAt, resolutionDueAt, warningAt } = e.data;
      // Null due times: the complaint was never graded, so it has no deadlines.
      if (firstResponseDueAt === null || resolutionDueAt === null || warningAt === null) return;
      await reschedule({ firstResponseDueAt, resolutionDueAt, warningAt });
      return;
    }
    case 'SlaWarningRaised':
      await finish('resolution-warning', 'warning-raised');
      return;
    case 'SlaBreached':
      if (e.data.deadline === 'first-response') {
        await finish('first-response-breach', 'breached');
      } else {
        // The decider raises no warning once the resolution deadline is breached.
        await finish('resolution-breach', 'breached');
        await finish('resolution-warning', 'breached');
      }
      return;
    case 'FirstResponseRecorded':
      await finish('first-response-breach', 'first-response');
      return;
    case 'ComplaintResolved':
      await eachOpen(() => ({ status: 'done', doneReason: 'resolved' }));
      return;
    case 'ComplaintClosed':
      await eachOpen(() => ({ status: 'done', doneReason: 'closed' }));
      return;
    default:
      return;
  }
}

/** Pending deadlines whose action time has come, earliest first: the scheduler's query. */
export function dueDeadlinesFilter(nowIso: string): Record<string, unknown> {
  return { status: 'pending', dueAt: { $lte: nowIso } };
}

export const SLA_DEADLINES_PROJECTION: ProjectionDefinition = {
  name: SLA_DEADLINES_PROJECTION_NAME,
  version: 1,
  // Reads no personal field: only ids, departments and due times.
  needsPlaintext: false,
  eventTypes: HANDLED_EVENT_TYPES,
  collections: {
    [SLA_DEADLINES_COLLECTION]: { indexes: [{ keys: { status: 1, dueAt: 1 } }, { keys: { complaintId: 1 } }] },
    [SLA_COMPLAINTS_COLLECTION]: {},
  },
  handle,
};
