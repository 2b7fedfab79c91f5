import { expectRefused } from '../support/http-spec';
import { startTestApp, type TestApp } from '../support/test-app';
import { at, customer, followUpEvents, HOUR, MINUTE, ok, settle } from './follow-up-steps';

/** The test clock starts at 12:00 on 10 March 2026. */
const NOW = '2026-03-10T12:00:00.000Z';
const TUESDAY_10 = '2026-03-17T10:00:00.000Z';

describe('Follow-ups over HTTP', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp();
    expect(t.clock.now().toISOString()).toBe(NOW);
  });
  afterEach(async () => {
    await t.close();
  });

  it('creates a follow-up on a customer with an owner, due time and the default reminder lead, and reads it back', async () => {
    const customerId = await customer(t);
    const created = await t.request('POST', '/follow-ups', {
      customerId,
      owner: 'agent-ana',
      title: 'Call back about the refund',
      note: 'Prefers mornings',
      dueAt: TUESDAY_10,
    });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/follow-ups/${created.json.id}`);

    const read = await t.request('GET', `/follow-ups/${created.json.id}?minPosition=${created.json.position}`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({
      id: created.json.id,
      customerId,
      complaintId: null,
      owner: 'agent-ana',
      department: null,
      title: 'Call back about the refund',
      note: 'Prefers mornings',
      status: 'open',
      dueAt: TUESDAY_10,
      // RELATA_FOLLOW_UP_REMINDER_LEAD_MINUTES defaults to 60.
      remindAt: at(TUESDAY_10, -HOUR),
      overdue: false,
    });
  });

  it("takes a complaint's customer, and refuses a customer that is not the complaint's", async () => {
    const ana = await customer(t, 'Ana Lima');
    const bruno = await customer(t, 'Bruno Reis');
    const complaint = await ok(t, '/complaints', { customerId: ana, channel: 'phone', category: 'billing', description: 'Charged twice' });
    const created = await ok(t, '/follow-ups', {
      complaintId: complaint.id,
      owner: 'agent-ana',
      title: 'Check the refund went out',
      dueAt: TUESDAY_10,
      remindBeforeMinutes: 30,
    });
    const read = await t.request('GET', `/follow-ups/${created.id}?minPosition=${created.position}`);
    expect(read.json).toMatchObject({ customerId: ana, complaintId: complaint.id, remindAt: at(TUESDAY_10, -30 * MINUTE) });

    await expectRefused(
      t,
      () =>
        t.request('POST', '/follow-ups', {
          customerId: bruno,
          complaintId: complaint.id,
          owner: 'agent-ana',
          title: 'x',
          dueAt: TUESDAY_10,
        }),
      422,
      'FOLLOW_UP_CUSTOMER_MISMATCH',
    );
  });

  it('refuses bad input with a problem document and appends nothing', async () => {
    const customerId = await customer(t);
    const department = await ok(t, '/departments', { name: 'Retention' });
    const open = await ok(t, '/follow-ups', { customerId, owner: 'agent-ana', title: 'Call back', dueAt: TUESDAY_10 });
    const done = await ok(t, '/follow-ups', { customerId, owner: 'agent-ana', title: 'Send brochure', dueAt: TUESDAY_10 });
    await ok(t, `/follow-ups/${done.id}/complete`, {});
    const unknown = '00000000-0000-4000-8000-00000000ffff';
    const before = await t.eventCount();

    const cases: { url: string; body: Record<string, unknown>; status: number; code: string }[] = [
      { url: '/follow-ups', body: { owner: 'agent-ana', title: 'x', dueAt: TUESDAY_10 }, status: 400, code: 'VALIDATION_FAILED' },
      {
        url: '/follow-ups',
        body: { customerId, owner: 'agent-ana', title: 'x', dueAt: 'next tuesday' },
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      { url: '/follow-ups', body: { customerId, owner: '', title: 'x', dueAt: TUESDAY_10 }, status: 400, code: 'VALIDATION_FAILED' },
      {
        url: '/follow-ups',
        body: { customerId, owner: 'a', title: 'x', dueAt: TUESDAY_10, remindBeforeMinutes: -5 },
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        url: '/follow-ups',
        body: { customerId: unknown, owner: 'a', title: 'x', dueAt: TUESDAY_10 },
        status: 404,
        code: 'CUSTOMER_NOT_FOUND',
      },
      {
        url: '/follow-ups',
        body: { complaintId: unknown, owner: 'a', title: 'x', dueAt: TUESDAY_10 },
        status: 404,
        code: 'COMPLAINT_NOT_FOUND',
      },
      {
        url: '/follow-ups',
        body: { customerId, owner: 'a', title: 'x', dueAt: TUESDAY_10, department: unknown },
        status: 422,
        code: 'UNKNOWN_DEPARTMENT',
      },
      { url: `/follow-ups/${unknown}/complete`, body: {}, status: 404, code: 'FOLLOW_UP_NOT_FOUND' },
      { url: `/follow-ups/${unknown}/reassign`, body: { owner: 'agent-bo' }, status: 404, code: 'FOLLOW_UP_NOT_FOUND' },
      { url: `/follow-ups/${open.id}/reassign`, body: { owner: 'agent-bo', department: unknown }, status: 422, code: 'UNKNOWN_DEPARTMENT' },
      { url: `/follow-ups/${open.id}/reassign`, body: {}, status: 400, code: 'VALIDATION_FAILED' },
      { url: `/follow-ups/${open.id}/reschedule`, body: { dueAt: 'soon' }, status: 400, code: 'VALIDATION_FAILED' },
      { url: `/follow-ups/${unknown}/reschedule`, body: { dueAt: TUESDAY_10 }, status: 404, code: 'FOLLOW_UP_NOT_FOUND' },
      { url: `/follow-ups/${done.id}/cancel`, body: {}, status: 422, code: 'FOLLOW_UP_NOT_OPEN' },
      {
        url: `/follow-ups/${done.id}/reassign`,
        body: { owner: 'agent-bo', department: department.id },
        status: 422,
        code: 'FOLLOW_UP_NOT_OPEN',
      },
      { url: `/follow-ups/${done.id}/reschedule`, body: { dueAt: TUESDAY_10 }, status: 422, code: 'FOLLOW_UP_NOT_OPEN' },
      { url: `/follow-ups/${open.id}/complete`, body: { note: 'unexpected' }, status: 400, code: 'VALIDATION_FAILED' },
    ];
    for (const c of cases) {
      const response = await t.request('POST', c.url, c.body);
      expect({ url: c.url, body: c.body, status: response.status, code: response.json.code }).toEqual({ ...c });
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    expect(await t.eventCount()).toBe(before);
  });

  it('reassigns, reschedules, completes and cancels, each recorded as an event', async () => {
    const customerId = await customer(t);
    const retention = await ok(t, '/departments', { name: 'Retention' });
    const a = await ok(t, '/follow-ups', {
      customerId,
      owner: 'agent-ana',
      title: 'Call back',
      dueAt: TUESDAY_10,
      remindBeforeMinutes: 120,
    });
    await ok(t, `/follow-ups/${a.id}/reassign`, { owner: 'agent-bo', department: retention.id });
    // The same owner and department again: nothing to record.
    const same = await ok(t, `/follow-ups/${a.id}/reassign`, { owner: 'agent-bo' });
    const later = at(TUESDAY_10, 24 * HOUR);
    await ok(t, `/follow-ups/${a.id}/reschedule`, { dueAt: later });
    await ok(t, `/follow-ups/${a.id}/complete`, {});
    const again = await ok(t, `/follow-ups/${a.id}/complete`, {});
    expect(again.revision).toBe(3);
    expect(same.revision).toBe(1);

    const b = await ok(t, '/follow-ups', { customerId, owner: 'agent-ana', title: 'Send brochure', dueAt: TUESDAY_10 });
    await ok(t, `/follow-ups/${b.id}/cancel`, { reason: 'She bought already' });

    expect((await followUpEvents(t, a.id)).map((e) => [e.type, e.data])).toEqual([
      ['FollowUpCreated', expect.objectContaining({ owner: 'agent-ana', dueAt: TUESDAY_10, remindAt: at(TUESDAY_10, -2 * HOUR) })],
      ['FollowUpReassigned', expect.objectContaining({ owner: 'agent-bo', previousOwner: 'agent-ana', department: retention.id })],
      // The reminder keeps its two-hour lead.
      ['FollowUpRescheduled', expect.objectContaining({ dueAt: later, remindAt: at(later, -2 * HOUR), previousDueAt: TUESDAY_10 })],
      ['FollowUpCompleted', expect.objectContaining({ completedAt: NOW })],
    ]);
    await settle(t);
    expect((await t.request('GET', `/follow-ups/${b.id}`)).json).toMatchObject({
      status: 'cancelled',
      cancelReason: 'She bought already',
      closedAt: NOW,
    });
  });

  it('serves work queues per owner and per department, soonest due first and paged, and the overdue list, also as CSV', async () => {
    const customerId = await customer(t);
    const retention = await ok(t, '/departments', { name: 'Retention' });
    const create = (owner: string, dueAt: string, department?: string) =>
      ok(t, '/follow-ups', { customerId, owner, title: `Call ${dueAt}`, dueAt, ...(department ? { department } : {}) });
    const late = await create('agent-ana', at(NOW, 2 * HOUR), retention.id);
    const soon = await create('agent-ana', at(NOW, 1 * HOUR));
    const other = await create('agent-bo', at(NOW, 3 * HOUR), retention.id);
    const closed = await create('agent-ana', at(NOW, 30 * MINUTE));
    await ok(t, `/follow-ups/${closed.id}/complete`, {});
    await settle(t);

    const ana = await t.request('GET', '/follow-ups?owner=agent-ana&limit=1');
    expect(ana.json.items.map((i: { id: string }) => i.id)).toEqual([soon.id]);
    const next = await t.request('GET', `/follow-ups?owner=agent-ana&limit=1&cursor=${encodeURIComponent(ana.json.nextCursor)}`);
    expect(next.json.items.map((i: { id: string }) => i.id)).toEqual([late.id]);
    expect(next.json.nextCursor).toBeNull();

    const department = await t.request('GET', `/follow-ups?department=${retention.id}`);
    expect(department.json.items.map((i: { id: string }) => i.id)).toEqual([late.id, other.id]);
    expect((await t.request('GET', '/follow-ups?owner=agent-ana&status=done')).json.items.map((i: { id: string }) => i.id)).toEqual([
      closed.id,
    ]);

    // 2.5 hours on: the two earliest open ones are overdue; the closed one never is.
    t.clock.advance(2.5 * HOUR);
    const overdue = await t.request('GET', '/follow-ups/overdue');
    expect(overdue.json.asOf).toBe(at(NOW, 2.5 * HOUR));
    expect(overdue.json.items.map((i: { id: string; overdue: boolean }) => [i.id, i.overdue])).toEqual([
      [soon.id, true],
      [late.id, true],
    ]);
    expect((await t.request('GET', `/follow-ups/overdue?department=${retention.id}`)).json.items.map((i: { id: string }) => i.id)).toEqual([
      late.id,
    ]);

    const csv = await t.request('GET', '/follow-ups/overdue', undefined, { accept: 'text/csv' });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = String(csv.body).trim().split(/\r?\n/);
    expect(lines[0].split(',').slice(0, 4)).toEqual(['id', 'status', 'owner', 'department']);
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual([soon.id, late.id]);
  });

  it('summarises the queues per owner and department with overdue counts, for analysts too, also as CSV', async () => {
    const customerId = await customer(t);
    const retention = await ok(t, '/departments', { name: 'Retention' });
    const create = (owner: string, dueAt: string, department?: string) =>
      ok(t, '/follow-ups', { customerId, owner, title: 'Call', dueAt, ...(department ? { department } : {}) });
    await create('agent-ana', at(NOW, HOUR), retention.id);
    await create('agent-ana', at(NOW, 3 * HOUR));
    const last = await create('agent-bo', at(NOW, 5 * HOUR), retention.id);
    t.clock.advance(2 * HOUR);

    const analyst = await t.createKey(['analyst']);
    const summary = await t.request('GET', `/follow-ups/summary?minPosition=${last.position}`, undefined, {
      authorization: `Bearer ${analyst.key}`,
    });
    expect(summary.status).toBe(200);
    expect(summary.json).toEqual({
      asOf: at(NOW, 2 * HOUR),
      open: 3,
      overdue: 1,
      byOwner: [
        { key: 'agent-ana', open: 2, overdue: 1, nextDueAt: at(NOW, HOUR) },
        { key: 'agent-bo', open: 1, overdue: 0, nextDueAt: at(NOW, 5 * HOUR) },
      ],
      byDepartment: [
        { key: retention.id, open: 2, overdue: 1, nextDueAt: at(NOW, HOUR) },
        { key: null, open: 1, overdue: 0, nextDueAt: at(NOW, 3 * HOUR) },
      ],
    });
    const csv = await t.request('GET', '/follow-ups/summary', undefined, { accept: 'text/csv' });
    expect(String(csv.body).trim().split(/\r?\n/)).toEqual([
      'owner,open,overdue,nextDueAt,asOf',
      `agent-ana,2,1,${at(NOW, HOUR)},${at(NOW, 2 * HOUR)}`,
      `agent-bo,1,0,${at(NOW, 5 * HOUR)},${at(NOW, 2 * HOUR)}`,
    ]);
    // Analysts without the pii grant read queues with the titles masked.
    const queue = await t.request('GET', '/follow-ups?owner=agent-ana', undefined, { authorization: `Bearer ${analyst.key}` });
    expect(queue.json.items.map((i: { title: string }) => i.title)).toEqual(['***', '***']);
  });

  it('erases titles, notes and reasons from the follow-ups when the customer is forgotten', async () => {
    const customerId = await customer(t);
    const a = await ok(t, '/follow-ups', {
      customerId,
      owner: 'agent-ana',
      title: 'Call about the divorce settlement',
      note: 'Very upset',
      dueAt: TUESDAY_10,
    });
    const b = await ok(t, '/follow-ups', { customerId, owner: 'agent-ana', title: 'Visit', dueAt: TUESDAY_10 });
    await ok(t, `/follow-ups/${b.id}/cancel`, { reason: 'Moved to Lisbon' });
    const forget = await t.request('POST', `/customers/${customerId}/forget`, undefined, { authorization: `Bearer ${t.adminKey}` });
    expect(forget.status).toBe(200);

    const readA = (await t.request('GET', `/follow-ups/${a.id}?minPosition=${forget.json.position}`)).json;
    expect(readA).toMatchObject({ title: '[erased]', note: '[erased]', owner: 'agent-ana' });
    expect((await t.request('GET', `/follow-ups/${b.id}`)).json).toMatchObject({ title: '[erased]', note: null, cancelReason: '[erased]' });
    const events = await followUpEvents(t, a.id);
    expect(events[0].data).toMatchObject({ title: '[erased]', note: '[erased]' });
    expect(JSON.stringify(await followUpEvents(t, b.id))).not.toContain('Lisbon');
  });
});
