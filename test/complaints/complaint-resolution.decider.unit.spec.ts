import { type ComplaintCommand, complaintDecider } from '../../src/complaints/complaint.decider';
import { HOUR_MS } from '../../src/complaints/sla-policy';
import {
  actionOpened,
  after,
  breach,
  close,
  closed,
  closedH,
  cmd,
  communicate,
  communicated,
  communicatedH,
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
  resolve,
  resolved,
  resolvedH,
  resume,
  satisfaction,
  stateOf,
  T,
  triaged,
  warn,
} from './complaint-decider-fixtures';

describe('complaint decider', () => {
  describe('ResolveComplaint', () => {
    it('resolves within the SLA', () => {
      complaints.given(investigatingH).when(resolve()).then([resolved()]);
      expect(stateOf(resolvedH).status).toBe('resolved');
    });

    it('says when the resolution came late', () =>
      complaints
        .given(investigatingH)
        .when(resolve('2026-03-03T12:00:00.001Z'))
        .then([
          {
            type: 'ComplaintResolved',
            data: {
              complaintId: id,
              solution: 'Refunded the duplicate charge',
              resolutionDueAt: DUE.resolutionDueAt,
              withinSla: false,
              resolvedAt: '2026-03-03T12:00:00.001Z',
            },
          },
        ]));

    it('resolves at the deadline instant itself within the SLA', () =>
      expect(dataOf(complaintDecider.decide(resolve(DUE.resolutionDueAt), stateOf(investigatingH)), 'ComplaintResolved')).toMatchObject({
        resolutionDueAt: '2026-03-03T12:00:00.000Z',
        withinSla: true,
        resolvedAt: DUE.resolutionDueAt,
      }));

    it('measures against the due time moved by holds', () => {
      const history = after([...investigatingH, onHold(T.now)], resume('2026-03-02T18:30:00.000Z'));
      expect(dataOf(complaintDecider.decide(resolve('2026-03-03T14:00:00.000Z'), stateOf(history)), 'ComplaintResolved')).toMatchObject({
        resolutionDueAt: '2026-03-03T15:30:00.000Z',
        withinSla: true,
      });
    });

    it('requires the root cause', () => complaints.given(gradedH).when(resolve()).thenFails('ROOT_CAUSE_REQUIRED', 422));

    it('requires a graded complaint', () => complaints.given(triaged).when(resolve()).thenFails('COMPLAINT_NOT_GRADED', 422));

    it('refuses while on hold', () =>
      complaints
        .given([...investigatingH, onHold()])
        .when(resolve())
        .thenFails('COMPLAINT_ON_HOLD', 422));

    it('refuses a second resolution', () => complaints.given(resolvedH).when(resolve()).thenFails('COMPLAINT_ALREADY_RESOLVED', 422));

    it('refuses a closed complaint', () => complaints.given(closedH).when(resolve()).thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(resolve()).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('CommunicateDecision', () => {
    it('communicates the decision; without an earlier response, it is the first response', () =>
      complaints
        .given(resolvedH)
        .when(communicate(T.communicated, '2026-03-03T11:30:00.000Z'))
        .then([
          communicated,
          {
            type: 'FirstResponseRecorded',
            data: { complaintId: id, via: 'decision', dueAt: DUE.firstResponseDueAt, withinSla: false, respondedAt: T.communicated },
          },
        ]));

    it('is only the decision when the customer already had a first response', () => {
      const responded = after(investigatingH, cmd({ type: 'RecordProgressUpdate', data: { channel: 'phone', summary: 'On it' } }));
      complaints.given(after(responded, resolve())).when(communicate()).then([communicated]);
    });

    it('requires a resolution', () => complaints.given(investigatingH).when(communicate(T.now)).thenFails('COMPLAINT_NOT_RESOLVED', 422));

    it('communicates once per resolution', () =>
      complaints.given(communicatedH).when(communicate()).thenFails('DECISION_ALREADY_COMMUNICATED', 422));

    it('refuses a communication dated in the future', () =>
      complaints.given(resolvedH).when(communicate('2026-03-03T12:00:00.000Z', T.communicated)).thenFails('OCCURRED_IN_FUTURE', 422));

    it('refuses a communication dated before the resolution', () =>
      complaints
        .given(resolvedH)
        .when(communicate('2026-03-03T09:00:00.000Z', T.communicated))
        .thenFails('DECISION_BEFORE_RESOLUTION', 422));

    it('requires a graded complaint', () => complaints.given(triaged).when(communicate()).thenFails('COMPLAINT_NOT_GRADED', 422));

    it('refuses a closed complaint', () => complaints.given(closedH).when(communicate()).thenFails('COMPLAINT_ALREADY_CLOSED', 422));
  });

  describe('AcceptResolution / RejectResolution (the customer)', () => {
    const accept = cmd({ type: 'AcceptResolution', now: '2026-03-04T10:00:00.000Z' });
    const reject = cmd({ type: 'RejectResolution', data: { reason: 'Only half refunded' }, now: '2026-03-04T10:00:00.000Z' });

    it('records the acceptance', () =>
      complaints
        .given(communicatedH)
        .when(accept)
        .then([{ type: 'ResolutionAccepted', data: { complaintId: id, acceptedAt: '2026-03-04T10:00:00.000Z' } }]));

    it('records a rejection and reopens: back to investigating, the time spent resolved added to the deadlines', () =>
      complaints
        .given(communicatedH)
        .when(reject)
        .then([
          { type: 'ResolutionRejected', data: { complaintId: id, reason: 'Only half refunded', rejectedAt: '2026-03-04T10:00:00.000Z' } },
          {
            type: 'ComplaintReopened',
            data: {
              complaintId: id,
              trigger: 'resolution-rejected',
              reason: 'Only half refunded',
              status: 'investigating',
              clockPausedMs: 24 * HOUR_MS,
              firstResponseDueAt: '2026-03-03T20:00:00.000Z',
              resolutionDueAt: '2026-03-04T12:00:00.000Z',
              warningAt: '2026-03-04T06:00:00.000Z',
              reopenedAt: '2026-03-04T10:00:00.000Z',
            },
          },
        ]));

    it('clears the resolution on rejection: the complaint can be resolved again, with the root cause kept', () => {
      const state = stateOf(after(communicatedH, reject));
      expect(state).toMatchObject({ status: 'investigating', resolution: null, decisionCommunicatedAt: null, clockStoppedAt: null });
      expect(state.rootCause?.category).toBe('billing-error');
      expect(complaintDecider.decide(resolve('2026-03-04T11:00:00.000Z'), state)[0]).toMatchObject({
        type: 'ComplaintResolved',
        data: { withinSla: true, resolutionDueAt: '2026-03-04T12:00:00.000Z' },
      });
    });

    it.each([
      ['AcceptResolution', accept],
      ['RejectResolution', reject],
    ])('%s requires the decision to have been communicated', (_name, command) =>
      complaints.given(resolvedH).when(command).thenFails('COMPLAINT_DECISION_NOT_COMMUNICATED', 422),
    );

    it.each([
      ['AcceptResolution', accept],
      ['RejectResolution', reject],
    ])('%s is refused once the customer accepted', (_name, command) =>
      complaints.given(after(communicatedH, accept)).when(command).thenFails('RESOLUTION_ALREADY_ACCEPTED', 422),
    );

    it('refuses a closed complaint', () => complaints.given(closedH).when(accept).thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(reject).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('RecordSatisfaction', () => {
    it('records CSAT, NPS and comment', () =>
      complaints
        .given(communicatedH)
        .when(satisfaction({ csat: 4, nps: 8, comment: 'Quick refund' }))
        .then([
          {
            type: 'SatisfactionRecorded',
            data: { complaintId: id, csat: 4, nps: 8, reason: null, comment: 'Quick refund', recordedAt: '2026-03-04T09:00:00.000Z' },
          },
        ]));

    it('records a low score with its reason', () =>
      expect(
        dataOf(complaintDecider.decide(satisfaction({ csat: 2, reason: 'Took too long' }), stateOf(resolvedH)), 'SatisfactionRecorded'),
      ).toMatchObject({
        csat: 2,
        reason: 'Took too long',
        nps: null,
      }));

    it.each([1, 2])('requires a reason for a CSAT of %i', (csat) =>
      complaints
        .given(resolvedH)
        .when(satisfaction({ csat, reason: ' ' }))
        .thenFails('SATISFACTION_REASON_REQUIRED', 422),
    );

    it.each([0, 6, 3.5])('refuses a CSAT of %p', (csat) =>
      complaints.given(resolvedH).when(satisfaction({ csat })).thenFails('CSAT_OUT_OF_RANGE', 422),
    );

    it.each([-1, 11, 7.5])('refuses an NPS of %p', (nps) =>
      complaints
        .given(resolvedH)
        .when(satisfaction({ csat: 5, nps }))
        .thenFails('NPS_OUT_OF_RANGE', 422),
    );

    it('records one answer per resolution', () =>
      complaints
        .given(after(resolvedH, satisfaction({ csat: 5 })))
        .when(satisfaction({ csat: 4 }))
        .thenFails('SATISFACTION_ALREADY_RECORDED', 422));

    it('takes a new answer after a reopen and a new resolution', () => {
      let history = after(communicatedH, satisfaction({ csat: 1, reason: 'Half refund' }, '2026-03-03T11:30:00.000Z'));
      history = after(history, cmd({ type: 'RejectResolution', data: { reason: 'Half refund' }, now: '2026-03-04T10:00:00.000Z' }));
      complaints
        .given(history)
        .when(satisfaction({ csat: 5 }))
        .thenFails('COMPLAINT_NOT_RESOLVED', 422);
      history = after(history, resolve('2026-03-04T11:00:00.000Z'));
      expect(complaintDecider.decide(satisfaction({ csat: 5 }), stateOf(history))[0].type).toBe('SatisfactionRecorded');
    });

    it('takes a late answer after closing as resolved (surveys are answered after closure)', () =>
      expect(complaintDecider.decide(satisfaction({ csat: 5 }, '2026-03-05T09:00:00.000Z'), stateOf(closedH))[0].type).toBe(
        'SatisfactionRecorded',
      ));

    it('refuses a complaint closed without a resolution', () =>
      complaints
        .given([...resolvedH, closed('withdrawn')])
        .when(satisfaction({ csat: 3 }))
        .thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('requires a resolution', () =>
      complaints
        .given(investigatingH)
        .when(satisfaction({ csat: 3 }))
        .thenFails('COMPLAINT_NOT_RESOLVED', 422));

    it('refuses an unknown complaint', () =>
      complaints
        .given([])
        .when(satisfaction({ csat: 3 }))
        .thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('CloseComplaint', () => {
    it('closes a resolved complaint whose decision was communicated', () => {
      complaints
        .given(communicatedH)
        .when(close('resolved'))
        .then([closed('resolved')]);
      expect(stateOf(closedH).status).toBe('closed');
    });

    it('refuses to close as resolved before the resolution', () =>
      complaints.given(investigatingH).when(close('resolved')).thenFails('COMPLAINT_NOT_RESOLVED', 422));

    it('refuses to close as resolved before the decision was communicated', () =>
      complaints.given(resolvedH).when(close('resolved')).thenFails('COMPLAINT_DECISION_NOT_COMMUNICATED', 422));

    it('refuses to close as resolved with actions still open, naming them', () => {
      const history = [...investigatingH, actionOpened('a-1'), actionOpened('a-2'), resolved(), communicated];
      let caught: unknown;
      try {
        complaintDecider.decide(close('resolved'), stateOf(history));
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'OPEN_ACTIONS_REMAIN', status: 422, details: { actionIds: ['a-1', 'a-2'] } });
    });

    it('closes as resolved once every action is completed', () => {
      const history = after(
        [...investigatingH, actionOpened('a-1'), resolved(), communicated],
        cmd({ type: 'CompleteAction', data: { actionId: 'a-1', outcome: 'done' }, now: T.communicated }),
      );
      complaints
        .given(history)
        .when(close('resolved'))
        .then([closed('resolved')]);
    });

    it('closes as invalid only through the assessment', () =>
      complaints.given(triaged).when(close('invalid')).thenFails('CLOSE_REASON_REQUIRES_ASSESSMENT', 422));

    it.each([
      ['registered', [registered()]],
      ['investigating', investigatingH],
      ['on hold', [...investigatingH, onHold()]],
      ['resolved', resolvedH],
    ])('closes as withdrawn from %s', (_label, history) =>
      complaints
        .given(history)
        .when(close('withdrawn'))
        .then([closed('withdrawn')]),
    );

    it('closes as a duplicate of an existing complaint', () =>
      complaints
        .given(triaged)
        .when(close('duplicate', T.closed, { duplicateOf: 'cmp-0', duplicateOfExists: true }))
        .then([
          {
            type: 'ComplaintClosed',
            data: { complaintId: id, reason: 'duplicate', feedbackToCustomer: null, duplicateOf: 'cmp-0', closedAt: T.closed },
          },
        ]));

    it('requires the complaint duplicated', () =>
      complaints.given(triaged).when(close('duplicate')).thenFails('DUPLICATE_OF_REQUIRED', 422));

    it('refuses a duplicate of itself', () =>
      complaints
        .given(triaged)
        .when(close('duplicate', T.closed, { duplicateOf: id, duplicateOfExists: true }))
        .thenFails('DUPLICATE_OF_SELF', 422));

    it('refuses a duplicate of an unknown complaint', () =>
      complaints
        .given(triaged)
        .when(close('duplicate', T.closed, { duplicateOf: 'cmp-404', duplicateOfExists: false }))
        .thenFails('DUPLICATE_COMPLAINT_NOT_FOUND', 422));

    it.each([
      ['on hold', [...investigatingH, onHold()]],
      ['told the decision', communicatedH],
    ])('closes for no response while waiting on the customer (%s)', (_label, history) =>
      complaints
        .given(history)
        .when(close('no-response'))
        .then([closed('no-response')]),
    );

    it('refuses to close for no response when nothing is asked of the customer', () =>
      complaints.given(investigatingH).when(close('no-response')).thenFails('COMPLAINT_NOT_AWAITING_CUSTOMER', 422));

    it('refuses to close twice', () => complaints.given(closedH).when(close('withdrawn')).thenFails('COMPLAINT_ALREADY_CLOSED', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(close('withdrawn')).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('a closed complaint refuses every step but reopening', () => {
    const steps: ComplaintCommand[] = [
      cmd({ type: 'AcknowledgeComplaint' }),
      cmd({ type: 'AssignComplaint', data: { department: 'billing', assignee: 'x', by: 'y' } }),
      cmd({ type: 'AssessValidity', data: { valid: true, rationale: 'r' } }),
      grade('low', T.now),
      hold(),
      resume(T.now),
      cmd({ type: 'EscalateComplaint', data: { reason: 'r', by: 's', notify: null } }),
      cmd({ type: 'AddInvestigationNote', data: { note: 'n', author: 'a' } }),
      cmd({ type: 'RecordRootCause', data: { category: 'other', text: 't' } }),
      cmd({
        type: 'OpenAction',
        data: { actionId: 'a-9', kind: 'preventive', description: 'd', department: 'd', dueAt: '2027-01-01T00:00:00.000Z' },
      }),
      cmd({ type: 'CompleteAction', data: { actionId: 'a-1', outcome: 'o' } }),
      cmd({ type: 'RecordProgressUpdate', data: { channel: 'email', summary: 's' } }),
      resolve(),
      communicate(),
      cmd({ type: 'AcceptResolution' }),
      cmd({ type: 'RejectResolution', data: { reason: 'r' } }),
      close('withdrawn'),
    ];

    it.each(steps.map((command) => [command.type, command] as const))('%s -> COMPLAINT_ALREADY_CLOSED', (_type, command) =>
      complaints
        .given([...closedH.slice(0, -1), actionOpened(), closed('withdrawn')])
        .when(command)
        .thenFails('COMPLAINT_ALREADY_CLOSED', 422),
    );

    it.each([
      ['RecordSlaWarning', warn()],
      ['RecordSlaBreach', breach()],
    ])('%s from a scheduler decides nothing', (_type, command) => complaints.given(closedH).when(command).thenNothing());
  });

  describe('ReopenComplaint', () => {
    it('reopens within the window: back to investigating, the time stopped added to the deadlines', () =>
      complaints
        .given(closedH)
        .when(reopen('2026-03-10T12:00:00.000Z'))
        .then([
          {
            type: 'ComplaintReopened',
            data: {
              complaintId: id,
              trigger: 'reopen-request',
              reason: 'Charged again in April',
              status: 'investigating',
              clockPausedMs: 170 * HOUR_MS,
              firstResponseDueAt: '2026-03-09T22:00:00.000Z',
              resolutionDueAt: '2026-03-10T14:00:00.000Z',
              warningAt: '2026-03-10T08:00:00.000Z',
              reopenedAt: '2026-03-10T12:00:00.000Z',
            },
          },
        ]));

    it('leaves a reopened complaint working again: resolution cleared, policy and severity kept', () => {
      const state = stateOf(after(closedH, reopen('2026-03-10T12:00:00.000Z')));
      expect(state).toMatchObject({ status: 'investigating', closure: null, resolution: null, pausedMs: 170 * HOUR_MS });
      expect(state.grading).toMatchObject({ severity: 'high', clockStartedAt: T.graded, policy: { id: 'default', version: 1 } });
    });

    it('reopens on the last moment of the window', () =>
      expect(complaintDecider.decide(reopen('2026-03-17T12:00:00.000Z'), stateOf(closedH))[0].type).toBe('ComplaintReopened'));

    it('refuses after the window: a follow-up complaint is registered instead', () =>
      complaints.given(closedH).when(reopen('2026-03-17T12:00:00.001Z')).thenFails('REOPEN_WINDOW_EXPIRED', 422));

    it('uses the configured window', () => {
      complaints.given(closedH).when(reopen('2026-03-05T12:00:00.000Z', 1)).thenFails('REOPEN_WINDOW_EXPIRED', 422);
      expect(complaintDecider.decide(reopen('2026-03-05T12:00:00.000Z', 2), stateOf(closedH))).toHaveLength(1);
    });

    it('reopens a resolved complaint that is not closed yet, without a window', () =>
      expect(dataOf(complaintDecider.decide(reopen('2026-04-30T12:00:00.000Z'), stateOf(resolvedH)), 'ComplaintReopened').status).toBe(
        'investigating',
      ));

    it('counts the clock as stopped from the hold start when closed while on hold', () => {
      const history = [...investigatingH, onHold(T.now), closed('no-response', '2026-03-03T15:00:00.000Z')];
      expect(dataOf(complaintDecider.decide(reopen('2026-03-04T15:00:00.000Z'), stateOf(history)), 'ComplaintReopened')).toMatchObject({
        status: 'investigating',
        clockPausedMs: 48 * HOUR_MS,
        resolutionDueAt: '2026-03-05T12:00:00.000Z',
      });
      expect(stateOf(after(history, reopen('2026-03-04T15:00:00.000Z'))).hold).toBeNull();
    });

    it('returns a complaint withdrawn before acknowledgement to registered', () =>
      expect(
        dataOf(complaintDecider.decide(reopen(T.now), stateOf([registered(), closed('withdrawn', T.acknowledged)])), 'ComplaintReopened')
          .status,
      ).toBe('registered'));

    it('refuses a complaint still open', () => complaints.given(investigatingH).when(reopen(T.now)).thenFails('COMPLAINT_STILL_OPEN', 422));

    it('refuses an unknown complaint', () => complaints.given([]).when(reopen(T.now)).thenFails('COMPLAINT_NOT_FOUND', 404));
  });
});
