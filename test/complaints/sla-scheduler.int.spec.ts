import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ComplaintCommand, complaintDecider } from '../../src/complaints/complaint.decider';
import { type ComplaintEvent, complaintStream } from '../../src/complaints/complaint.events';
import {
  SLA_DEADLINES_COLLECTION,
  SLA_DEADLINES_PROJECTION_NAME,
  type SlaDeadlineDoc,
  slaDeadlineId,
} from '../../src/complaints/sla-deadlines.projection';
import { SlaScheduler, type SupervisorDirectory } from '../../src/complaints/sla-scheduler';
import { SlaSchedulerService } from '../../src/complaints/sla-scheduler.service';
import { type DepartmentCommand, departmentDecider, departmentStream } from '../../src/departments/department.decider';
import { ManualClock } from '../../src/shared/clock';
import { SequentialIdGenerator } from '../../src/shared/ids';
import { CommandProcessor } from '../../src/shared/decider/command-processor';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { ReadModels } from '../../src/shared/projections/read-models';
import { DEFAULT_SLA_POLICY, HOUR_MS } from '../../src/complaints/sla-policy';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The SLA clock on the real app and embedded stores, driven by a manual clock: complaints are
 * graded high under the default policy at 12:00 on 10 March (first response due 20:00, warning at
 * 75% of the 24 h resolution time = 06:00 next day, resolution due 12:00 next day).
 */
const GRADED_AT = '2026-03-10T12:00:00.000Z';
const FIRST_RESPONSE_DUE = '2026-03-10T20:00:00.000Z';
const WARNING_AT = '2026-03-11T06:00:00.000Z';
const RESOLUTION_DUE = '2026-03-11T12:00:00.000Z';

/** A command as tests write it: the driver stamps `now` from the clock. */
type WithoutNow<C> = C extends unknown ? Omit<C, 'now'> : never;

const at = (iso: string, deltaMs = 0): string => new Date(Date.parse(iso) + deltaMs).toISOString();

class Driver {
  constructor(readonly t: TestApp) {}

  get processor(): CommandProcessor {
    return this.t.app.get(CommandProcessor);
  }

  get scheduler(): SlaSchedulerService {
    return this.t.app.get(SlaSchedulerService);
  }

  now(): string {
    return this.t.clock.now().toISOString();
  }

  async complaint(complaintId: string, command: WithoutNow<ComplaintCommand>): Promise<void> {
    await this.processor.handle({
      decider: complaintDecider,
      streamName: complaintStream(complaintId),
      command: { ...command, now: this.now() } as ComplaintCommand,
      context: { actor: 'agent-1', correlationId: `test-${complaintId}`, commandId: '' },
    });
  }

  async department(departmentId: string, command: WithoutNow<DepartmentCommand>): Promise<void> {
    await this.processor.handle({
      decider: departmentDecider,
      streamName: departmentStream(departmentId),
      command: { ...command, now: this.now() } as DepartmentCommand,
      context: { actor: 'admin', correlationId: `test-${departmentId}`, commandId: '' },
    });
  }

  /** Registers, assigns to the department, assesses valid and grades high at the current time. */
  async gradedComplaint(complaintId: string, department = 'billing'): Promise<void> {
    await this.complaint(complaintId, {
      type: 'RegisterComplaint',
      data: {
        complaintId,
        number: `CMP-2026-${complaintId}`,
        customerId: 'customer-1',
        channel: 'email',
        category: 'billing',
        description: 'Charged twice for March',
        occurredAt: '2026-03-09T10:00:00.000Z',
        customerExists: true,
        autoAcknowledge: true,
      },
    });
    await this.complaint(complaintId, { type: 'AssignComplaint', data: { department, assignee: null, by: 'agent-1' } });
    await this.complaint(complaintId, { type: 'AssessValidity', data: { valid: true, rationale: 'Double charge confirmed' } });
    await this.complaint(complaintId, {
      type: 'GradeComplaint',
      data: { severity: 'high', difficulty: 'medium', policy: DEFAULT_SLA_POLICY },
    });
  }

  /** A progress update: the first response, so only the resolution deadline remains. */
  async respond(complaintId: string): Promise<void> {
    await this.complaint(complaintId, { type: 'RecordProgressUpdate', data: { channel: 'email', summary: 'Looking into it' } });
  }

