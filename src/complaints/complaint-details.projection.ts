import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import {
  type ActionKind,
  type CloseReason,
  COMPLAINT_EVENT_TYPES,
  type ComplaintChannel,
  type ComplaintEvent,
  type ComplaintStatus,
  type Difficulty,
  type EscalationTrigger,
  type FirstResponseVia,
  type ReopenTrigger,
  type RootCauseCategory,
  type SlaDeadlineKind,
} from './complaint.events';
import { type ComplaintStatusFacts, INITIAL_STATUS_FACTS, nextStatusFacts, statusFromFacts } from './complaint-status';
import type { Severity } from './sla-policy';

export const COMPLAINT_DETAILS_PROJECTION = 'complaint-details';
export const COMPLAINTS_COLLECTION = 'complaints';
export const WORK_QUEUE_COLLECTION = 'work-queue';

/** Sorts after every ISO date: complaints without a resolution deadline (not graded yet) come last in the queue. */
export const NO_DUE_DATE = '9999-12-31T23:59:59.999Z';

export interface TimelineEntry {
  /** The event type, e.g. ComplaintAssigned. */
  type: string;
  /** When the step happened (the time the event records, e.g. assignedAt). */
  at: string;
  /** Who did it (the request's subject, or system:... for automatic steps). */
  actor: string;
  summary: string;
}

export interface HolderView {
  department: string;
  assignee: string | null;
  by: string;
  from: string;
  to: string | null;
}

export interface ActionView {
  actionId: string;
  kind: ActionKind;
  description: string;
  department: string;
  dueAt: string;
  openedAt: string;
  status: 'open' | 'completed';
  outcome: string | null;
  onTime: boolean | null;
  completedAt: string | null;
}

export interface SlaView {
  policyId: string;
  policyVersion: number;
  clockStartedAt: string;
  /** Time the clock was stopped so far (holds, resolution, closure), already added to the due times. */
  pausedMs: number;
  firstResponseDueAt: string;
  resolutionDueAt: string;
  warningAt: string;
  firstResponse: { via: FirstResponseVia; withinSla: boolean; respondedAt: string } | null;
  warningRaisedAt: string | null;
  breaches: { deadline: SlaDeadlineKind; dueAt: string; breachedAt: string }[];
}

/**
 * One complaint as `GET /complaints/:id` serves it (the parts that depend on the time of reading
 * are added by the query). Read-model shapes are type aliases, not interfaces, so that they are
 * assignable to the read store's Document.
 */
export type ComplaintDetails = {
  complaintId: string;
  number: string;
  status: ComplaintStatus;
  facts: ComplaintStatusFacts;
  customerId: string;
  channel: ComplaintChannel;
  category: string;
  subCategory: string | null;
  product: string | null;
  description: string;
  remedySought: string | null;
  occurredAt: string;
  receivedAt: string;
  acknowledgement: { automatic: boolean; acknowledgedAt: string } | null;
  /** The current holder; `holders` keeps every one in order. */
  holder: HolderView | null;
  holders: HolderView[];
  assessment: { valid: boolean; rationale: string; feedbackToCustomer: string | null; assessedAt: string } | null;
  severity: Severity | null;
  difficulty: Difficulty | null;
  gradedAt: string | null;
  sla: SlaView | null;
  /** When the SLA clock stopped (hold, resolution, closure); null while it runs. */
  clockStoppedAt: string | null;
  hold: { reason: string; since: string } | null;
  escalationLevel: number;
  escalations: {
    level: number;
    trigger: EscalationTrigger;
    deadline: SlaDeadlineKind | null;
    reason: string | null;
    notify: string | null;
    by: string | null;
    escalatedAt: string;
  }[];
  notes: { note: string; author: string; addedAt: string }[];
  rootCause: { category: RootCauseCategory; text: string; recordedAt: string } | null;
  actions: ActionView[];
  progressUpdates: { channel: ComplaintChannel; summary: string; sentAt: string }[];
  resolution: { solution: string; resolvedAt: string; resolutionDueAt: string; withinSla: boolean } | null;
  communication: { channel: ComplaintChannel; summary: string; communicatedAt: string } | null;
  customerResponse: { outcome: 'accepted' | 'rejected'; reason: string | null; at: string } | null;
  satisfaction: { csat: number; nps: number | null; reason: string | null; comment: string | null; recordedAt: string } | null;
  closure: { reason: CloseReason; feedbackToCustomer: string | null; duplicateOf: string | null; closedAt: string } | null;
  reopenings: { trigger: ReopenTrigger; reason: string; reopenedAt: string }[];
  links: {
    followUpOf: { complaintId: string; number: string | null } | null;
    followUps: { complaintId: string; number: string; registeredAt: string }[];
  };
  timeline: TimelineEntry[];
  /** Stream revision of the last event applied: the ETag of the resource. */
  revision: number;
  updatedAt: string;
};

