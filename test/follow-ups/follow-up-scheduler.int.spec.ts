import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FollowUpSchedulerService } from '../../src/follow-ups/follow-up-scheduler.service';
import { ManualClock } from '../../src/shared/clock';
import { SequentialIdGenerator } from '../../src/shared/ids';
import { startTestApp, type TestApp } from '../support/test-app';
import { at, customer, followUpEvents, HOUR, MINUTE, ok, settle, tick } from './follow-up-steps';

/** A follow-up created at 12:00 on 10 March, due at 18:00 with a 30-minute reminder lead (reminder at 17:30). */
const CREATED_AT = '2026-03-10T12:00:00.000Z';
const DUE_AT = '2026-03-10T18:00:00.000Z';
const REMIND_AT = '2026-03-10T17:30:00.000Z';

const scheduled = <E extends { type: string }>(events: E[]): E[] =>
  events.filter((e) => e.type === 'FollowUpReminderDue' || e.type === 'FollowUpOverdue');

describe('Follow-up reminders and overdue (manual clock)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  async function followUp(extra: Record<string, unknown> = {}): Promise<string> {
    const customerId = await customer(t);
    return (
      await ok(t, '/follow-ups', { customerId, owner: 'agent-ana', title: 'Call back', dueAt: DUE_AT, remindBeforeMinutes: 30, ...extra })
    ).id;
  }

  it('reminds at the lead time, not before, then records overdue once the due time has passed, each once', async () => {
    const id = await followUp();
    t.clock.set(at(REMIND_AT, -1));
    expect(await tick(t)).toBe(0);
    t.clock.set(REMIND_AT);
    expect(await tick(t)).toBe(1);
    expect(await tick(t)).toBe(0);
    // A follow-up is on time up to its due time inclusive.
    t.clock.set(DUE_AT);
    expect(await tick(t)).toBe(0);
    t.clock.set(at(DUE_AT, MINUTE));
    expect(await tick(t)).toBe(1);
    t.clock.advance(HOUR);
    expect(await tick(t)).toBe(0);

    const events = scheduled(await followUpEvents(t, id));
    expect(events).toEqual([
      {
        type: 'FollowUpReminderDue',
        data: expect.objectContaining({ owner: 'agent-ana', dueAt: DUE_AT, remindAt: REMIND_AT }),
        occurredAt: REMIND_AT,
      },
      {
        type: 'FollowUpOverdue',
        data: expect.objectContaining({ owner: 'agent-ana', dueAt: DUE_AT, overdueAt: at(DUE_AT, MINUTE) }),
        occurredAt: DUE_AT,
      },
    ]);
    await settle(t);
    expect((await t.request('GET', `/follow-ups/${id}`)).json).toMatchObject({
      remindedAt: REMIND_AT,
      overdueAt: at(DUE_AT, MINUTE),
      overdue: true,
    });
  });

  it('fires nothing for a completed or cancelled follow-up, and again for the new due time after a reschedule', async () => {
    const done = await followUp();
    const cancelled = await followUp();
    const moved = await followUp();
    await ok(t, `/follow-ups/${done}/complete`, {});
    await ok(t, `/follow-ups/${cancelled}/cancel`, {});
    t.clock.set(REMIND_AT);
    expect(await tick(t)).toBe(1);
    const later = at(DUE_AT, 24 * HOUR);
    await ok(t, `/follow-ups/${moved}/reschedule`, { dueAt: later });
    t.clock.set(at(DUE_AT, HOUR));
    // The old due time passed, but it is no longer the follow-up's: nothing is overdue.
    expect(await tick(t)).toBe(0);
    t.clock.set(at(later, HOUR));
    expect(await tick(t)).toBe(2);

    expect(scheduled(await followUpEvents(t, done))).toEqual([]);
    expect(scheduled(await followUpEvents(t, cancelled))).toEqual([]);
    expect(scheduled(await followUpEvents(t, moved)).map((e) => [e.type, e.data.dueAt])).toEqual([
      ['FollowUpReminderDue', DUE_AT],
      ['FollowUpReminderDue', later],
      ['FollowUpOverdue', later],
    ]);
  });

  it('fires once even when ticked again before the read model has caught up', async () => {
    const id = await followUp();
    await settle(t);
    t.clock.set(at(DUE_AT, MINUTE));
    const scheduler = t.app.get(FollowUpSchedulerService);
    // No settle between the ticks: the second may still see the timers pending.
    const first = await scheduler.tick();
    const second = await scheduler.tick();
    expect(first + second).toBe(2);
    expect(scheduled(await followUpEvents(t, id)).map((e) => e.type)).toEqual(['FollowUpReminderDue', 'FollowUpOverdue']);
  });
});

describe('Follow-up scheduler across restarts', () => {
  let dataDir: string;
  const apps: TestApp[] = [];

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-follow-up-restart-'));
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('fires a reminder and an overdue that fell due while the app was down once, right after start, and never again', async () => {
    const clock = new ManualClock(CREATED_AT);
    const first = await startTestApp({}, { dataDir, clock });
    apps.push(first);
    const customerId = await customer(first);
    const id = (
      await ok(first, '/follow-ups', { customerId, owner: 'agent-ana', title: 'Call back', dueAt: DUE_AT, remindBeforeMinutes: 30 })
    ).id;
    await settle(first);
    await apps.pop()!.close();

    // Down over the reminder and the due time.
    clock.set(at(DUE_AT, 2 * HOUR));
    const second = await startTestApp(
      { slaSchedulerEnabled: true },
      { dataDir, clock, ids: new SequentialIdGenerator('00000000-0000-4000-8002-') },
    );
    apps.push(second);
    // start() took the scheduler's lock before this tick: the start-up tick has already fired both.
    expect(await second.app.get(FollowUpSchedulerService).tick()).toBe(0);
    expect(scheduled(await followUpEvents(second, id))).toEqual([
      expect.objectContaining({ type: 'FollowUpReminderDue', occurredAt: REMIND_AT }),
      expect.objectContaining({ type: 'FollowUpOverdue', data: expect.objectContaining({ overdueAt: at(DUE_AT, 2 * HOUR) }) }),
    ]);
    const count = await second.eventCount();
    clock.advance(HOUR);
    expect(await tick(second)).toBe(0);
    await apps.pop()!.close();

    const third = await startTestApp(
      { slaSchedulerEnabled: true },
      { dataDir, clock, ids: new SequentialIdGenerator('00000000-0000-4000-8003-') },
    );
    apps.push(third);
    expect(await tick(third)).toBe(0);
    expect(await third.eventCount()).toBe(count);
  });
});
