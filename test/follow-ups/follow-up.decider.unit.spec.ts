import { commandsAt, spec } from '../support/decider-spec';
import { type FollowUpCommand, followUpDecider } from '../../src/follow-ups/follow-up.decider';
import type { FollowUpEvent } from '../../src/follow-ups/follow-up.events';

const id = 'f-1';
const customerId = 'c-1';
const NOW = '2026-03-10T12:00:00.000Z';
const DUE = '2026-03-17T10:00:00.000Z';
const REMIND = '2026-03-17T09:00:00.000Z';
const LATER = '2026-03-18T10:00:00.000Z';

const followUps = spec(followUpDecider);
const cmd = commandsAt<FollowUpCommand>(NOW);

const create = (extra: Partial<Extract<FollowUpCommand, { type: 'CreateFollowUp' }>['data']> = {}) =>
  cmd({
    type: 'CreateFollowUp',
    data: {
      followUpId: id,
      customerId,
      complaintId: null,
      owner: 'ana',
      department: null,
      title: 'Call back',
      note: null,
      dueAt: DUE,
      remindAt: REMIND,
      customerActive: true,
      ...extra,
    },
  });
const created: FollowUpEvent = {
  type: 'FollowUpCreated',
  data: {
    followUpId: id,
    customerId,
    complaintId: null,
    owner: 'ana',
    department: null,
    title: 'Call back',
    note: null,
    dueAt: DUE,
    remindAt: REMIND,
    createdAt: NOW,
  },
};
const completed: FollowUpEvent = {
  type: 'FollowUpCompleted',
  data: { followUpId: id, customerId, owner: 'ana', department: null, completedAt: NOW },
};
const reminded: FollowUpEvent = {
  type: 'FollowUpReminderDue',
  data: { followUpId: id, customerId, owner: 'ana', department: null, dueAt: DUE, remindAt: REMIND },
};

describe('follow-up decider', () => {
  describe('CreateFollowUp', () => {
    it('records the follow-up', () => followUps.given([]).when(create()).then([created]));
    it('refuses an unknown or forgotten customer', () =>
      followUps
        .given([])
        .when(create({ customerActive: false }))
        .thenFails('CUSTOMER_NOT_FOUND', 404));
    it('refuses a reminder after the due time', () =>
      followUps
        .given([])
        .when(create({ remindAt: LATER }))
        .thenFails('FOLLOW_UP_REMINDER_AFTER_DUE', 422));
    it('refuses an id already taken', () => followUps.given([created]).when(create()).thenFails('FOLLOW_UP_ALREADY_EXISTS', 422));
  });

  describe('ReassignFollowUp', () => {
    it('hands it to another owner, keeping the department unless told', () =>
      followUps
        .given([created])
        .when(cmd({ type: 'ReassignFollowUp', data: { owner: 'bo' } }))
        .then([
          {
            type: 'FollowUpReassigned',
            data: { followUpId: id, customerId, owner: 'bo', department: null, previousOwner: 'ana', reassignedAt: NOW },
          },
        ]));
    it('records nothing for the same owner and department', () =>
      followUps
        .given([created])
        .when(cmd({ type: 'ReassignFollowUp', data: { owner: 'ana' } }))
        .thenNothing());
    it('refuses an unknown follow-up', () =>
      followUps
        .given([])
        .when(cmd({ type: 'ReassignFollowUp', data: { owner: 'bo' } }))
        .thenFails('FOLLOW_UP_NOT_FOUND', 404));
    it('refuses a closed follow-up', () =>
      followUps
        .given([created, completed])
        .when(cmd({ type: 'ReassignFollowUp', data: { owner: 'bo' } }))
        .thenFails('FOLLOW_UP_NOT_OPEN', 422));
  });

  describe('RescheduleFollowUp', () => {
    it('moves the due and reminder times', () =>
      followUps
        .given([created])
        .when(cmd({ type: 'RescheduleFollowUp', data: { dueAt: LATER, remindAt: DUE } }))
        .then([
          {
            type: 'FollowUpRescheduled',
            data: {
              followUpId: id,
              customerId,
              owner: 'ana',
              department: null,
              dueAt: LATER,
              remindAt: DUE,
              previousDueAt: DUE,
              rescheduledAt: NOW,
            },
          },
        ]));
    it('records nothing for the same times', () =>
      followUps
        .given([created])
        .when(cmd({ type: 'RescheduleFollowUp', data: { dueAt: DUE, remindAt: REMIND } }))
        .thenNothing());
    it('refuses a reminder after the due time', () =>
      followUps
        .given([created])
        .when(cmd({ type: 'RescheduleFollowUp', data: { dueAt: DUE, remindAt: LATER } }))
        .thenFails('FOLLOW_UP_REMINDER_AFTER_DUE'));
  });

  describe('CompleteFollowUp and CancelFollowUp', () => {
    it('completes once', () =>
      followUps
        .given([created])
        .when(cmd({ type: 'CompleteFollowUp' }))
        .then([completed]));
    it('completing again records nothing', () =>
      followUps
        .given([created, completed])
        .when(cmd({ type: 'CompleteFollowUp' }))
        .thenNothing());
    it('cancels with a reason', () =>
      followUps
        .given([created])
        .when(cmd({ type: 'CancelFollowUp', data: { reason: 'Bought already' } }))
        .then([
          {
            type: 'FollowUpCancelled',
            data: { followUpId: id, customerId, owner: 'ana', department: null, reason: 'Bought already', cancelledAt: NOW },
          },
        ]));
    it('refuses to cancel a done one', () =>
      followUps
        .given([created, completed])
        .when(cmd({ type: 'CancelFollowUp', data: { reason: null } }))
        .thenFails('FOLLOW_UP_NOT_OPEN'));
  });

  describe('reminders and overdue (from the scheduler)', () => {
    const remind = (now: string, dueAt = DUE) => cmd({ type: 'RecordFollowUpReminder', data: { dueAt }, now });
    const overdue = (now: string, dueAt = DUE) => cmd({ type: 'RecordFollowUpOverdue', data: { dueAt }, now });
    it('reminds from the reminder time on, once', () => {
      followUps.given([created]).when(remind('2026-03-17T08:59:59.999Z')).thenNothing();
      followUps.given([created]).when(remind(REMIND)).then([reminded]);
      followUps.given([created, reminded]).when(remind(DUE)).thenNothing();
    });
    it('is overdue only once the due time has passed, once', () => {
      followUps.given([created]).when(overdue(DUE)).thenNothing();
      const late = '2026-03-17T10:00:00.001Z';
      const event: FollowUpEvent = {
        type: 'FollowUpOverdue',
        data: { followUpId: id, customerId, owner: 'ana', department: null, dueAt: DUE, overdueAt: late },
      };
      followUps.given([created]).when(overdue(late)).then([event]);
      followUps.given([created, event]).when(overdue(LATER)).thenNothing();
    });
    it('ignores a stale timer: another due time, or a closed follow-up', () => {
      followUps.given([created]).when(overdue(LATER, '2026-03-16T10:00:00.000Z')).thenNothing();
      followUps.given([created, completed]).when(overdue(LATER)).thenNothing();
      followUps.given([]).when(remind(LATER)).thenNothing();
    });
  });
});
