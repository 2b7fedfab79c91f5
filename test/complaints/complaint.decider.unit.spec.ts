import { type ComplaintCommand, complaintDecider } from '../../src/complaints/complaint.decider';
import { COMPLAINT_EVENT_TYPES, type ComplaintEvent, complaintStream } from '../../src/complaints/complaint.events';
import { after, close, cmd, communicate, grade, hold, register, resolve, resume, stateOf, T } from './complaint-decider-fixtures';

describe('complaint decider', () => {
  it('names the stream complaint-<id> and lists every event type once', () => {
    expect(complaintStream('42')).toBe('complaint-42');
    expect(new Set(COMPLAINT_EVENT_TYPES).size).toBe(COMPLAINT_EVENT_TYPES.length);
  });

  describe('the ISO 10002 cycle, status by status', () => {
    it('walks registered -> acknowledged -> assessed -> graded -> investigating -> on-hold -> resolved -> closed', () => {
      const statuses: string[] = [];
      let history: ComplaintEvent[] = [];
      const step = (command: ComplaintCommand) => {
        history = after(history, command);
        statuses.push(stateOf(history).status);
      };
      step(register());
      step(cmd({ type: 'AcknowledgeComplaint', now: T.acknowledged }));
      step(cmd({ type: 'AssessValidity', data: { valid: true, rationale: 'Double charge confirmed' }, now: T.assessed }));
      step(grade());
      step(cmd({ type: 'RecordRootCause', data: { category: 'billing-error', text: 'Gateway retried' }, now: T.rootCause }));
      step(hold());
      step(resume('2026-03-02T16:00:00.000Z'));
      step(resolve());
      step(communicate());
      step(cmd({ type: 'AcceptResolution', now: '2026-03-03T11:30:00.000Z' }));
      step(close('resolved'));
      expect(statuses).toEqual([
        'registered',
        'acknowledged',
        'assessed',
        'graded',
        'investigating',
        'on-hold',
        'investigating',
        'resolved',
        'resolved',
        'resolved',
        'closed',
      ]);
    });

    it('starts unknown', () => expect(complaintDecider.initialState().status).toBe('unknown'));
  });
});
