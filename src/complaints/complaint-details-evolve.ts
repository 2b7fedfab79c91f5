import type { RecordedEvent } from '../shared/event-store/event-store.port';
import { type ComplaintEvent } from './complaint.events';
import { INITIAL_STATUS_FACTS } from './complaint-status';

import type { ActionView, ComplaintDetails, HolderView, SlaView } from './complaint-details-documents';

// How a complaint's details document changes with each event (pure; complaint-details.projection.ts stores it).

export function registered(
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

/**
 * The details after one more event (pure; the registration is built by `registered`). Long because
 * it is one exhaustive switch with a case per complaint event: the list of what each event changes.
 */
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
