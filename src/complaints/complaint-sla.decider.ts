/**
 * The SLA clock and its consequences: hold and resume (the clock stops while the customer holds
 * the ball), the scheduler's warning and breach ticks, and escalation (automatic on a breach, or
 * by hand). Stale scheduler ticks decide nothing instead of failing: schedulers retry.
 */
import { BusinessRuleViolation } from '../shared/errors/domain-errors';
import type { EscalateComplaint, HoldComplaint, RecordSlaBreach, RecordSlaWarning, ResumeComplaint } from './complaint.commands';
import type { ComplaintEvent, SlaDeadlineKind } from './complaint.events';
import { type Graded, mustBeGraded, mustBeOpen, mustExist, mustNotBeResolved, type Registered } from './complaint-guards';
import type { ComplaintState } from './complaint-state';
import { computeDeadlines, pausedBetween } from './sla-policy';

/**
 * Whether a scheduler tick still applies. Not an error when it does not: a tick computed from
 * a lagging read model, or retried after success, must simply do nothing.
 */
function slaTickApplies(state: Registered, kind: SlaDeadlineKind, dueAt: string): state is Graded {
  if (state.closure || state.resolution || state.hold || state.grading === null || state.deadlines === null) return false;
  const current = kind === 'resolution' ? state.deadlines.resolutionDueAt : state.deadlines.firstResponseDueAt;
  if (Date.parse(current) !== Date.parse(dueAt)) return false;
  return !(kind === 'first-response' && state.firstResponseAt !== null);
}

export function hold(command: HoldComplaint, state: ComplaintState): ComplaintEvent[] {
  mustBeGraded(state);
  mustNotBeResolved(state);
  if (state.hold) {
    throw new BusinessRuleViolation('COMPLAINT_ALREADY_ON_HOLD', 'The complaint is already on hold', { since: state.hold.since });
  }
  return [{ type: 'ComplaintPutOnHold', data: { complaintId: state.complaintId, reason: command.data.reason, heldAt: command.now } }];
}

export function resume(command: ResumeComplaint, state: ComplaintState): ComplaintEvent[] {
  mustBeOpen(state);
  if (!state.hold || state.grading === null) throw new BusinessRuleViolation('COMPLAINT_NOT_ON_HOLD', 'The complaint is not on hold');
  const pausedMs = pausedBetween(state.hold.since, command.now);
  const { policy, severity, clockStartedAt } = state.grading;
  const deadlines = computeDeadlines(policy, severity, clockStartedAt, state.pausedMs + pausedMs);
  return [{ type: 'ComplaintResumed', data: { complaintId: state.complaintId, pausedMs, ...deadlines, resumedAt: command.now } }];
}

export function recordSlaWarning(command: RecordSlaWarning, state: ComplaintState): ComplaintEvent[] {
  mustExist(state);
  const { dueAt } = command.data;
  if (!slaTickApplies(state, 'resolution', dueAt) || state.warningRaisedFor !== null) return [];
  if (state.breached.has('resolution')) return [];
  const { warningAt, resolutionDueAt } = state.deadlines;
  if (Date.parse(command.now) < Date.parse(warningAt)) return [];
  return [
    {
      type: 'SlaWarningRaised',
      data: { complaintId: state.complaintId, deadline: 'resolution', dueAt: resolutionDueAt, warningAt, raisedAt: command.now },
    },
  ];
}

export function recordSlaBreach(command: RecordSlaBreach, state: ComplaintState): ComplaintEvent[] {
  mustExist(state);
  const { now } = command;
  const { deadline, dueAt, supervisorId } = command.data;
  if (!slaTickApplies(state, deadline, dueAt) || state.breached.has(deadline)) return [];
  const currentDue = deadline === 'resolution' ? state.deadlines.resolutionDueAt : state.deadlines.firstResponseDueAt;
  if (Date.parse(now) <= Date.parse(currentDue)) return [];
  return [
    { type: 'SlaBreached', data: { complaintId: state.complaintId, deadline, dueAt: currentDue, breachedAt: now } },
    {
      type: 'EscalationRaised',
      data: {
        complaintId: state.complaintId,
        level: state.escalationLevel + 1,
        trigger: 'sla-breach',
        deadline,
        reason: null,
        notify: supervisorId,
        by: null,
        escalatedAt: now,
      },
    },
  ];
}

export function escalate(command: EscalateComplaint, state: ComplaintState): ComplaintEvent[] {
  mustBeOpen(state);
  const { reason, by, notify } = command.data;
  return [
    {
      type: 'EscalationRaised',
      data: {
        complaintId: state.complaintId,
        level: state.escalationLevel + 1,
        trigger: 'manual',
        deadline: null,
        reason,
        notify,
        by,
        escalatedAt: command.now,
      },
    },
  ];
}
