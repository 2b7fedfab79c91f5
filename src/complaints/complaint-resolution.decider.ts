/**
 * Resolution and after: resolve (root cause required), communicate the decision, the customer's
 * acceptance or rejection (a rejection reopens), the satisfaction survey, closing (for each
 * reason its own rule) and reopening within the configured window.
 */
import { BusinessRuleViolation } from '../shared/errors/domain-errors';
import type {
  AcceptResolution,
  CloseComplaint,
  CommunicateDecision,
  RecordSatisfaction,
  RejectResolution,
  ReopenComplaint,
  ResolveComplaint,
} from './complaint.commands';
import type { ComplaintEvent, ComplaintReopened, ComplaintStatus, ReopenTrigger } from './complaint.events';
import {
  blank,
  firstResponse,
  mustBeGraded,
  mustBeOpen,
  mustExist,
  mustNotBeInFuture,
  mustNotBeResolved,
  type Registered,
} from './complaint-guards';
import { type ComplaintState, reopened, statusOf } from './complaint-state';
import { computeDeadlines, DAY_MS, isWithinDeadline, pausedBetween } from './sla-policy';

function reopenEvent(state: Registered, trigger: ReopenTrigger, reason: string, now: string): ComplaintReopened {
  const clockPausedMs = state.clockStoppedAt === null ? 0 : pausedBetween(state.clockStoppedAt, now);
  const deadlines = state.grading
    ? computeDeadlines(state.grading.policy, state.grading.severity, state.grading.clockStartedAt, state.pausedMs + clockPausedMs)
    : null;
  return {
    type: 'ComplaintReopened',
    data: {
      complaintId: state.complaintId,
      trigger,
      reason,
      status: statusOf(reopened(state)) as ComplaintStatus,
      clockPausedMs,
      firstResponseDueAt: deadlines?.firstResponseDueAt ?? null,
      resolutionDueAt: deadlines?.resolutionDueAt ?? null,
      warningAt: deadlines?.warningAt ?? null,
      reopenedAt: now,
    },
  };
}

export function resolve(command: ResolveComplaint, state: ComplaintState): ComplaintEvent[] {
  mustBeGraded(state);
  mustNotBeResolved(state);
  if (state.hold) throw new BusinessRuleViolation('COMPLAINT_ON_HOLD', 'Resume the complaint before resolving it');
  // ISO 10002 asks to learn from every valid complaint: no resolution without a recorded cause.
  if (state.rootCause === null) throw new BusinessRuleViolation('ROOT_CAUSE_REQUIRED', 'Record the root cause before resolving');
  const resolutionDueAt = state.deadlines.resolutionDueAt;
  return [
    {
      type: 'ComplaintResolved',
      data: {
        complaintId: state.complaintId,
        solution: command.data.solution,
        resolutionDueAt,
        withinSla: isWithinDeadline(command.now, resolutionDueAt),
        resolvedAt: command.now,
      },
    },
  ];
}

export function communicateDecision(command: CommunicateDecision, state: ComplaintState): ComplaintEvent[] {
  mustBeGraded(state);
  if (!state.resolution) throw new BusinessRuleViolation('COMPLAINT_NOT_RESOLVED', 'Resolve the complaint before communicating');
  if (state.decisionCommunicatedAt !== null) {
    throw new BusinessRuleViolation('DECISION_ALREADY_COMMUNICATED', 'The decision was already communicated', {
      communicatedAt: state.decisionCommunicatedAt,
    });
  }
  const { channel, summary, communicatedAt } = command.data;
  mustNotBeInFuture(communicatedAt, command.now, 'The communication');
  if (Date.parse(communicatedAt) < Date.parse(state.resolution.resolvedAt)) {
    throw new BusinessRuleViolation('DECISION_BEFORE_RESOLUTION', 'The decision cannot be communicated before the resolution', {
      resolvedAt: state.resolution.resolvedAt,
    });
  }
  return [
    { type: 'DecisionCommunicated', data: { complaintId: state.complaintId, channel, summary, communicatedAt } },
    ...firstResponse(state, 'decision', communicatedAt),
  ];
}

/** The customer answers a decision once it was communicated, and only until they accept it. */
function mustAwaitCustomerAnswer(state: ComplaintState): asserts state is Registered {
  mustBeOpen(state);
  if (state.decisionCommunicatedAt === null) {
    throw new BusinessRuleViolation('COMPLAINT_DECISION_NOT_COMMUNICATED', 'The customer has not been told the decision yet');
  }
  if (state.resolutionAccepted) throw new BusinessRuleViolation('RESOLUTION_ALREADY_ACCEPTED', 'The customer already accepted');
}

export function acceptResolution(command: AcceptResolution, state: ComplaintState): ComplaintEvent[] {
  mustAwaitCustomerAnswer(state);
  return [{ type: 'ResolutionAccepted', data: { complaintId: state.complaintId, acceptedAt: command.now } }];
}

export function rejectResolution(command: RejectResolution, state: ComplaintState): ComplaintEvent[] {
  mustAwaitCustomerAnswer(state);
  return [
    { type: 'ResolutionRejected', data: { complaintId: state.complaintId, reason: command.data.reason, rejectedAt: command.now } },
    reopenEvent(state, 'resolution-rejected', command.data.reason, command.now),
  ];
}