  /** Waits until the sla-deadlines read model has applied every event appended so far. */
  async settle(): Promise<void> {
    const head = await this.t.eventStore.headPosition();
    const reached = await this.t.app.get(ProjectionRunner).waitForPosition(SLA_DEADLINES_PROJECTION_NAME, head, 5000);
    expect(reached).toBe(true);
  }

  /** Ticks once the read model is up to date (the scheduler's normal situation). */
  async tick(): Promise<number> {
    await this.settle();
    return this.scheduler.tick();
  }

  async events(complaintId: string): Promise<ComplaintEvent[]> {
    const recorded = await this.t.eventStore.readStream(complaintStream(complaintId));
    return recorded.map((e) => ({ type: e.type, data: e.data }) as ComplaintEvent);
  }

  async slaEvents(complaintId: string): Promise<ComplaintEvent[]> {
    const sla = ['SlaWarningRaised', 'SlaBreached', 'EscalationRaised'];
    return (await this.events(complaintId)).filter((e) => sla.includes(e.type));
  }

  async deadline(complaintId: string, kind: SlaDeadlineDoc['kind']): Promise<SlaDeadlineDoc | null> {
    await this.settle();
    const docs = this.t.app.get(ReadModels).collection<SlaDeadlineDoc>(SLA_DEADLINES_PROJECTION_NAME, SLA_DEADLINES_COLLECTION);
    return docs.get(slaDeadlineId(complaintId, kind));
  }
}

