/**
 * A complaint's status as read models derive it from its events. The decider derives it from its
 * own state (statusOf in complaint.decider.ts); read models keep only these facts (JSON, no Maps)
 * and apply the same precedence. test/complaints/complaint-status.unit.spec.ts holds both to agreement.
 */
import type { ComplaintEvent, ComplaintStatus } from './complaint.events';

export interface ComplaintStatusFacts {
  acknowledged: boolean;
  /** The standing assessment said valid (an invalid one closes the complaint). */
  assessedValid: boolean;
  graded: boolean;
  /** An investigation step (note, root cause, action) was taken since grading. */
  investigating: boolean;
  onHold: boolean;
  resolved: boolean;
  closed: boolean;
}

export const INITIAL_STATUS_FACTS: ComplaintStatusFacts = {
  acknowledged: false,
  assessedValid: false,
  graded: false,
  investigating: false,
  onHold: false,
  resolved: false,
  closed: false,
};

/** The events that can change the status; the others leave the facts as they are. */
export const COMPLAINT_STATUS_EVENT_TYPES: readonly ComplaintEvent['type'][] = [
  'ComplaintRegistered',
  'ComplaintAcknowledged',
  'ComplaintAssessed',
  'ComplaintGraded',
  'ComplaintPutOnHold',
  'ComplaintResumed',
  'InvestigationNoteAdded',
  'RootCauseRecorded',
  'ActionOpened',
  'ActionCompleted',
  'ComplaintResolved',
  'ComplaintClosed',
  'ComplaintReopened',
];

export function nextStatusFacts(facts: ComplaintStatusFacts, event: ComplaintEvent): ComplaintStatusFacts {
  switch (event.type) {
    case 'ComplaintRegistered':
      return INITIAL_STATUS_FACTS;
    case 'ComplaintAcknowledged':
      return { ...facts, acknowledged: true };
    case 'ComplaintAssessed':
      return { ...facts, assessedValid: event.data.valid };
    case 'ComplaintGraded':
      return { ...facts, graded: true };
    case 'ComplaintPutOnHold':
      return { ...facts, onHold: true };
    case 'ComplaintResumed':
      return { ...facts, onHold: false };
    case 'InvestigationNoteAdded':
    case 'RootCauseRecorded':
    case 'ActionOpened':
    case 'ActionCompleted':
      return { ...facts, investigating: true };
    case 'ComplaintResolved':
      return { ...facts, resolved: true };
    case 'ComplaintClosed':
      return { ...facts, closed: true };
    case 'ComplaintReopened':
      return { ...facts, closed: false, onHold: false, resolved: false, investigating: facts.graded };
    default:
      return facts;
  }
}

export function statusFromFacts(facts: ComplaintStatusFacts): ComplaintStatus {
  if (facts.closed) return 'closed';
  if (facts.onHold) return 'on-hold';
  if (facts.resolved) return 'resolved';
  if (facts.graded) return facts.investigating ? 'investigating' : 'graded';
  if (facts.assessedValid) return 'assessed';
  if (facts.acknowledged) return 'acknowledged';
  return 'registered';
}
