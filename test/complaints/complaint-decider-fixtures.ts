/**
 * One complaint's history as events, and command builders with plain defaults, for the complaint
 * decider's specs (complaint*.decider.unit.spec.ts, split like the decider by command group).
 */
import { type ComplaintCommand, complaintDecider, type ComplaintState } from '../../src/complaints/complaint.decider';
import type { ComplaintEvent } from '../../src/complaints/complaint.events';
import { DEFAULT_SLA_POLICY, type SlaPolicy } from '../../src/complaints/sla-policy';
import { fold } from '../../src/shared/decider/decider';
import { commandsAt, spec } from '../support/decider-spec';

export const id = 'cmp-1';

// One complaint's day: received 09:00, graded high at 12:00 under the default policy
// (first response 8 h, resolution 24 h, warning at 75%), resolved the next morning.
export const T = {
  occurred: '2026-02-28T10:00:00.000Z',
  received: '2026-03-02T09:00:00.000Z',
  acknowledged: '2026-03-02T09:30:00.000Z',
  assessed: '2026-03-02T10:00:00.000Z',
  graded: '2026-03-02T12:00:00.000Z',
  rootCause: '2026-03-02T13:00:00.000Z',
  now: '2026-03-02T15:00:00.000Z',
  resolved: '2026-03-03T10:00:00.000Z',
  communicated: '2026-03-03T11:00:00.000Z',
  closed: '2026-03-03T12:00:00.000Z',
};
export const DUE = {
  firstResponseDueAt: '2026-03-02T20:00:00.000Z',
  resolutionDueAt: '2026-03-03T12:00:00.000Z',
  warningAt: '2026-03-03T06:00:00.000Z',
};

export const registered = (over: Partial<Extract<ComplaintEvent, { type: 'ComplaintRegistered' }>['data']> = {}): ComplaintEvent => ({
  type: 'ComplaintRegistered',
  data: {
    complaintId: id,
    number: 'CMP-2026-000123',
    customerId: 'c-1',
    channel: 'phone',
    category: 'billing',
    subCategory: null,
    product: null,
    description: 'Charged twice for March',
    remedySought: null,
    occurredAt: T.occurred,
    receivedAt: T.received,
    followUpOf: null,
    source: null,
    ...over,
  },
});
export const acknowledged: ComplaintEvent = {
  type: 'ComplaintAcknowledged',
  data: { complaintId: id, automatic: false, acknowledgedAt: T.acknowledged },
};
export const assessedValid: ComplaintEvent = {
  type: 'ComplaintAssessed',
  data: { complaintId: id, valid: true, rationale: 'Double charge confirmed', feedbackToCustomer: null, assessedAt: T.assessed },
};
export const graded = (over: Partial<Extract<ComplaintEvent, { type: 'ComplaintGraded' }>['data']> = {}): ComplaintEvent => ({
  type: 'ComplaintGraded',
  data: {
    complaintId: id,
    severity: 'high',
    difficulty: 'medium',
    previousSeverity: null,
    previousDifficulty: null,
    policy: DEFAULT_SLA_POLICY,
    clockStartedAt: T.graded,
    pausedMs: 0,
    ...DUE,
    gradedAt: T.graded,
    ...over,
  },
});
export const rootCause: ComplaintEvent = {
  type: 'RootCauseRecorded',
  data: {
    complaintId: id,
    category: 'billing-error',
    text: 'Gateway retried the payment',
    previousCategory: null,
    recordedAt: T.rootCause,
  },
};
export const resolved = (resolvedAt = T.resolved): ComplaintEvent => ({
  type: 'ComplaintResolved',
  data: { complaintId: id, solution: 'Refunded the duplicate charge', resolutionDueAt: DUE.resolutionDueAt, withinSla: true, resolvedAt },
});
export const communicated: ComplaintEvent = {
  type: 'DecisionCommunicated',
  data: { complaintId: id, channel: 'email', summary: 'Refund issued', communicatedAt: T.communicated },
};
export const closed = (
  reason: Extract<ComplaintEvent, { type: 'ComplaintClosed' }>['data']['reason'],
  closedAt = T.closed,
  feedbackToCustomer: string | null = null,
): ComplaintEvent => ({ type: 'ComplaintClosed', data: { complaintId: id, reason, feedbackToCustomer, duplicateOf: null, closedAt } });
export const onHold = (heldAt = T.now): ComplaintEvent => ({
  type: 'ComplaintPutOnHold',
  data: { complaintId: id, reason: 'Waiting for the bank statement', heldAt },
});
export const actionOpened = (actionId = 'a-1', dueAt = '2026-03-05T12:00:00.000Z'): ComplaintEvent => ({
  type: 'ActionOpened',
  data: {
    complaintId: id,
    actionId,
    kind: 'corrective',
    description: 'Disable gateway retries',
    department: 'payments',
    dueAt,
    openedAt: T.rootCause,
  },
});