describe('SLA scheduler (embedded stores, manual clock)', () => {
  let t: TestApp;
  let d: Driver;

  beforeEach(async () => {
    t = await startTestApp();
    d = new Driver(t);
    expect(d.now()).toBe(GRADED_AT);
    await d.department('billing', {
      type: 'CreateDepartment',
      data: { departmentId: 'billing', name: 'Billing', supervisorId: 'sup-ana' },
    });
  });
  afterEach(async () => {
    await t.close();
  });

  it('keeps one deadline document per open deadline, pending from grading', async () => {
    await d.gradedComplaint('c1');
    expect(await d.deadline('c1', 'resolution-warning')).toMatchObject({
      complaintId: 'c1',
      kind: 'resolution-warning',
      dueAt: WARNING_AT,
      deadlineDueAt: RESOLUTION_DUE,
      department: 'billing',
      status: 'pending',
    });
    expect(await d.deadline('c1', 'resolution-breach')).toMatchObject({ dueAt: RESOLUTION_DUE, status: 'pending' });
    expect(await d.deadline('c1', 'first-response-breach')).toMatchObject({ dueAt: FIRST_RESPONSE_DUE, status: 'pending' });

    await d.respond('c1');
    expect(await d.deadline('c1', 'first-response-breach')).toMatchObject({ status: 'done', doneReason: 'first-response' });
  });

  it('raises the warning at 75% of the resolution time, not before, and only once', async () => {
    await d.gradedComplaint('c1');
    await d.respond('c1');

    t.clock.set(at(WARNING_AT, -1));
    expect(await d.tick()).toBe(0);
    expect(await d.slaEvents('c1')).toEqual([]);

    t.clock.set(WARNING_AT);
    expect(await d.tick()).toBe(1);
    expect(await d.slaEvents('c1')).toEqual([
      {
        type: 'SlaWarningRaised',
        data: { complaintId: 'c1', deadline: 'resolution', dueAt: RESOLUTION_DUE, warningAt: WARNING_AT, raisedAt: WARNING_AT },
      },
    ]);
    expect(await d.deadline('c1', 'resolution-warning')).toMatchObject({ status: 'done', doneReason: 'warning-raised' });

    t.clock.advance(HOUR_MS);
    expect(await d.tick()).toBe(0);
    expect(await d.slaEvents('c1')).toHaveLength(1);
  });

  it('records a breach once the deadline has passed, escalating a level and notifying the supervisor each time', async () => {
    await d.gradedComplaint('c1');

    // Met on the dot: nothing yet.
    t.clock.set(FIRST_RESPONSE_DUE);
    expect(await d.tick()).toBe(0);

    t.clock.set(at(FIRST_RESPONSE_DUE, 1));
    expect(await d.tick()).toBe(1);
    expect(await d.slaEvents('c1')).toEqual([
      {
        type: 'SlaBreached',
        data: { complaintId: 'c1', deadline: 'first-response', dueAt: FIRST_RESPONSE_DUE, breachedAt: at(FIRST_RESPONSE_DUE, 1) },
      },
      {
        type: 'EscalationRaised',
        data: expect.objectContaining({ level: 1, trigger: 'sla-breach', deadline: 'first-response', notify: 'sup-ana', by: null }),
      },
    ]);
    const breach = (await t.eventStore.readStream(complaintStream('c1'))).find((e) => e.type === 'SlaBreached');
    expect(breach?.metadata.actor).toBe('system:sla-scheduler');

    // The supervisor is looked up when the breach happens.
    await d.department('billing', { type: 'UpdateDepartment', data: { supervisorId: 'sup-bo' } });

    // Long past the resolution deadline: the overdue warning and the breach fire in due order.
    t.clock.set(at(RESOLUTION_DUE, 6 * HOUR_MS));
    expect(await d.tick()).toBe(2);
    const later = (await d.slaEvents('c1')).slice(2);
    expect(later.map((e) => e.type)).toEqual(['SlaWarningRaised', 'SlaBreached', 'EscalationRaised']);
    expect(later[1].data).toMatchObject({ deadline: 'resolution', dueAt: RESOLUTION_DUE });
    expect(later[2].data).toMatchObject({ level: 2, trigger: 'sla-breach', deadline: 'resolution', notify: 'sup-bo' });

    const before = await t.eventCount();
    t.clock.advance(HOUR_MS);
    expect(await d.tick()).toBe(0);
    expect(await t.eventCount()).toBe(before);
  });

  it('notifies nobody when the department has no supervisor', async () => {
    await d.gradedComplaint('c1', 'unknown-department');
    await d.respond('c1');
    t.clock.set(at(RESOLUTION_DUE, 1));
    expect(await d.tick()).toBe(2);
    const escalation = (await d.slaEvents('c1')).find((e) => e.type === 'EscalationRaised');
    expect(escalation?.data).toMatchObject({ level: 1, notify: null });
  });

  it('pauses the deadlines on hold and fires at the moved times after resuming', async () => {
    await d.gradedComplaint('c1');
    await d.respond('c1');

    t.clock.set(at(GRADED_AT, 2 * HOUR_MS));
    await d.complaint('c1', { type: 'HoldComplaint', data: { reason: 'Waiting for the bank statement' } });
    expect(await d.deadline('c1', 'resolution-breach')).toMatchObject({ status: 'paused' });

    // The old times pass while on hold: nothing fires.
    t.clock.set(at(RESOLUTION_DUE, HOUR_MS));
    expect(await d.tick()).toBe(0);
    expect(await d.slaEvents('c1')).toEqual([]);

    // Resumed 24 h after the hold began: every deadline moves 24 h later.
    t.clock.set(at(GRADED_AT, 26 * HOUR_MS));
    await d.complaint('c1', { type: 'ResumeComplaint' });
    const movedWarning = at(WARNING_AT, 24 * HOUR_MS);
    const movedDue = at(RESOLUTION_DUE, 24 * HOUR_MS);
    expect(await d.deadline('c1', 'resolution-breach')).toMatchObject({ status: 'pending', dueAt: movedDue });
    expect(await d.deadline('c1', 'resolution-warning')).toMatchObject({ status: 'pending', dueAt: movedWarning });
    expect(await d.tick()).toBe(0);

    t.clock.set(movedWarning);
    expect(await d.tick()).toBe(1);
    t.clock.set(movedDue);
    expect(await d.tick()).toBe(0);
    t.clock.set(at(movedDue, 1));
    expect(await d.tick()).toBe(1);
    const sla = await d.slaEvents('c1');
    expect(sla.map((e) => e.type)).toEqual(['SlaWarningRaised', 'SlaBreached', 'EscalationRaised']);
    expect(sla[1].data).toMatchObject({ deadline: 'resolution', dueAt: movedDue, breachedAt: at(movedDue, 1) });
  });

  it('never breaches a resolved complaint; a reopen restarts the clock where it stopped', async () => {
    await d.gradedComplaint('c1');
    await d.respond('c1');
    await d.complaint('c1', { type: 'RecordRootCause', data: { category: 'billing-error', text: 'Gateway retried the payment' } });
    t.clock.set(at(GRADED_AT, 4 * HOUR_MS));
    await d.complaint('c1', { type: 'ResolveComplaint', data: { solution: 'Refunded the duplicate charge' } });
    expect(await d.deadline('c1', 'resolution-breach')).toMatchObject({ status: 'done', doneReason: 'resolved' });

    t.clock.set(at(RESOLUTION_DUE, 3 * 24 * HOUR_MS));
    expect(await d.tick()).toBe(0);
    expect(await d.slaEvents('c1')).toEqual([]);

    // Reopened 4 days (96 h) after resolving: the 20 h left on the clock run from now.
    const reopenedAt = at(GRADED_AT, 100 * HOUR_MS);
    t.clock.set(reopenedAt);
    await d.complaint('c1', { type: 'ReopenComplaint', data: { reason: 'The refund never arrived', reopenWindowDays: 14 } });
    const movedDue = at(reopenedAt, 20 * HOUR_MS);
    expect(await d.deadline('c1', 'resolution-breach')).toMatchObject({ status: 'pending', dueAt: movedDue });
    expect(await d.deadline('c1', 'first-response-breach')).toMatchObject({ status: 'done', doneReason: 'first-response' });

    t.clock.set(at(movedDue, 1));
    expect(await d.tick()).toBe(2);
    expect((await d.slaEvents('c1')).map((e) => e.type)).toEqual(['SlaWarningRaised', 'SlaBreached', 'EscalationRaised']);
  });

  it('logs a failing complaint without its personal data and still fires the others', async () => {
    await d.gradedComplaint('c1', 'broken');
    await d.gradedComplaint('c2', 'billing');
    await d.settle();
    const messages: string[] = [];
    const logger = { log: (m: string) => messages.push(m), error: (m: string) => messages.push(m) };
    const supervisors: SupervisorDirectory = {
      supervisorOf: (department) =>
        department === 'broken' ? Promise.reject(new Error('Charged twice for March')) : Promise.resolve('sup-ana'),
    };
    const scheduler = new SlaScheduler(d.processor, t.app.get(ReadModels), t.clock, supervisors, { logger, batchSize: 1 });

    t.clock.set(at(FIRST_RESPONSE_DUE, 1));
    expect(await scheduler.tick()).toBe(1);
    expect((await d.slaEvents('c1')).map((e) => e.type)).toEqual([]);
    expect((await d.slaEvents('c2')).map((e) => e.type)).toEqual(['SlaBreached', 'EscalationRaised']);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('c1');
    expect(messages[0]).not.toContain('Charged twice');

    // Retried on the next tick, once the directory answers.
    const healed = new SlaScheduler(d.processor, t.app.get(ReadModels), t.clock, { supervisorOf: () => Promise.resolve('sup-ana') });
    await d.settle();
    expect(await healed.tick()).toBe(1);
    expect((await d.slaEvents('c1')).map((e) => e.type)).toEqual(['SlaBreached', 'EscalationRaised']);
  });

  it('fires once even when ticked again before the read model has caught up', async () => {
    await d.gradedComplaint('c1');
    await d.settle();
    // A stopped runner leaves the read model as it was: every deadline still looks pending.
    await t.app.get(ProjectionRunner).stop();
    t.clock.set(at(RESOLUTION_DUE, 1));
    expect(await d.scheduler.tick()).toBe(3);
    const count = await t.eventCount();
    t.clock.advance(HOUR_MS);
    expect(await d.scheduler.tick()).toBe(0);
    expect(await t.eventCount()).toBe(count);
    expect((await d.slaEvents('c1')).map((e) => e.type)).toEqual([
      'SlaBreached',
      'EscalationRaised',
      'SlaWarningRaised',
      'SlaBreached',
      'EscalationRaised',
    ]);
  });

  it('ticks on its own once started, and stop() ends the timer', async () => {
    await d.gradedComplaint('c1');
    await d.respond('c1');
    await d.settle();
    // The scheduler's timer runs on Jest's fake timers: its polls happen when the test advances
    // them, so "nothing fired after stop()" is shown by running every pending timer, not by a pause.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'Date', 'hrtime', 'performance'] });
    try {
      const scheduler = new SlaScheduler(
        d.processor,
        t.app.get(ReadModels),
        t.clock,
        { supervisorOf: () => Promise.resolve(null) },
        {
          pollIntervalMs: 10,
        },
      );
      scheduler.start();
      t.clock.set(WARNING_AT);
      for (let poll = 0; poll < 100 && (await d.slaEvents('c1')).length === 0; poll++) await jest.advanceTimersByTimeAsync(10);
      await scheduler.stop();
      expect((await d.slaEvents('c1')).map((e) => e.type)).toEqual(['SlaWarningRaised']);

      // Stopped: a deadline passing now is left for the next start, through a minute of polls (6,000 poll intervals).
      t.clock.set(at(RESOLUTION_DUE, 1));
      await jest.advanceTimersByTimeAsync(60_000);
      expect((await d.slaEvents('c1')).map((e) => e.type)).toEqual(['SlaWarningRaised']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('fires nothing while its lease says another instance is the active one', async () => {
    await d.gradedComplaint('c1');
    await d.settle();
    let active = false;
    const scheduler = new SlaScheduler(
      d.processor,
      t.app.get(ReadModels),
      t.clock,
      { supervisorOf: () => Promise.resolve(null) },
      {
        lease: { shouldRun: () => Promise.resolve(active) },
      },
    );
    t.clock.set(at(RESOLUTION_DUE, 1));
    expect(await scheduler.tick()).toBe(0);
    expect(await d.slaEvents('c1')).toEqual([]);
    active = true;
    expect(await scheduler.tick()).toBe(3);
  });
});

describe('SLA scheduler across restarts', () => {
  let dataDir: string;
  const apps: TestApp[] = [];

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-sla-restart-'));
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** A command over HTTP that must succeed; answers the parsed body. */
  async function ok(t: TestApp, url: string, body?: Record<string, unknown>): Promise<Record<string, string>> {
    const response = await t.request('POST', url, body);
    // The problem document, when refused, is the most useful failure message.
    expect(response.status < 300 ? 'ok' : `${url}: ${response.status} ${JSON.stringify(response.json)}`).toBe('ok');
    return response.json;
  }

  it('fires a deadline that passed while the app was down once, right after start, and never again', async () => {
    const clock = new ManualClock(GRADED_AT);
    const first = await startTestApp({}, { dataDir, clock });
    apps.push(first);
    // Through the HTTP API, as an agent would: graded high at 12:00, first response given.
    const customer = await ok(first, '/customers', {
      name: 'Ana Lima',
      email: 'ana@example.com',
      kind: 'customer',
      acquisitionChannel: 'web',
    });
    const department = await ok(first, '/departments', { name: 'Billing', supervisorId: 'sup-ana' });
    const complaint = await ok(first, '/complaints', {
      customerId: customer.id,
      channel: 'phone',
      category: 'billing',
      description: 'Charged twice for March',
    });
    const id = complaint.id;
    await ok(first, `/complaints/${id}/acknowledge`);
    await ok(first, `/complaints/${id}/assign`, { department: department.id });
    await ok(first, `/complaints/${id}/assess`, { valid: true, rationale: 'Double charge confirmed' });
    await ok(first, `/complaints/${id}/grade`, { severity: 'high', difficulty: 'medium' });
    await ok(first, `/complaints/${id}/progress`, { channel: 'phone', summary: 'Looking into it' });
    const d1 = new Driver(first);
    expect(await d1.deadline(id, 'resolution-breach')).toMatchObject({ dueAt: RESOLUTION_DUE, status: 'pending' });
    await apps.pop()!.close();

    // Down over the warning time and the deadline.
    clock.set(at(RESOLUTION_DUE, 2 * HOUR_MS));
    const second = await startTestApp(
      { slaSchedulerEnabled: true },
      { dataDir, clock, ids: new SequentialIdGenerator('00000000-0000-4000-8002-') },
    );
    apps.push(second);
    const d2 = new Driver(second);
    // start() took the scheduler's lock before this tick: the start-up tick has already fired both.
    expect(await d2.scheduler.tick()).toBe(0);
    const sla = await d2.slaEvents(id);
    expect(sla.map((e) => e.type)).toEqual(['SlaWarningRaised', 'SlaBreached', 'EscalationRaised']);
    expect(sla[1].data).toMatchObject({ deadline: 'resolution', dueAt: RESOLUTION_DUE, breachedAt: at(RESOLUTION_DUE, 2 * HOUR_MS) });
    expect(sla[2].data).toMatchObject({ level: 1, trigger: 'sla-breach', notify: 'sup-ana' });
    const count = await second.eventCount();

    clock.advance(HOUR_MS);
    expect(await d2.tick()).toBe(0);
    await apps.pop()!.close();

    const third = await startTestApp(
      { slaSchedulerEnabled: true },
      { dataDir, clock, ids: new SequentialIdGenerator('00000000-0000-4000-8003-') },
    );
    apps.push(third);
    const d3 = new Driver(third);
    expect(await d3.tick()).toBe(0);
    expect(await third.eventCount()).toBe(count);
    expect(await d3.deadline(id, 'resolution-breach')).toMatchObject({ status: 'done', doneReason: 'breached' });
  });
});