export type ComplaintDetailsDoc = Document & ComplaintDetails;

/** One line of a work queue (`GET /complaints`): what agents sort and filter by. */
export type WorkQueueItem = {
  complaintId: string;
  number: string;
  status: ComplaintStatus;
  customerId: string;
  channel: ComplaintChannel;
  category: string;
  product: string | null;
  severity: Severity | null;
  department: string | null;
  assignee: string | null;
  escalationLevel: number;
  receivedAt: string;
  /** Null once the first response was given (or before grading). */
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  /** The earliest deadline still pending; null when none is (not graded, resolved and answered, closed). */
  nextDueAt: string | null;
  clockStoppedAt: string | null;
  /** The SLA clock runs (graded, not on hold, resolved or closed). */
  clockRunning: boolean;
  /** The clock stopped with a deadline already passed: overdue until it runs again. */
  overdueWhileStopped: boolean;
  /** resolutionDueAt, or NO_DUE_DATE: the queue's sort key. */
  sortDueAt: string;
  /** Lower-cased number, category, sub-category, product and description, for the `q` search (not served). */
  search: string;
  revision: number;
  updatedAt: string;
};

export type WorkQueueItemDoc = Document & WorkQueueItem;

const list = (items: string[]): string => items.filter(Boolean).join(', ');

function registered(
  event: RecordedEvent,
  e: Extract<ComplaintEvent, { type: 'ComplaintRegistered' }>,
  followUpNumber: string | null,
): ComplaintDetails {
  const d = e.data;
  return {
    complaintId: d.complaintId,
    number: d.number,
    status: 'registered',
    facts: INITIAL_STATUS_FACTS,
    customerId: d.customerId,
    channel: d.channel,
    category: d.category,
    subCategory: d.subCategory,
    product: d.product,
    description: d.description,
    remedySought: d.remedySought,
    occurredAt: d.occurredAt,
    receivedAt: d.receivedAt,
    acknowledgement: null,
    holder: null,
    holders: [],
    assessment: null,
    severity: null,
    difficulty: null,
    gradedAt: null,
    sla: null,
    clockStoppedAt: null,
    hold: null,
    escalationLevel: 0,
    escalations: [],
    notes: [],
    rootCause: null,
    actions: [],
    progressUpdates: [],
    resolution: null,
    communication: null,
    customerResponse: null,
    satisfaction: null,
    closure: null,
    reopenings: [],
    links: { followUpOf: d.followUpOf ? { complaintId: d.followUpOf, number: followUpNumber } : null, followUps: [] },
    timeline: [],
    revision: Number(event.revision),
    updatedAt: event.metadata.recordedAt,
  };
}

type Doc = ComplaintDetails;