export const triaged = [registered(), acknowledged, assessedValid];
export const gradedH = [...triaged, graded()];
export const investigatingH = [...gradedH, rootCause];
export const resolvedH = [...investigatingH, resolved()];
export const communicatedH = [...resolvedH, communicated];
export const closedH = [...communicatedH, closed('resolved')];

export const complaints = spec(complaintDecider);
export const cmd = commandsAt<ComplaintCommand>(T.now);
export const stateOf = (events: ComplaintEvent[]): ComplaintState => fold(complaintDecider, events);
/** The history after the decider carried out the command. */
export const after = (events: ComplaintEvent[], command: ComplaintCommand): ComplaintEvent[] => [
  ...events,
  ...complaintDecider.decide(command, stateOf(events)),
];
export type DataOf<K extends ComplaintEvent['type']> = Extract<ComplaintEvent, { type: K }>['data'];
/** The data of the first event of this type (fails the test when there is none). */
export function dataOf<K extends ComplaintEvent['type']>(events: ComplaintEvent[], type: K): DataOf<K> {
  const event = events.find((candidate): candidate is Extract<ComplaintEvent, { type: K }> => candidate.type === type);
  if (!event) throw new Error(`no ${type} among ${events.map((e) => e.type).join(', ')}`);
  return event.data as DataOf<K>;
}

export const register = (over: Partial<Extract<ComplaintCommand, { type: 'RegisterComplaint' }>['data']> = {}, now = T.received) =>
  cmd({
    type: 'RegisterComplaint',
    data: {
      complaintId: id,
      number: 'CMP-2026-000123',
      customerId: 'c-1',
      channel: 'phone',
      category: 'billing',
      description: 'Charged twice for March',
      occurredAt: T.occurred,
      customerExists: true,
      autoAcknowledge: false,
      ...over,
    },
    now,
  });
export const grade = (severity: 'low' | 'medium' | 'high' | 'critical' = 'high', now = T.graded, policy: SlaPolicy = DEFAULT_SLA_POLICY) =>
  cmd({ type: 'GradeComplaint', data: { severity, difficulty: 'medium', policy }, now });
export const hold = (now = T.now) => cmd({ type: 'HoldComplaint', data: { reason: 'Waiting for the bank statement' }, now });
export const resume = (now: string) => cmd({ type: 'ResumeComplaint', now });
export const resolve = (now = T.resolved) => cmd({ type: 'ResolveComplaint', data: { solution: 'Refunded the duplicate charge' }, now });
export const communicate = (communicatedAt = T.communicated, now = communicatedAt) =>
  cmd({ type: 'CommunicateDecision', data: { channel: 'email', summary: 'Refund issued', communicatedAt }, now });
export const warn = (dueAt = DUE.resolutionDueAt, now = DUE.warningAt) => cmd({ type: 'RecordSlaWarning', data: { dueAt }, now });
export const breach = (
  deadline: 'first-response' | 'resolution' = 'resolution',
  dueAt = DUE.resolutionDueAt,
  now = '2026-03-03T12:00:00.001Z',
) => cmd({ type: 'RecordSlaBreach', data: { deadline, dueAt, supervisorId: 'sup-9' }, now });
export const close = (
  reason: 'resolved' | 'invalid' | 'withdrawn' | 'duplicate' | 'no-response',
  now = T.closed,
  extra: { duplicateOf?: string | null; duplicateOfExists?: boolean } = {},
) => cmd({ type: 'CloseComplaint', data: { reason, ...extra }, now });
export const reopen = (now: string, reopenWindowDays = 14) =>
  cmd({ type: 'ReopenComplaint', data: { reason: 'Charged again in April', reopenWindowDays }, now });
export const satisfaction = (data: Extract<ComplaintCommand, { type: 'RecordSatisfaction' }>['data'], now = '2026-03-04T09:00:00.000Z') =>
  cmd({ type: 'RecordSatisfaction', data, now });
