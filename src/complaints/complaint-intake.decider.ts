/**
 * Intake (ISO 10002 receipt and assessment): register, acknowledge, assign to a department or a
 * person, assess validity, grade. Grading pins the SLA policy and starts the clock; see the SLA
 * decisions in complaint.decider.ts.
 */
import { BusinessRuleViolation } from '../shared/errors/domain-errors';
import type { AcknowledgeComplaint, AssessValidity, AssignComplaint, GradeComplaint, RegisterComplaint } from './complaint.commands';
import type { ComplaintEvent } from './complaint.events';
import { blank, mustBeOpen, mustNotBeInFuture, mustNotBeResolved, type Registered } from './complaint-guards';
import type { ComplaintState, Grading } from './complaint-state';
import { computeDeadlines, policyForCustomer, slaPolicyProblems } from './sla-policy';

type Registration = Omit<RegisterComplaint['data'], 'customerExists' | 'autoAcknowledge'>;

/** Business times of a registration must be in order (occurred, received, acknowledged, closed) and not in the future. */
function checkRegistrationTimes(data: Registration, receivedAt: string, now: string): void {
  mustNotBeInFuture(data.occurredAt, now, 'The complaint occurrence');
  mustNotBeInFuture(receivedAt, now, 'The receipt of the complaint');
  if (Date.parse(receivedAt) < Date.parse(data.occurredAt)) {
    throw new BusinessRuleViolation('RECEIVED_BEFORE_OCCURRENCE', 'A complaint cannot be received before the problem occurred', {
      occurredAt: data.occurredAt,
      receivedAt,
    });
  }
  if (data.acknowledgedAt !== undefined) {
    mustNotBeInFuture(data.acknowledgedAt, now, 'The acknowledgement');
    if (Date.parse(data.acknowledgedAt) < Date.parse(receivedAt)) {
      throw new BusinessRuleViolation('ACKNOWLEDGED_BEFORE_RECEIPT', 'A complaint cannot be acknowledged before it was received', {
        receivedAt,
        acknowledgedAt: data.acknowledgedAt,
      });
    }
  }
  if (data.closedAt !== undefined) {
    mustNotBeInFuture(data.closedAt, now, 'The closure');
    if (data.acknowledgedAt === undefined) {
      throw new BusinessRuleViolation('CLOSED_BEFORE_ACKNOWLEDGEMENT', 'A complaint registered closed needs the time it was acknowledged');
    }
    if (Date.parse(data.closedAt) < Date.parse(data.acknowledgedAt)) {
      throw new BusinessRuleViolation('CLOSED_BEFORE_ACKNOWLEDGEMENT', 'A complaint cannot be closed before it was acknowledged', {
        acknowledgedAt: data.acknowledgedAt,
        closedAt: data.closedAt,
      });
    }
  }
}

/** The registration, then its acknowledgement and closure at source when the command says so. */
function registrationEvents(data: Registration, receivedAt: string, autoAcknowledge: boolean): ComplaintEvent[] {
  const events: ComplaintEvent[] = [
    {
      type: 'ComplaintRegistered',
      data: {
        complaintId: data.complaintId,
        number: data.number,
        customerId: data.customerId,
        channel: data.channel,
        category: data.category,
        subCategory: data.subCategory ?? null,
        product: data.product ?? null,
        description: data.description,
        remedySought: data.remedySought ?? null,
        occurredAt: data.occurredAt,
        receivedAt,
        followUpOf: data.followUpOf ?? null,
        source: data.source ?? null,
        ...(data.sourceAttributes ? { sourceAttributes: data.sourceAttributes } : {}),
      },
    },
  ];
  if (data.acknowledgedAt !== undefined) {
    events.push({
      type: 'ComplaintAcknowledged',
      data: { complaintId: data.complaintId, automatic: false, acknowledgedAt: data.acknowledgedAt },
    });
  } else if (autoAcknowledge) {
    events.push({
      type: 'ComplaintAcknowledged',
      data: { complaintId: data.complaintId, automatic: true, acknowledgedAt: receivedAt },
    });
  }
  if (data.closedAt !== undefined) {
    events.push({
      type: 'ComplaintClosed',
      data: {
        complaintId: data.complaintId,
        reason: 'closed-at-source',
        feedbackToCustomer: null,
        duplicateOf: null,
        closedAt: data.closedAt,
      },
    });
  }
  return events;
}

export function register(command: RegisterComplaint, state: ComplaintState): ComplaintEvent[] {
  if (state.complaintId !== null) {
    throw new BusinessRuleViolation('COMPLAINT_ALREADY_EXISTS', 'A complaint with this id is already registered');
  }
  const { customerExists, autoAcknowledge, ...data } = command.data;
  if (!customerExists) {
    throw new BusinessRuleViolation('CUSTOMER_NOT_FOUND', 'The complaining customer does not exist', { customerId: data.customerId });
  }
  const receivedAt = data.receivedAt ?? command.now;
  checkRegistrationTimes(data, receivedAt, command.now);
  if ((data.followUpOf ?? null) === data.complaintId) {
    throw new BusinessRuleViolation('FOLLOW_UP_OF_SELF', 'A complaint cannot follow up itself');
  }
  return registrationEvents(data, receivedAt, autoAcknowledge);
}