/** The details after one more event (pure; the registration is built by `registered`). */
export function applyToDetails(doc: Doc, e: ComplaintEvent): Doc {
  switch (e.type) {
    case 'ComplaintRegistered':
      return doc;
    case 'ComplaintAcknowledged':
      return { ...doc, acknowledgement: { automatic: e.data.automatic, acknowledgedAt: e.data.acknowledgedAt } };
    case 'ComplaintAssigned': {
      const { department, assignee, by, assignedAt } = e.data;
      const holders = doc.holders.map((h) => (h.to === null ? { ...h, to: assignedAt } : h));
      const holder: HolderView = { department, assignee, by, from: assignedAt, to: null };
      return { ...doc, holder, holders: [...holders, holder] };
    }
    case 'ComplaintAssessed': {
      const { valid, rationale, feedbackToCustomer, assessedAt } = e.data;
      return { ...doc, assessment: { valid, rationale, feedbackToCustomer, assessedAt } };
    }
    case 'ComplaintGraded': {
      const d = e.data;
      const sla: SlaView = {
        policyId: d.policy.id,
        policyVersion: d.policy.version,
        clockStartedAt: d.clockStartedAt,
        pausedMs: d.pausedMs,
        firstResponseDueAt: d.firstResponseDueAt,
        resolutionDueAt: d.resolutionDueAt,
        warningAt: d.warningAt,
        firstResponse: doc.sla?.firstResponse ?? null,
        warningRaisedAt: doc.sla?.warningRaisedAt ?? null,
        breaches: doc.sla?.breaches ?? [],
      };
      return { ...doc, severity: d.severity, difficulty: d.difficulty, gradedAt: doc.gradedAt ?? d.gradedAt, sla };
    }
    case 'ComplaintPutOnHold':
      return { ...doc, hold: { reason: e.data.reason, since: e.data.heldAt }, clockStoppedAt: e.data.heldAt };
    case 'ComplaintResumed': {
      const { pausedMs, firstResponseDueAt, resolutionDueAt, warningAt } = e.data;
      const sla = doc.sla && { ...doc.sla, pausedMs: doc.sla.pausedMs + pausedMs, firstResponseDueAt, resolutionDueAt, warningAt };
      return { ...doc, hold: null, clockStoppedAt: null, sla };
    }
    case 'SlaWarningRaised':
      return { ...doc, sla: doc.sla && { ...doc.sla, warningRaisedAt: e.data.raisedAt } };
    case 'SlaBreached': {
      const { deadline, dueAt, breachedAt } = e.data;
      return { ...doc, sla: doc.sla && { ...doc.sla, breaches: [...doc.sla.breaches, { deadline, dueAt, breachedAt }] } };
    }
    case 'EscalationRaised': {
      const { level, trigger, deadline, reason, notify, by, escalatedAt } = e.data;
      return {
        ...doc,
        escalationLevel: level,
        escalations: [...doc.escalations, { level, trigger, deadline, reason, notify, by, escalatedAt }],
      };
    }
    case 'InvestigationNoteAdded':
      return { ...doc, notes: [...doc.notes, { note: e.data.note, author: e.data.author, addedAt: e.data.addedAt }] };
    case 'RootCauseRecorded':
      return { ...doc, rootCause: { category: e.data.category, text: e.data.text, recordedAt: e.data.recordedAt } };
    case 'ActionOpened': {
      const { actionId, kind, description, department, dueAt, openedAt } = e.data;
      const action: ActionView = {
        actionId,
        kind,
        description,
        department,
        dueAt,
        openedAt,
        status: 'open',
        outcome: null,
        onTime: null,
        completedAt: null,
      };
      return { ...doc, actions: [...doc.actions, action] };
    }
    case 'ActionCompleted': {
      const { actionId, outcome, onTime, completedAt } = e.data;
      const actions = doc.actions.map((a) =>
        a.actionId === actionId ? { ...a, status: 'completed' as const, outcome, onTime, completedAt } : a,
      );
      return { ...doc, actions };
    }
    case 'ProgressUpdateRecorded': {
      const { channel, summary, sentAt } = e.data;
      return { ...doc, progressUpdates: [...doc.progressUpdates, { channel, summary, sentAt }] };
    }
    case 'FirstResponseRecorded': {
      const { via, withinSla, respondedAt } = e.data;
      return { ...doc, sla: doc.sla && { ...doc.sla, firstResponse: { via, withinSla, respondedAt } } };
    }
    case 'ComplaintResolved': {
      const { solution, resolvedAt, resolutionDueAt, withinSla } = e.data;
      return {
        ...doc,
        resolution: { solution, resolvedAt, resolutionDueAt, withinSla },
        clockStoppedAt: resolvedAt,
        customerResponse: null,
        satisfaction: null,
      };
    }
    case 'DecisionCommunicated': {
      const { channel, summary, communicatedAt } = e.data;
      return { ...doc, communication: { channel, summary, communicatedAt } };
    }
    case 'ResolutionAccepted':
      return { ...doc, customerResponse: { outcome: 'accepted', reason: null, at: e.data.acceptedAt } };
    case 'ResolutionRejected':
      return { ...doc, customerResponse: { outcome: 'rejected', reason: e.data.reason, at: e.data.rejectedAt } };
    case 'SatisfactionRecorded': {
      const { csat, nps, reason, comment, recordedAt } = e.data;
      return { ...doc, satisfaction: { csat, nps, reason, comment, recordedAt } };
    }
    case 'ComplaintClosed': {
      const { reason, feedbackToCustomer, duplicateOf, closedAt } = e.data;
      return { ...doc, closure: { reason, feedbackToCustomer, duplicateOf, closedAt }, clockStoppedAt: doc.clockStoppedAt ?? closedAt };
    }
    case 'ComplaintReopened': {
      const d = e.data;
      const sla =
        doc.sla && d.firstResponseDueAt && d.resolutionDueAt && d.warningAt
          ? {
              ...doc.sla,
              pausedMs: doc.sla.pausedMs + d.clockPausedMs,
              firstResponseDueAt: d.firstResponseDueAt,
              resolutionDueAt: d.resolutionDueAt,
              warningAt: d.warningAt,
            }
          : doc.sla;
      // The last resolution, its communication and the customer's answer stay in the timeline; the complaint is open again.
      return {
        ...doc,
        sla,
        closure: null,
        hold: null,
        resolution: null,
        communication: null,
        customerResponse: null,
        clockStoppedAt: null,
        reopenings: [...doc.reopenings, { trigger: d.trigger, reason: d.reason, reopenedAt: d.reopenedAt }],
      };
    }
  }
}

