/**
 * Investigation of a graded complaint: notes, the root cause (from a fixed list, so causes can be
 * counted), corrective and preventive actions, and progress updates to the customer (the first one
 * after grading is the first response). The first investigation step makes the complaint investigating.
 */
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import type { AddInvestigationNote, CompleteAction, OpenAction, RecordProgressUpdate, RecordRootCause } from './complaint.commands';
import { type ComplaintEvent, ROOT_CAUSE_CATEGORIES } from './complaint.events';
import { firstResponse, mustBeGraded } from './complaint-guards';
import type { ComplaintState } from './complaint-state';
import { isWithinDeadline } from './sla-policy';

export function addInvestigationNote(command: AddInvestigationNote, state: ComplaintState): ComplaintEvent[] {
  mustBeGraded(state);
  const { note, author } = command.data;
  return [{ type: 'InvestigationNoteAdded', data: { complaintId: state.complaintId, note, author, addedAt: command.now } }];
}

export function recordRootCause(command: RecordRootCause, state: ComplaintState): ComplaintEvent[] {
  mustBeGraded(state);
  const { category, text } = command.data;
  if (!ROOT_CAUSE_CATEGORIES.includes(category)) {
    throw new BusinessRuleViolation('ROOT_CAUSE_CATEGORY_UNKNOWN', 'Unknown root cause category', {
      category,
      allowed: ROOT_CAUSE_CATEGORIES,
    });
  }
  const previous = state.rootCause;
  if (previous && previous.category === category && previous.text === text) return [];
  return [
    {
      type: 'RootCauseRecorded',
      data: { complaintId: state.complaintId, category, text, previousCategory: previous?.category ?? null, recordedAt: command.now },
    },
  ];
}

export function openAction(command: OpenAction, state: ComplaintState): ComplaintEvent[] {
  mustBeGraded(state);
  const { now } = command;
  const { actionId, kind, description, department, dueAt } = command.data;
  if (state.actions.has(actionId)) throw new BusinessRuleViolation('ACTION_ALREADY_EXISTS', 'An action with this id already exists');
  if (Date.parse(dueAt) <= Date.parse(now)) {
    throw new BusinessRuleViolation('ACTION_DUE_IN_PAST', 'An action must be due in the future', { dueAt });
  }
  return [
    { type: 'ActionOpened', data: { complaintId: state.complaintId, actionId, kind, description, department, dueAt, openedAt: now } },
  ];
}

export function completeAction(command: CompleteAction, state: ComplaintState): ComplaintEvent[] {
  mustBeGraded(state);
  const { now } = command;
  const { actionId, outcome } = command.data;
  const action = state.actions.get(actionId);
  if (!action) throw new NotFoundError('ACTION_NOT_FOUND', 'No action with this id on this complaint');
  if (action.completed) throw new BusinessRuleViolation('ACTION_ALREADY_COMPLETED', 'The action was already completed');
  return [
    {
      type: 'ActionCompleted',
      data: {
        complaintId: state.complaintId,
        actionId,
        kind: action.kind,
        outcome,
        dueAt: action.dueAt,
        onTime: isWithinDeadline(now, action.dueAt),
        completedAt: now,
      },
    },
  ];
}

export function recordProgressUpdate(command: RecordProgressUpdate, state: ComplaintState): ComplaintEvent[] {
  mustBeGraded(state);
  const { channel, summary } = command.data;
  return [
    { type: 'ProgressUpdateRecorded', data: { complaintId: state.complaintId, channel, summary, sentAt: command.now } },
    ...firstResponse(state, 'progress-update', command.now),
  ];
}