function checkSatisfactionAnswer(csat: number, nps: number | null, reason: string | null): void {
  if (!Number.isInteger(csat) || csat < 1 || csat > 5) {
    throw new BusinessRuleViolation('CSAT_OUT_OF_RANGE', 'CSAT is a whole number from 1 to 5', { csat });
  }
  if (nps !== null && (!Number.isInteger(nps) || nps < 0 || nps > 10)) {
    throw new BusinessRuleViolation('NPS_OUT_OF_RANGE', 'NPS is a whole number from 0 to 10', { nps });
  }
  if (csat <= 2 && blank(reason)) {
    throw new BusinessRuleViolation('SATISFACTION_REASON_REQUIRED', 'Say why the customer is dissatisfied');
  }
}

export function recordSatisfaction(command: RecordSatisfaction, state: ComplaintState): ComplaintEvent[] {
  mustExist(state);
  // Surveys are often answered after closure; a late answer about the resolution still counts.
  if (state.closure && state.closure.reason !== 'resolved') {
    throw new BusinessRuleViolation('COMPLAINT_ALREADY_CLOSED', 'The complaint was closed without a resolution');
  }
  if (!state.resolution) throw new BusinessRuleViolation('COMPLAINT_NOT_RESOLVED', 'Satisfaction is asked about a resolution');
  if (state.satisfactionRecorded) {
    throw new BusinessRuleViolation('SATISFACTION_ALREADY_RECORDED', 'Satisfaction with this resolution was already recorded');
  }
  const { csat } = command.data;
  const nps = command.data.nps ?? null;
  const reason = command.data.reason ?? null;
  checkSatisfactionAnswer(csat, nps, reason);
  return [
    {
      type: 'SatisfactionRecorded',
      data: { complaintId: state.complaintId, csat, nps, reason, comment: command.data.comment ?? null, recordedAt: command.now },
    },
  ];
}

function mustBeClosableAsResolved(state: Registered): void {
  if (!state.resolution) throw new BusinessRuleViolation('COMPLAINT_NOT_RESOLVED', 'Only a resolved complaint can be closed as resolved');
  if (state.decisionCommunicatedAt === null) {
    throw new BusinessRuleViolation('COMPLAINT_DECISION_NOT_COMMUNICATED', 'Tell the customer the decision before closing');
  }
  // A closed complaint takes no more steps, so an action left open now could never be completed.
  const open = [...state.actions].filter(([, action]) => !action.completed).map(([actionId]) => actionId);
  if (open.length > 0) {
    throw new BusinessRuleViolation('OPEN_ACTIONS_REMAIN', 'Complete every action before closing as resolved', { actionIds: open });
  }
}

/** The complaint a duplicate closure names, which must exist and be another one. */
function duplicatedComplaint(command: CloseComplaint, state: Registered): string {
  const duplicateOf = command.data.duplicateOf ?? null;
  if (blank(duplicateOf)) throw new BusinessRuleViolation('DUPLICATE_OF_REQUIRED', 'Name the complaint this one duplicates');
  if (duplicateOf === state.complaintId) throw new BusinessRuleViolation('DUPLICATE_OF_SELF', 'A complaint cannot duplicate itself');
  if (!command.data.duplicateOfExists) {
    throw new BusinessRuleViolation('DUPLICATE_COMPLAINT_NOT_FOUND', 'The complaint this one duplicates does not exist', {
      duplicateOf,
    });
  }
  return duplicateOf!;
}

/** Each reason has its own rule; returns the complaint duplicated (null unless closed as duplicate). */
function checkCloseReason(command: CloseComplaint, state: Registered): string | null {
  const { reason } = command.data;
  switch (reason) {
    case 'resolved':
      mustBeClosableAsResolved(state);
      return null;
    case 'invalid':
      throw new BusinessRuleViolation(
        'CLOSE_REASON_REQUIRES_ASSESSMENT',
        'A complaint is closed as invalid by assessing it invalid, with feedback to the customer',
      );
    case 'no-response':
      if (!state.hold && state.decisionCommunicatedAt === null) {
        throw new BusinessRuleViolation(
          'COMPLAINT_NOT_AWAITING_CUSTOMER',
          'Close for no response only while waiting on the customer (on hold, or after the decision was communicated)',
        );
      }
      return null;
    case 'duplicate':
      return duplicatedComplaint(command, state);
    case 'withdrawn':
      return null;
    case 'closed-at-source':
      throw new BusinessRuleViolation(
        'CLOSE_REASON_REQUIRES_SOURCE',
        'Only a registration imported from a source that reports the complaint closed closes it at source',
      );
    default: {
      const exhaustive: never = reason;
      return exhaustive;
    }
  }
}

export function close(command: CloseComplaint, state: ComplaintState): ComplaintEvent[] {
  mustBeOpen(state);
  const duplicateOf = checkCloseReason(command, state);
  return [
    {
      type: 'ComplaintClosed',
      data: { complaintId: state.complaintId, reason: command.data.reason, feedbackToCustomer: null, duplicateOf, closedAt: command.now },
    },
  ];
}

export function reopen(command: ReopenComplaint, state: ComplaintState): ComplaintEvent[] {
  mustExist(state);
  const { now } = command;
  if (!state.closure && !state.resolution) {
    throw new BusinessRuleViolation('COMPLAINT_STILL_OPEN', 'Only a resolved or closed complaint can be reopened');
  }
  if (state.closure) {
    const windowMs = command.data.reopenWindowDays * DAY_MS;
    if (Date.parse(now) - Date.parse(state.closure.closedAt) > windowMs) {
      throw new BusinessRuleViolation('REOPEN_WINDOW_EXPIRED', 'Too late to reopen; register a follow-up complaint', {
        closedAt: state.closure.closedAt,
        reopenWindowDays: command.data.reopenWindowDays,
      });
    }
  }
  return [reopenEvent(state, 'reopen-request', command.data.reason, now)];
}