export function acknowledge(command: AcknowledgeComplaint, state: ComplaintState): ComplaintEvent[] {
  mustBeOpen(state);
  if (state.acknowledgedAt !== null) {
    throw new BusinessRuleViolation('COMPLAINT_ALREADY_ACKNOWLEDGED', 'The complaint was already acknowledged', {
      acknowledgedAt: state.acknowledgedAt,
    });
  }
  return [{ type: 'ComplaintAcknowledged', data: { complaintId: state.complaintId, automatic: false, acknowledgedAt: command.now } }];
}

export function assign(command: AssignComplaint, state: ComplaintState): ComplaintEvent[] {
  mustBeOpen(state);
  const { department, assignee, by } = command.data;
  const current = state.holders.at(-1);
  if (current && current.department === department && current.assignee === assignee) return [];
  return [
    {
      type: 'ComplaintAssigned',
      data: {
        complaintId: state.complaintId,
        department,
        assignee,
        previousDepartment: current?.department ?? null,
        previousAssignee: current?.assignee ?? null,
        by,
        assignedAt: command.now,
      },
    },
  ];
}

export function assessValidity(command: AssessValidity, state: ComplaintState): ComplaintEvent[] {
  mustBeOpen(state);
  if (state.acknowledgedAt === null) {
    throw new BusinessRuleViolation('COMPLAINT_NOT_ACKNOWLEDGED', 'Acknowledge the complaint before assessing it');
  }
  // A valid assessment is final; an invalid one stands only after a reopen, to be assessed again.
  if (state.assessment?.valid) throw new BusinessRuleViolation('COMPLAINT_ALREADY_ASSESSED', 'The complaint was already assessed');
  const { valid, rationale } = command.data;
  const feedbackToCustomer = command.data.feedbackToCustomer ?? null;
  if (!valid && blank(feedbackToCustomer)) {
    throw new BusinessRuleViolation('FEEDBACK_TO_CUSTOMER_REQUIRED', 'Tell the customer why the complaint is not valid');
  }
  const { complaintId } = state;
  const assessed: ComplaintEvent = {
    type: 'ComplaintAssessed',
    data: { complaintId, valid, rationale, feedbackToCustomer, assessedAt: command.now },
  };
  if (valid) return [assessed];
  return [
    assessed,
    { type: 'ComplaintClosed', data: { complaintId, reason: 'invalid', feedbackToCustomer, duplicateOf: null, closedAt: command.now } },
  ];
}

/** The grading and the stopped time its deadlines count: a first grading pins the policy in force, a regrade keeps it. */
function gradingOf(command: GradeComplaint, state: Registered): { grading: Grading; pausedMs: number } {
  const { severity, difficulty } = command.data;
  // Regrade: same pinned policy and clock start, new severity.
  if (state.grading) return { grading: { ...state.grading, severity, difficulty }, pausedMs: state.pausedMs };
  const { policy } = command.data;
  const problems = slaPolicyProblems(policy);
  if (problems.length > 0) {
    throw new BusinessRuleViolation('SLA_POLICY_INVALID', 'The SLA policy in force is not usable', { policyId: policy.id, problems });
  }
  const fromReceipt = policy.clockStartsAt === 'receipt';
  // Pinned as it applies to this customer: a later change of segment or policy does not move it.
  const grading: Grading = {
    severity,
    difficulty,
    policy: policyForCustomer(policy, command.data.customerSegments ?? {}),
    clockStartedAt: fromReceipt ? state.receivedAt : command.now,
  };
  // Stopped time before a clock that starts at grading is irrelevant.
  return { grading, pausedMs: fromReceipt ? state.pausedMs : 0 };
}

export function grade(command: GradeComplaint, state: ComplaintState): ComplaintEvent[] {
  mustBeOpen(state);
  if (state.assessment === null) throw new BusinessRuleViolation('COMPLAINT_NOT_ASSESSED', 'Assess the complaint before grading it');
  if (!state.assessment.valid) {
    throw new BusinessRuleViolation('COMPLAINT_INVALID', 'The complaint was assessed invalid; assess it again first');
  }
  mustNotBeResolved(state);
  const { severity, difficulty } = command.data;
  if (state.grading && state.grading.severity === severity && state.grading.difficulty === difficulty) return [];
  const { grading, pausedMs } = gradingOf(command, state);
  const deadlines = computeDeadlines(grading.policy, severity, grading.clockStartedAt, pausedMs);
  return [
    {
      type: 'ComplaintGraded',
      data: {
        complaintId: state.complaintId,
        severity,
        difficulty,
        previousSeverity: state.grading?.severity ?? null,
        previousDifficulty: state.grading?.difficulty ?? null,
        policy: grading.policy,
        clockStartedAt: grading.clockStartedAt,
        pausedMs,
        ...deadlines,
        gradedAt: command.now,
      },
    },
  ];
}