/** The timeline line of one event: when, and a short human summary. */
export function timelineStep(e: ComplaintEvent): { at: string; summary: string } {
  switch (e.type) {
    case 'ComplaintRegistered':
      return {
        at: e.data.receivedAt,
        summary: `Registered ${e.data.number} via ${e.data.channel}: ${list([e.data.category, e.data.subCategory ?? '', e.data.product ?? ''])}`,
      };
    case 'ComplaintAcknowledged':
      return { at: e.data.acknowledgedAt, summary: e.data.automatic ? 'Acknowledged automatically on receipt' : 'Acknowledged' };
    case 'ComplaintAssigned':
      return { at: e.data.assignedAt, summary: `Assigned to ${e.data.department}${e.data.assignee ? ` (${e.data.assignee})` : ''}` };
    case 'ComplaintAssessed':
      return { at: e.data.assessedAt, summary: `Assessed ${e.data.valid ? 'valid' : 'invalid'}: ${e.data.rationale}` };
    case 'ComplaintGraded':
      return {
        at: e.data.gradedAt,
        summary: `${e.data.previousSeverity ? 'Regraded' : 'Graded'} severity ${e.data.severity}, difficulty ${e.data.difficulty} (SLA policy ${e.data.policy.id} v${e.data.policy.version}); resolution due ${e.data.resolutionDueAt}`,
      };
    case 'ComplaintPutOnHold':
      return { at: e.data.heldAt, summary: `Put on hold: ${e.data.reason}` };
    case 'ComplaintResumed':
      return { at: e.data.resumedAt, summary: `Resumed; resolution now due ${e.data.resolutionDueAt}` };
    case 'SlaWarningRaised':
      return { at: e.data.raisedAt, summary: `SLA warning: ${e.data.deadline} due ${e.data.dueAt}` };
    case 'SlaBreached':
      return { at: e.data.breachedAt, summary: `SLA breached: ${e.data.deadline} was due ${e.data.dueAt}` };
    case 'EscalationRaised':
      return {
        at: e.data.escalatedAt,
        summary: `Escalated to level ${e.data.level} (${e.data.trigger === 'manual' ? (e.data.reason ?? 'manual') : `${e.data.deadline ?? 'SLA'} breach`})`,
      };
    case 'InvestigationNoteAdded':
      return { at: e.data.addedAt, summary: 'Investigation note added' };
    case 'RootCauseRecorded':
      return { at: e.data.recordedAt, summary: `Root cause (${e.data.category}): ${e.data.text}` };
    case 'ActionOpened':
      return {
        at: e.data.openedAt,
        summary: `${e.data.kind === 'corrective' ? 'Corrective' : 'Preventive'} action opened for ${e.data.department}, due ${e.data.dueAt}: ${e.data.description}`,
      };
    case 'ActionCompleted':
      return {
        at: e.data.completedAt,
        summary: `${e.data.kind === 'corrective' ? 'Corrective' : 'Preventive'} action completed${e.data.onTime ? '' : ' late'}: ${e.data.outcome}`,
      };
    case 'ProgressUpdateRecorded':
      return { at: e.data.sentAt, summary: `Progress update via ${e.data.channel}: ${e.data.summary}` };
    case 'FirstResponseRecorded':
      return { at: e.data.respondedAt, summary: `First response (${e.data.via}) ${e.data.withinSla ? 'within' : 'after'} the SLA` };
    case 'ComplaintResolved':
      return { at: e.data.resolvedAt, summary: `Resolved ${e.data.withinSla ? 'within' : 'after'} the SLA: ${e.data.solution}` };
    case 'DecisionCommunicated':
      return { at: e.data.communicatedAt, summary: `Decision communicated via ${e.data.channel}: ${e.data.summary}` };
    case 'ResolutionAccepted':
      return { at: e.data.acceptedAt, summary: 'The customer accepted the resolution' };
    case 'ResolutionRejected':
      return { at: e.data.rejectedAt, summary: `The customer rejected the resolution: ${e.data.reason}` };
    case 'SatisfactionRecorded':
      return { at: e.data.recordedAt, summary: `Satisfaction: CSAT ${e.data.csat}${e.data.nps === null ? '' : `, NPS ${e.data.nps}`}` };
    case 'ComplaintClosed':
      return { at: e.data.closedAt, summary: `Closed (${e.data.reason}${e.data.duplicateOf ? ` of ${e.data.duplicateOf}` : ''})` };
    case 'ComplaintReopened':
      return { at: e.data.reopenedAt, summary: `Reopened (${e.data.trigger}): ${e.data.reason}` };
  }
}

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
