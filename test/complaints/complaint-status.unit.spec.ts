import { type ComplaintCommand, complaintDecider, type ComplaintState } from '../../src/complaints/complaint.decider';
import type { ComplaintEvent } from '../../src/complaints/complaint.events';
import { type ComplaintStatusFacts, INITIAL_STATUS_FACTS, nextStatusFacts, statusFromFacts } from '../../src/complaints/complaint-status';
import { DEFAULT_SLA_POLICY } from '../../src/complaints/sla-policy';
import type { ComplaintStep as Step } from './complaint-history';

/**
 * Read models derive the status from a few facts (complaint-status.ts); the decider from its own
 * state. Walk the decider through the cycle's paths and hold both to the same status after every event.
 */
describe('complaint status as read models derive it', () => {
  const start = Date.parse('2026-03-02T09:00:00.000Z');

  function walk(steps: Step[]): string[] {
    let state: ComplaintState = complaintDecider.initialState();
    let facts: ComplaintStatusFacts = INITIAL_STATUS_FACTS;
    const statuses: string[] = [];
    steps.forEach((step, i) => {
      const now = new Date(start + i * 3_600_000).toISOString();
      const events: ComplaintEvent[] = complaintDecider.decide({ ...step, now } as ComplaintCommand, state);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        state = complaintDecider.evolve(state, event);
        facts = nextStatusFacts(facts, event);
        expect({ after: event.type, status: statusFromFacts(facts) }).toEqual({ after: event.type, status: state.status });
      }
      statuses.push(state.status);
    });
    return statuses;
  }

  const register = (autoAcknowledge: boolean): Step => ({
    type: 'RegisterComplaint',
    data: {
      complaintId: 'c-1',
      number: 'CMP-2026-000001',
      customerId: 'cu-1',
      channel: autoAcknowledge ? 'email' : 'phone',
      category: 'billing',
      description: 'Charged twice',
      occurredAt: '2026-03-01T00:00:00.000Z',
      customerExists: true,
      autoAcknowledge,
    },
  });
  const ack: Step = { type: 'AcknowledgeComplaint' };
  const assign: Step = { type: 'AssignComplaint', data: { department: 'd-1', assignee: null, by: 'agent' } };
  const valid: Step = { type: 'AssessValidity', data: { valid: true, rationale: 'ok' } };
  const invalid: Step = { type: 'AssessValidity', data: { valid: false, rationale: 'no', feedbackToCustomer: 'because' } };
  const grade = (severity: 'low' | 'high'): Step => ({
    type: 'GradeComplaint',
    data: { severity, difficulty: 'low', policy: DEFAULT_SLA_POLICY },
  });
  const hold: Step = { type: 'HoldComplaint', data: { reason: 'waiting' } };
  const resume: Step = { type: 'ResumeComplaint' };
  const note: Step = { type: 'AddInvestigationNote', data: { note: 'n', author: 'agent' } };
  const rootCause: Step = { type: 'RecordRootCause', data: { category: 'billing-error', text: 'dup' } };
  const openAction: Step = {
    type: 'OpenAction',
    data: { actionId: 'a-1', kind: 'corrective', description: 'fix', department: 'd-1', dueAt: '2026-04-01T00:00:00.000Z' },
  };
  const completeAction: Step = { type: 'CompleteAction', data: { actionId: 'a-1', outcome: 'fixed' } };
  const progress: Step = { type: 'RecordProgressUpdate', data: { channel: 'email', summary: 's' } };
  const resolve: Step = { type: 'ResolveComplaint', data: { solution: 'refund' } };
  const communicate = (hour: number): Step => ({
    type: 'CommunicateDecision',
    data: { channel: 'phone', summary: 's', communicatedAt: new Date(start + hour * 3_600_000).toISOString() },
  });
  const accept: Step = { type: 'AcceptResolution' };
  const reject: Step = { type: 'RejectResolution', data: { reason: 'no' } };
  const close = (reason: 'resolved' | 'withdrawn' | 'no-response'): Step => ({ type: 'CloseComplaint', data: { reason } });
  const reopen: Step = { type: 'ReopenComplaint', data: { reason: 'again', reopenWindowDays: 14 } };
  const escalate: Step = { type: 'EscalateComplaint', data: { reason: 'r', by: 'sup', notify: null } };

  it('the full cycle with holds, a rejected resolution and a reopen', () => {
    const steps = [
      register(false),
      ack,
      assign,
      valid,
      grade('high'),
      hold,
      grade('low'),
      resume,
      note,
      rootCause,
      openAction,
      completeAction,
      progress,
      escalate,
      resolve,
    ];
    steps.push(communicate(steps.length), reject, resolve);
    steps.push(communicate(steps.length), accept, close('resolved'), reopen, resolve);
    steps.push(communicate(steps.length), close('no-response'));
    expect(walk(steps)).toEqual([
      'registered',
      'acknowledged',
      'acknowledged',
      'assessed',
      'graded',
      'on-hold',
      'on-hold',
      'graded',
      'investigating',
      'investigating',
      'investigating',
      'investigating',
      'investigating',
      'investigating',
      'resolved',
      'resolved',
      'investigating',
      'resolved',
      'resolved',
      'resolved',
      'closed',
      'investigating',
      'resolved',
      'resolved',
      'closed',
    ]);
  });

  it('invalid, reopened and reassessed; withdrawn while on hold and reopened', () => {
    expect(walk([register(true), invalid, reopen, valid, grade('low'), hold, close('withdrawn'), reopen])).toEqual([
      'acknowledged',
      'closed',
      'acknowledged',
      'assessed',
      'graded',
      'on-hold',
      'closed',
      'investigating',
    ]);
    expect(walk([register(false), close('withdrawn'), reopen, ack])).toEqual(['registered', 'closed', 'registered', 'acknowledged']);
  });
});
