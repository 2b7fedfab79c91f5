import { complaintDecider } from '../../src/complaints/complaint.decider';
import {
  actionOpened,
  after,
  closedH,
  cmd,
  complaints,
  dataOf,
  DUE,
  gradedH,
  id,
  investigatingH,
  resolved,
  rootCause,
  stateOf,
  T,
  triaged,
} from './complaint-decider-fixtures';

describe('complaint decider', () => {
  describe('investigation', () => {
    const note = cmd({ type: 'AddInvestigationNote', data: { note: 'Gateway logs show two captures', author: 'ana' } });
    const recordCause = (category: 'billing-error' | 'third-party' = 'billing-error', text = 'Gateway retried the payment') =>
      cmd({ type: 'RecordRootCause', data: { category, text }, now: T.rootCause });
    const open = (actionId = 'a-1', dueAt = '2026-03-05T12:00:00.000Z') =>
      cmd({
        type: 'OpenAction',
        data: { actionId, kind: 'corrective', description: 'Disable gateway retries', department: 'payments', dueAt },
        now: T.rootCause,
      });
    const complete = (actionId = 'a-1', now = '2026-03-04T12:00:00.000Z') =>
      cmd({ type: 'CompleteAction', data: { actionId, outcome: 'Retries disabled' }, now });

    it('adds a note; the first investigation step makes the complaint investigating', () => {
      complaints
        .given(gradedH)
        .when(note)
        .then([
          {
            type: 'InvestigationNoteAdded',
            data: { complaintId: id, note: 'Gateway logs show two captures', author: 'ana', addedAt: T.now },
          },
        ]);
      expect(stateOf(after(gradedH, note)).status).toBe('investigating');
    });

    it('records the root cause, and a revised one naming the previous category', () => {
      complaints.given(gradedH).when(recordCause()).then([rootCause]);
      complaints
        .given(investigatingH)
        .when(recordCause('third-party', 'The acquirer duplicated the capture'))
        .then([
          {
            type: 'RootCauseRecorded',
            data: {
              complaintId: id,
              category: 'third-party',
              text: 'The acquirer duplicated the capture',
              previousCategory: 'billing-error',
              recordedAt: T.rootCause,
            },
          },
        ]);
    });

    it('records nothing when the same root cause is recorded again', () =>
      complaints.given(investigatingH).when(recordCause()).thenNothing());

    it('refuses a root cause category outside the fixed list', () =>
      complaints
        .given(gradedH)
        .when(cmd({ type: 'RecordRootCause', data: { category: 'bad-luck' as 'other', text: 'x' } }))
        .thenFails('ROOT_CAUSE_CATEGORY_UNKNOWN', 422));

    it('opens an action', () => complaints.given(investigatingH).when(open()).then([actionOpened()]));

    it('refuses an action id used before', () =>
      complaints
        .given([...investigatingH, actionOpened()])
        .when(open())
        .thenFails('ACTION_ALREADY_EXISTS', 422));

    it('refuses an action due in the past', () =>
      complaints.given(investigatingH).when(open('a-2', T.rootCause)).thenFails('ACTION_DUE_IN_PAST', 422));

    it('completes an action, saying whether it was on time', () => {
      complaints
        .given([...investigatingH, actionOpened()])
        .when(complete())
        .then([
          {
            type: 'ActionCompleted',
            data: {
              complaintId: id,
              actionId: 'a-1',
              kind: 'corrective',
              outcome: 'Retries disabled',
              dueAt: '2026-03-05T12:00:00.000Z',
              onTime: true,
              completedAt: '2026-03-04T12:00:00.000Z',
            },
          },
        ]);
      const late = complaintDecider.decide(complete('a-1', '2026-03-06T12:00:00.000Z'), stateOf([...investigatingH, actionOpened()]));
      expect(dataOf(late, 'ActionCompleted').onTime).toBe(false);
    });

    it('completes an action after the resolution too', () =>
      expect(complaintDecider.decide(complete(), stateOf([...investigatingH, actionOpened(), resolved()]))).toHaveLength(1));

    it('refuses an unknown action', () => complaints.given(investigatingH).when(complete('a-404')).thenFails('ACTION_NOT_FOUND', 404));

    it('refuses to complete an action twice', () =>
      complaints
        .given(after([...investigatingH, actionOpened()], complete()))
        .when(complete())
        .thenFails('ACTION_ALREADY_COMPLETED', 422));

    it.each([
      ['AddInvestigationNote', note],
      ['RecordRootCause', recordCause()],
      ['OpenAction', open()],
      ['CompleteAction', complete()],
    ])('%s requires a graded complaint', (_name, command) =>
      complaints.given(triaged).when(command).thenFails('COMPLAINT_NOT_GRADED', 422),
    );

    it.each([
      ['AddInvestigationNote', note],
      ['RecordRootCause', recordCause()],
      ['OpenAction', open()],
      ['CompleteAction', complete()],
    ])('%s refuses an unknown complaint', (_name, command) => complaints.given([]).when(command).thenFails('COMPLAINT_NOT_FOUND', 404));
  });

  describe('RecordProgressUpdate and the first response', () => {
    const update = (now = T.now) =>
      cmd({ type: 'RecordProgressUpdate', data: { channel: 'phone', summary: 'Refund requested from the bank' }, now });

    it('records the update; the first one is the first response, in time', () =>
      complaints
        .given(gradedH)
        .when(update())
        .then([
          {
            type: 'ProgressUpdateRecorded',
            data: { complaintId: id, channel: 'phone', summary: 'Refund requested from the bank', sentAt: T.now },
          },
          {
            type: 'FirstResponseRecorded',
            data: { complaintId: id, via: 'progress-update', dueAt: DUE.firstResponseDueAt, withinSla: true, respondedAt: T.now },
          },
        ]));

    it('says when the first response came late', () =>
      expect(dataOf(complaintDecider.decide(update('2026-03-02T21:00:00.000Z'), stateOf(gradedH)), 'FirstResponseRecorded').withinSla).toBe(
        false,
      ));

    it('counts a first response at the deadline instant itself as in time, and one a millisecond later as late', () => {
      const late = new Date(Date.parse(DUE.firstResponseDueAt) + 1).toISOString();
      expect(dataOf(complaintDecider.decide(update(DUE.firstResponseDueAt), stateOf(gradedH)), 'FirstResponseRecorded').withinSla).toBe(
        true,
      );
      expect(dataOf(complaintDecider.decide(update(late), stateOf(gradedH)), 'FirstResponseRecorded').withinSla).toBe(false);
    });

    it('records later updates without another first response', () =>
      expect(complaintDecider.decide(update('2026-03-02T16:00:00.000Z'), stateOf(after(gradedH, update()))).map((e) => e.type)).toEqual([
        'ProgressUpdateRecorded',
      ]));

    it('requires a graded complaint', () => complaints.given(triaged).when(update()).thenFails('COMPLAINT_NOT_GRADED', 422));

    it('refuses a closed complaint', () => complaints.given(closedH).when(update()).thenFails('COMPLAINT_ALREADY_CLOSED', 422));
  });
});
