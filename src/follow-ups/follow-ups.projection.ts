import type { CustomerForgotten } from '../customers/customer.events';
import type { RecordedEvent } from '../shared/event-store/event-store.port';
import { ERASED } from '../shared/privacy/personal-data';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import { FOLLOW_UP_EVENT_TYPES, type FollowUpEvent, type FollowUpStatus } from './follow-up.events';

/**
 * Follow-ups as their work queues read them, and the scheduler's timers: one `timers` document per
 * follow-up and kind (reminder, overdue) with the time it fires. A timer is `done` once fired or once
 * the follow-up is closed; a reschedule makes both pending again at the new times. The follow-up
 * decider stays the judge: a stale timer leads to a command that decides nothing.
 */
export const FOLLOW_UPS_PROJECTION = 'follow-ups';
export const FOLLOW_UPS_COLLECTION = 'follow-ups';
export const FOLLOW_UP_TIMERS_COLLECTION = 'timers';

export interface FollowUpDoc extends Document {
  followUpId: string;
  customerId: string;
  complaintId: string | null;
  owner: string;
  department: string | null;
  title: string;
  note: string | null;
  status: FollowUpStatus;
  dueAt: string;
  remindAt: string;
  /** When the reminder / overdue event was recorded for the current due time (null: not yet). */
  remindedAt: string | null;
  overdueAt: string | null;
  cancelReason: string | null;
  createdAt: string;
  closedAt: string | null;
  updatedAt: string;
  revision: number;
}

export type FollowUpTimerKind = 'reminder' | 'overdue';
export const FOLLOW_UP_TIMER_KINDS: readonly FollowUpTimerKind[] = ['reminder', 'overdue'];

export interface FollowUpTimerDoc extends Document {
  followUpId: string;
  kind: FollowUpTimerKind;
  /** When the scheduler acts: the reminder time, or the due time (overdue fires once it has passed). */
  fireAt: string;
  /** The due time the command names, so a timer left from before a reschedule decides nothing. */
  dueAt: string;
  status: 'pending' | 'done';
}

export const followUpTimerId = (followUpId: string, kind: FollowUpTimerKind): string => `${followUpId}:${kind}`;

/** Pending timers whose time has come: the scheduler's query. */
export function dueTimersFilter(nowIso: string): Record<string, unknown> {
  return { status: 'pending', fireAt: { $lte: nowIso } };
}

const CUSTOMER_FORGOTTEN: CustomerForgotten['type'] = 'CustomerForgotten';

async function setTimers(ctx: ProjectionContext, followUpId: string, dueAt: string, remindAt: string): Promise<void> {
  const timers = ctx.collection<FollowUpTimerDoc>(FOLLOW_UP_TIMERS_COLLECTION);
  await timers.replace(followUpTimerId(followUpId, 'reminder'), {
    followUpId,
    kind: 'reminder',
    fireAt: remindAt,
    dueAt,
    status: 'pending',
  });
  await timers.replace(followUpTimerId(followUpId, 'overdue'), { followUpId, kind: 'overdue', fireAt: dueAt, dueAt, status: 'pending' });
}

async function finishTimers(ctx: ProjectionContext, followUpId: string, kinds: readonly FollowUpTimerKind[]): Promise<void> {
  const timers = ctx.collection<FollowUpTimerDoc>(FOLLOW_UP_TIMERS_COLLECTION);
  for (const kind of kinds) await timers.update(followUpTimerId(followUpId, kind), { $set: { status: 'done' } });
}

/** The follow-ups' copies of the customer's free text read as erased, like the events now do. */
async function eraseCustomer(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const { customerId } = (event as unknown as CustomerForgotten).data;
  const followUps = ctx.collection<FollowUpDoc>(FOLLOW_UPS_COLLECTION);
  const ids: string[] = [];
  for await (const doc of followUps.findAll({ customerId })) ids.push(doc._id);
  for (const id of ids) {
    const doc = await followUps.get(id);
    if (doc === null) continue;
    await followUps.update(id, {
      $set: { title: ERASED, note: doc.note === null ? null : ERASED, cancelReason: doc.cancelReason === null ? null : ERASED },
    });
  }
}

async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  if (event.type === CUSTOMER_FORGOTTEN) return eraseCustomer(event, ctx);
  const e = { type: event.type, data: event.data } as FollowUpEvent;
  const followUps = ctx.collection<FollowUpDoc>(FOLLOW_UPS_COLLECTION);
  const { followUpId } = e.data;
  const updatedAt = event.metadata.recordedAt;
  const revision = Number(event.revision);
  const set = (fields: Partial<FollowUpDoc>) => followUps.update(followUpId, { $set: { ...fields, updatedAt, revision } });

  switch (e.type) {
    case 'FollowUpCreated': {
      const { createdAt, ...data } = e.data;
      await followUps.replace(followUpId, {
        ...data,
        status: 'open',
        remindedAt: null,
        overdueAt: null,
        cancelReason: null,
        createdAt,
        closedAt: null,
        updatedAt,
        revision,
      });
      await setTimers(ctx, followUpId, data.dueAt, data.remindAt);
      return;
    }
    case 'FollowUpReassigned':
      await set({ owner: e.data.owner, department: e.data.department });
      return;
    case 'FollowUpRescheduled':
      await set({ dueAt: e.data.dueAt, remindAt: e.data.remindAt, remindedAt: null, overdueAt: null });
      await setTimers(ctx, followUpId, e.data.dueAt, e.data.remindAt);
      return;
    case 'FollowUpCompleted':
      await set({ status: 'done', closedAt: e.data.completedAt });
      await finishTimers(ctx, followUpId, FOLLOW_UP_TIMER_KINDS);
      return;
    case 'FollowUpCancelled':
      await set({ status: 'cancelled', closedAt: e.data.cancelledAt, cancelReason: e.data.reason });
      await finishTimers(ctx, followUpId, FOLLOW_UP_TIMER_KINDS);
      return;
    case 'FollowUpReminderDue':
      await set({ remindedAt: event.metadata.recordedAt });
      await finishTimers(ctx, followUpId, ['reminder']);
      return;
    case 'FollowUpOverdue':
      await set({ overdueAt: e.data.overdueAt });
      await finishTimers(ctx, followUpId, ['overdue']);
      return;
  }
}

export const followUpsProjection: ProjectionDefinition = {
  name: FOLLOW_UPS_PROJECTION,
  version: 1,
  // Reads personal fields: titles, notes and cancel reasons are shown.
  needsPlaintext: true,
  eventTypes: [...FOLLOW_UP_EVENT_TYPES, CUSTOMER_FORGOTTEN],
  collections: {
    [FOLLOW_UPS_COLLECTION]: {
      indexes: [
        { keys: { owner: 1, status: 1, dueAt: 1 } },
        { keys: { department: 1, status: 1, dueAt: 1 } },
        { keys: { status: 1, dueAt: 1 } },
        { keys: { customerId: 1 } },
      ],
    },
    [FOLLOW_UP_TIMERS_COLLECTION]: { indexes: [{ keys: { status: 1, fireAt: 1 } }] },
  },
  handle,
};
