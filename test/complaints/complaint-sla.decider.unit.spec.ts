import { complaintDecider } from '../../src/complaints/complaint.decider';
import type { ComplaintEvent } from '../../src/complaints/complaint.events';
import { DEFAULT_SLA_POLICY, HOUR_MS, type SlaPolicy } from '../../src/complaints/sla-policy';
import {
  acknowledged,
  after,
  breach,
  close,
  closed,
  closedH,
  cmd,
  complaints,
  dataOf,
  DUE,
  grade,
  gradedH,
  hold,
  id,
  investigatingH,
  onHold,
  registered,
  reopen,
  resolvedH,
  resume,
  rootCause,
  stateOf,
  T,
  triaged,
  warn,
} from './complaint-decider-fixtures';

describe('complaint decider', () => {
  describe('HoldComplaint / ResumeComplaint', () => {
    it('puts the complaint on hold, waiting on the customer', () => {
      complaints.given(investigatingH).when(hold()).then([onHold()]);
      expect(stateOf([...investigatingH, onHold()]).status).toBe('on-hold');
    });

    it('resumes, adding the paused time to every deadline', () => {
      complaints
        .given([...investigatingH, onHold(T.now)])
        .when(resume('2026-03-02T18:30:00.000Z'))
        .then([
          {
            type: 'ComplaintResumed',
            data: {
              complaintId: id,
              pausedMs: 3.5 * HOUR_MS,
              firstResponseDueAt: '2026-03-02T23:30:00.000Z',
              resolutionDueAt: '2026-03-03T15:30:00.000Z',
              warningAt: '2026-03-03T09:30:00.000Z',
              resumedAt: '2026-03-02T18:30:00.000Z',
            },
          },
        ]);
      const state = stateOf(after([...investigatingH, onHold(T.now)], resume('2026-03-02T18:30:00.000Z')));
      expect(state.status).toBe('investigating');
      expect(state.deadlines?.resolutionDueAt).toBe('2026-03-03T15:30:00.000Z');
    });

    it('adds up successive holds', () => {
      let history = after(gradedH, hold('2026-03-02T13:00:00.000Z'));
      history = after(history, resume('2026-03-02T14:00:00.000Z'));
      history = after(history, hold('2026-03-02T15:00:00.000Z'));
      history = after(history, resume('2026-03-02T17:00:00.000Z'));
      expect(stateOf(history)).toMatchObject({ status: 'graded', pausedMs: 3 * HOUR_MS });
      expect(dataOf(history.slice(-1), 'ComplaintResumed').resolutionDueAt).toBe('2026-03-03T15:00:00.000Z');
    });

    it('refuses a second hold', () =>
      complaints
        .given([...gradedH, onHold()])
        .when(hold())
        .thenFails('COMPLAINT_ALREADY_ON_HOLD', 422));

    it('refuses to resume a complaint that is not on hold', () =>
      complaints.given(gradedH).when(resume(T.now)).thenFails('COMPLAINT_NOT_ON_HOLD', 422));

    it('refuses a hold before grading (the SLA clock is not set)', () =>
      complaints.given(triaged).when(hold()).thenFails('COMPLAINT_NOT_GRADED', 422));

    it('refuses a hold once resolved', () =>
      complaints.given(resolvedH).when(hold(T.resolved)).thenFails('COMPLAINT_ALREADY_RESOLVED', 422));

    it('refuses a closed complaint', () => {
      complaints.given(closedH).when(hold()).thenFails('COMPLAINT_ALREADY_CLOSED', 422);
      complaints
        .given([...gradedH, onHold(), closed('withdrawn')])
        .when(resume(T.closed))
        .thenFails('COMPLAINT_ALREADY_CLOSED', 422);
    });

    it('refuses an unknown complaint', () => complaints.given([]).when(resume(T.now)).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('RecordSlaWarning (scheduler)', () => {
    const warning: ComplaintEvent = {
      type: 'SlaWarningRaised',
      data: { complaintId: id, deadline: 'resolution', dueAt: DUE.resolutionDueAt, warningAt: DUE.warningAt, raisedAt: DUE.warningAt },
    };

    it('raises the warning once the warning time is reached', () => complaints.given(investigatingH).when(warn()).then([warning]));

    it('does nothing before the warning time', () =>
      complaints.given(investigatingH).when(warn(DUE.resolutionDueAt, '2026-03-03T05:59:59.999Z')).thenNothing());

    it('raises it once per deadline: a retried tick does nothing', () =>
      complaints
        .given([...investigatingH, warning])
        .when(warn())
        .thenNothing());

    it('does not warn again when a hold later moved the deadline', () => {
      const history = after([...investigatingH, warning, onHold(DUE.warningAt)], resume('2026-03-03T07:00:00.000Z'));
      complaints.given(history).when(warn('2026-03-03T13:00:00.000Z', '2026-03-03T07:00:00.000Z')).thenNothing();
    });

    it('ignores a stale tick computed for a deadline that has moved', () => {
      const history = after([...investigatingH, onHold(T.now)], resume('2026-03-02T18:30:00.000Z'));
      complaints.given(history).when(warn(DUE.resolutionDueAt, '2026-03-03T07:00:00.000Z')).thenNothing();
      complaints
        .given(history)
        .when(warn('2026-03-03T15:30:00.000Z', '2026-03-03T09:30:00.000Z'))
        .then([
          {
            type: 'SlaWarningRaised',
            data: {
              complaintId: id,
              deadline: 'resolution',
              dueAt: '2026-03-03T15:30:00.000Z',
              warningAt: '2026-03-03T09:30:00.000Z',
              raisedAt: '2026-03-03T09:30:00.000Z',
            },
          },
        ]);
    });

    it.each([
      ['on hold', [...investigatingH, onHold()]],
      ['resolved', resolvedH],
      ['closed', [...gradedH, closed('withdrawn', T.now)]],
      ['not graded yet', triaged],
    ])('does nothing while the complaint is %s', (_label, history) => complaints.given(history).when(warn()).thenNothing());

    it('does nothing once the deadline is breached', () =>
      complaints.given(after(investigatingH, breach())).when(warn(DUE.resolutionDueAt, '2026-03-03T12:30:00.000Z')).thenNothing());

    it('refuses an unknown complaint', () => complaints.given([]).when(warn()).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('RecordSlaBreach (scheduler)', () => {
    const breachedAt = '2026-03-03T12:00:00.001Z';

    it('records the breach and escalates to the supervisor', () =>
      complaints
        .given(investigatingH)
        .when(breach())
        .then([
          { type: 'SlaBreached', data: { complaintId: id, deadline: 'resolution', dueAt: DUE.resolutionDueAt, breachedAt } },
          {
            type: 'EscalationRaised',
            data: {
              complaintId: id,
              level: 1,
              trigger: 'sla-breach',
              deadline: 'resolution',
              reason: null,
              notify: 'sup-9',
              by: null,
              escalatedAt: breachedAt,
            },
          },
        ]));

    it('records a missed first response, and raises the escalation level each time', () => {
      const frBreach = after(gradedH, breach('first-response', DUE.firstResponseDueAt, '2026-03-02T21:00:00.000Z'));
      expect(frBreach.slice(-2).map((e) => e.type)).toEqual(['SlaBreached', 'EscalationRaised']);
      expect(dataOf(frBreach.slice(-2), 'SlaBreached').deadline).toBe('first-response');
      const resolutionBreach = complaintDecider.decide(breach(), stateOf([...frBreach, rootCause]));
      expect(dataOf(resolutionBreach, 'EscalationRaised').level).toBe(2);
    });

    it('does nothing at the due time itself (on the dot is still in time)', () =>
      complaints
        .given(investigatingH)
        .when(breach('resolution', DUE.resolutionDueAt, DUE.resolutionDueAt))
        .thenNothing());

    it('records each deadline once: a retried tick does nothing, nor a tick after a hold moved the due time', () => {
      const breached = after(investigatingH, breach());
      complaints.given(breached).when(breach()).thenNothing();
      const moved = after(after(breached, hold('2026-03-03T13:00:00.000Z')), resume('2026-03-03T14:00:00.000Z'));
      complaints
        .given(moved)
        .when(breach('resolution', '2026-03-03T13:00:00.000Z', '2026-03-03T14:00:00.000Z'))
        .thenNothing();
    });

    it('ignores a stale tick computed for a deadline that has moved', () => {
      const history = after([...investigatingH, onHold(T.now)], resume('2026-03-02T18:30:00.000Z'));
      complaints.given(history).when(breach()).thenNothing();
    });

    it('does not count a missed first response once the customer had one', () => {
      const responded = after(gradedH, cmd({ type: 'RecordProgressUpdate', data: { channel: 'phone', summary: 'Looking into it' } }));
      complaints
        .given(responded)
        .when(breach('first-response', DUE.firstResponseDueAt, '2026-03-02T21:00:00.000Z'))
        .thenNothing();
    });

    it.each([
      ['on hold', [...investigatingH, onHold()]],
      ['resolved', resolvedH],
      ['closed', [...gradedH, closed('withdrawn', T.now)]],
      ['not graded yet', triaged],
    ])('does nothing while the complaint is %s', (_label, history) => complaints.given(history).when(breach()).thenNothing());

    it('refuses an unknown complaint', () => complaints.given([]).when(breach()).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('EscalateComplaint (supervisor)', () => {
    const escalate = cmd({ type: 'EscalateComplaint', data: { reason: 'Customer threatens legal action', by: 'sup-9', notify: 'head-1' } });

    it('escalates by hand, one level up', () =>
      complaints
        .given(triaged)
        .when(escalate)
        .then([
          {
            type: 'EscalationRaised',
            data: {
              complaintId: id,
              level: 1,
              trigger: 'manual',
              deadline: null,
              reason: 'Customer threatens legal action',
              notify: 'head-1',
              by: 'sup-9',
              escalatedAt: T.now,
            },
          },
        ]));

    it('counts levels across automatic and manual escalations', () =>
      expect(dataOf(complaintDecider.decide(escalate, stateOf(after(investigatingH, breach()))), 'EscalationRaised').level).toBe(2));

    it('refuses a closed complaint', () => complaints.given(closedH).when(escalate).thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(escalate).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('SLA clock started at receipt', () => {
    const receipt: SlaPolicy = { ...DEFAULT_SLA_POLICY, id: 'receipt', clockStartsAt: 'receipt' };

    it('does not count the time a complaint was closed before grading', () => {
      let history = after([registered(), acknowledged], close('withdrawn', '2026-03-02T10:00:00.000Z'));
      history = after(history, reopen('2026-03-02T12:00:00.000Z'));
      history = after(history, cmd({ type: 'AssessValidity', data: { valid: true, rationale: 'r' }, now: '2026-03-02T12:30:00.000Z' }));
      history = after(history, grade('high', '2026-03-02T13:00:00.000Z', receipt));
      expect(dataOf(history, 'ComplaintGraded')).toMatchObject({
        clockStartedAt: T.received,
        pausedMs: 2 * HOUR_MS,
        resolutionDueAt: '2026-03-03T11:00:00.000Z',
      });
    });

    it('ignores stopped time before a clock that starts at grading', () => {
      let history = after([registered(), acknowledged], close('withdrawn', '2026-03-02T10:00:00.000Z'));
      history = after(history, reopen('2026-03-02T11:00:00.000Z'));
      history = after(history, cmd({ type: 'AssessValidity', data: { valid: true, rationale: 'r' }, now: '2026-03-02T11:30:00.000Z' }));
      history = after(history, grade('high', T.graded));
      expect(dataOf(history, 'ComplaintGraded')).toMatchObject({ pausedMs: 0, resolutionDueAt: DUE.resolutionDueAt });
    });
  });
});
