import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';
import { expectRefused } from '../support/http-spec';

/**
 * Complaint handling over HTTP on the embedded stores: the ISO 10002 cycle step by step, the
 * read models (details, work queues, solutions, the customer's profile), SLA policy versions,
 * idempotency, and every refusal as problem+json that appends nothing.
 */
describe('complaints over HTTP (embedded stores)', () => {
  let t: TestApp;
  let ana: string;
  let billing: string;

  const T0 = '2026-03-10T12:00:00.000Z';
  const HOUR = 3_600_000;
  const at = (hours: number): string => new Date(Date.parse(T0) + hours * HOUR).toISOString();

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 2000 });
    ana = await customer('Ana Lima', 'ana@example.com');
    billing = await department('Billing', 'sup-1');
  });
  afterEach(async () => {
    await t.close();
  });

  /** Expects the status, showing the body when it differs. */
  function expectStatus(response: TestResponse, status: number): TestResponse {
    expect({ status: response.status, body: response.body }).toMatchObject({ status });
    return response;
  }

  async function customer(name: string, email: string): Promise<string> {
    return expectStatus(await t.request('POST', '/customers', { name, email, kind: 'customer' }), 201).json.id;
  }

  async function department(name: string, supervisorId: string | null): Promise<string> {
    return expectStatus(await t.request('POST', '/departments', { name, supervisorId }), 201).json.id;
  }

  const register = (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    t.request(
      'POST',
      '/complaints',
      { customerId: ana, channel: 'phone', category: 'billing', description: 'Charged twice for March', ...body },
      headers,
    );

  const step = (id: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    t.request('POST', `/complaints/${id}/${path}`, body, headers);

  /** Runs a step that must succeed. */
  const ok = async (id: string, path: string, body?: unknown, status = 200) => expectStatus(await step(id, path, body), status);

  /** Reads the complaint once the read model has passed the given command response. */
  const details = async (id: string, after: TestResponse) =>
    expectStatus(await t.request('GET', `/complaints/${id}?minPosition=${after.json.position}`), 200);

  const refused = (send: () => Promise<TestResponse>, status: number, code: string) => expectRefused(t, send, status, code);

  /** Registers (by phone: not acknowledged on receipt) and takes the complaint to graded. */
  async function graded(
    severity: string,
    options: { customerId?: string; department?: string; assignee?: string | null } = {},
  ): Promise<{ id: string; number: string; last: TestResponse }> {
    const created = expectStatus(await register({ customerId: options.customerId ?? ana }), 201);
    const id = created.json.id as string;
    await ok(id, 'acknowledge');
    await ok(id, 'assign', {
      department: options.department ?? billing,
      assignee: options.assignee === undefined ? 'agent-7' : options.assignee,
    });
    await ok(id, 'assess', { valid: true, rationale: 'The charge is not in the contract' });
    const last = await ok(id, 'grade', { severity, difficulty: 'medium' });
    return { id, number: created.json.number, last };
  }

  it('walks one complaint through the whole cycle, reopens it within the window, then follows it up', async () => {
    // Receive.
    const created = await register({
      subCategory: 'double charge',
      product: 'Gold plan',
      remedySought: 'refund',
      occurredAt: '2026-03-08T09:00:00Z',
    });
    expectStatus(created, 201);
    expect(created.json).toEqual({
      id: expect.any(String),
      number: 'CMP-2026-000001',
      revision: 0,
      position: expect.stringMatching(/^\d+$/),
      replayed: false,
    });
    expect(created.headers.location).toBe(`/complaints/${created.json.id}`);
    expect(created.headers.etag).toBe('"0"');
    const id = created.json.id as string;
    expect((await details(id, created)).json).toMatchObject({
      id,
      number: 'CMP-2026-000001',
      status: 'registered',
      customerId: ana,
      channel: 'phone',
      category: 'billing',
      subCategory: 'double charge',
      product: 'Gold plan',
      remedySought: 'refund',
      occurredAt: '2026-03-08T09:00:00.000Z',
      receivedAt: T0,
      acknowledgement: null,
      deadlines: null,
      overdue: false,
      links: { followUpOf: null, followUps: [] },
    });

    // Acknowledge, assign, assess, grade.
    t.clock.set(at(0.25));
    expect((await ok(id, 'acknowledge')).json).toMatchObject({ id, revision: 1 });
    await ok(id, 'assign', { department: billing, assignee: 'agent-7' });
    t.clock.set(at(0.5));
    await ok(id, 'assess', { valid: true, rationale: 'Two debits of the same invoice' });
    const grade = await ok(id, 'grade', { severity: 'high', difficulty: 'medium' });
    expect((await details(id, grade)).json).toMatchObject({
      status: 'graded',
      acknowledgement: { automatic: false, acknowledgedAt: at(0.25) },
      holder: { department: billing, assignee: 'agent-7', by: 'test-user', from: at(0.25), to: null },
      assessment: { valid: true, rationale: 'Two debits of the same invoice', feedbackToCustomer: null, assessedAt: at(0.5) },
      severity: 'high',
      difficulty: 'medium',
      sla: { policyId: 'default', policyVersion: 1, clockStartedAt: at(0.5), pausedMs: 0, warningAt: at(18.5) },
      // Default policy, high: first response within 8 h, resolution within 24 h.
      deadlines: {
        firstResponse: { dueAt: at(8.5), state: 'running', timeLeftMs: 8 * HOUR, completedAt: null },
        resolution: { dueAt: at(24.5), state: 'running', timeLeftMs: 24 * HOUR, completedAt: null },
      },
    });
    const queue = expectStatus(await t.request('GET', `/complaints?department=${billing}&minPosition=${grade.json.position}`), 200);
    expect(queue.json.items).toEqual([
      expect.objectContaining({
        id,
        number: 'CMP-2026-000001',
        status: 'graded',
        assignee: 'agent-7',
        severity: 'high',
        firstResponseDueAt: at(8.5),
        resolutionDueAt: at(24.5),
        nextDueAt: at(8.5),
        overdue: false,
        timeLeftMs: 8 * HOUR,
      }),
    ]);

    // Waiting on the customer stops the clock; resuming moves the deadlines by the time it was stopped.
    t.clock.set(at(1.5));
    const held = await ok(id, 'hold', { reason: 'Waiting for the bank statement' });
    t.clock.set(at(3.5));
    expect((await details(id, held)).json).toMatchObject({
      status: 'on-hold',
      hold: { reason: 'Waiting for the bank statement', since: at(1.5) },
      deadlines: { firstResponse: { state: 'paused', timeLeftMs: 7 * HOUR }, resolution: { state: 'paused', timeLeftMs: 23 * HOUR } },
    });
    const resumed = await ok(id, 'resume');
    expect((await details(id, resumed)).json).toMatchObject({
      status: 'graded',
      hold: null,
      sla: { pausedMs: 2 * HOUR },
      deadlines: { firstResponse: { dueAt: at(10.5), state: 'running' }, resolution: { dueAt: at(26.5), timeLeftMs: 23 * HOUR } },
    });

    // Investigate: note, root cause, corrective action; tell the customer how it goes; a supervisor escalates.
    await ok(id, 'notes', { note: 'The mandate was registered twice' }, 201);
    await ok(id, 'root-cause', { category: 'billing-error', text: 'Duplicate direct-debit mandate' });
    const action = await ok(
      id,
      'actions',
      { kind: 'corrective', description: 'Cancel the duplicate mandate', department: billing, dueAt: '2026-03-12T12:00:00Z' },
      201,
    );
    const actionId = action.json.actionId as string;
    expect(actionId).toEqual(expect.any(String));
    await ok(id, 'progress', { channel: 'email', summary: 'We found the cause and are fixing it' });
    await ok(id, 'escalate', { reason: 'The customer called three times' });
    t.clock.set(at(5.5));
    expect((await ok(id, `actions/${actionId}/complete`, { outcome: 'Mandate cancelled, duplicate refunded' })).json).toMatchObject({
      actionId,
    });

    // Resolve, communicate, hear the customer, close.
    await ok(id, 'resolve', { solution: 'Refunded the duplicate debit and cancelled the second mandate' });
    await ok(id, 'communicate', { channel: 'phone', summary: 'Explained the refund' });
    await ok(id, 'accept');
    await ok(id, 'satisfaction', { csat: 4, nps: 9, comment: 'Quick and clear' });
    const closed = await ok(id, 'close', { reason: 'resolved' });
    const closedView = await details(id, closed);
    expect(closedView.headers.etag).toBe(`"${closed.json.revision}"`);
    expect(closedView.json).toMatchObject({
      status: 'closed',
      escalationLevel: 1,
      escalations: [
        { level: 1, trigger: 'manual', reason: 'The customer called three times', notify: 'sup-1', by: 'test-user', escalatedAt: at(3.5) },
      ],
      notes: [{ note: 'The mandate was registered twice', author: 'test-user', addedAt: at(3.5) }],
      rootCause: { category: 'billing-error', text: 'Duplicate direct-debit mandate' },
      actions: [
        {
          actionId,
          kind: 'corrective',
          department: billing,
          status: 'completed',
          outcome: 'Mandate cancelled, duplicate refunded',
          onTime: true,
          completedAt: at(5.5),
          overdue: false,
        },
      ],
      progressUpdates: [{ channel: 'email', summary: 'We found the cause and are fixing it', sentAt: at(3.5) }],
      resolution: {
        solution: 'Refunded the duplicate debit and cancelled the second mandate',
        resolvedAt: at(5.5),
        resolutionDueAt: at(26.5),
        withinSla: true,
      },
      communication: { channel: 'phone', summary: 'Explained the refund', communicatedAt: at(5.5) },
      customerResponse: { outcome: 'accepted', reason: null, at: at(5.5) },
      satisfaction: { csat: 4, nps: 9, reason: null, comment: 'Quick and clear' },
      closure: { reason: 'resolved', feedbackToCustomer: null, duplicateOf: null, closedAt: at(5.5) },
      deadlines: {
        firstResponse: { state: 'met', completedAt: at(3.5), timeLeftMs: null },
        resolution: { state: 'met', completedAt: at(5.5), timeLeftMs: null },
      },
      overdue: false,
    });
    expect(closedView.json.timeline.map((s: { type: string }) => s.type)).toEqual([
      'ComplaintRegistered',
      'ComplaintAcknowledged',
      'ComplaintAssigned',
      'ComplaintAssessed',
      'ComplaintGraded',
      'ComplaintPutOnHold',
      'ComplaintResumed',
      'InvestigationNoteAdded',
      'RootCauseRecorded',
      'ActionOpened',
      'ProgressUpdateRecorded',
      'FirstResponseRecorded',
      'EscalationRaised',
      'ActionCompleted',
      'ComplaintResolved',
      'DecisionCommunicated',
      'ResolutionAccepted',
      'SatisfactionRecorded',
      'ComplaintClosed',
    ]);
    expect(closedView.json.timeline[5]).toEqual({
      type: 'ComplaintPutOnHold',
      at: at(1.5),
      actor: 'test-user',
      summary: 'Put on hold: Waiting for the bank statement',
    });

    // What agents learn from it, and what the customer's profile shows.
    const solutions = expectStatus(await t.request('GET', `/solutions?category=billing&minPosition=${closed.json.position}`), 200);
    expect(solutions.json).toEqual({
      items: [
        {
          complaintId: id,
          number: 'CMP-2026-000001',
          category: 'billing',
          subCategory: 'double charge',
          product: 'Gold plan',
          rootCause: { category: 'billing-error', text: 'Duplicate direct-debit mandate' },
          solution: 'Refunded the duplicate debit and cancelled the second mandate',
          resolvedAt: at(5.5),
          accepted: true,
          csat: 4,
        },
      ],
      nextCursor: null,
    });
    expect((await t.request('GET', '/solutions?product=Gold%20plan')).json.items).toHaveLength(1);
    expect((await t.request('GET', '/solutions?category=delivery')).json.items).toEqual([]);
    const profile = expectStatus(await t.request('GET', `/customers/${ana}?minPosition=${closed.json.position}`), 200);
    expect(profile.json.complaints).toEqual([
      { complaintId: id, number: 'CMP-2026-000001', status: 'closed', category: 'billing', registeredAt: T0, closedAt: at(5.5) },
    ]);
    expect(profile.headers.etag).toBe('"0"');

    // Reopened within the window: back to investigation, deadlines moved by the time it stood resolved and closed.
    t.clock.set(at(3 * 24 + 5.5));
    const reopened = await ok(id, 'reopen', { reason: 'Charged again in April' });
    expect((await details(id, reopened)).json).toMatchObject({
      status: 'investigating',
      closure: null,
      resolution: null,
      reopenings: [{ trigger: 'reopen-request', reason: 'Charged again in April', reopenedAt: at(77.5) }],
      deadlines: { firstResponse: { state: 'met' }, resolution: { dueAt: at(26.5 + 72), state: 'running', timeLeftMs: 21 * HOUR } },
    });
    expect((await t.request('GET', `/solutions?minPosition=${reopened.json.position}`)).json.items).toEqual([]);
    expect((await t.request('GET', `/customers/${ana}?minPosition=${reopened.json.position}`)).json.complaints[0]).toMatchObject({
      status: 'investigating',
      closedAt: null,
    });

    // A rejected resolution reopens it too; the next one is accepted and the complaint closed again.
    await ok(id, 'resolve', { solution: 'Refunded again and blocked the old mandate' });
    await ok(id, 'communicate', { channel: 'email', summary: 'Refund and block confirmed' });
    const rejected = await ok(id, 'reject', { reason: 'Wants compensation for the overdraft fee' });
    expect((await details(id, rejected)).json).toMatchObject({
      status: 'investigating',
      reopenings: [{ trigger: 'reopen-request' }, { trigger: 'resolution-rejected', reason: 'Wants compensation for the overdraft fee' }],
    });
    await ok(id, 'resolve', { solution: 'Refunded, blocked the old mandate and paid the overdraft fee' });
    await ok(id, 'communicate', { channel: 'phone', summary: 'Overdraft fee paid' });
    await ok(id, 'accept');
    await ok(id, 'close', { reason: 'resolved' });

    // Past the window: refused, with the way forward.
    t.clock.set(at(77.5 + 15 * 24));
    const late = await refused(() => step(id, 'reopen', { reason: 'Charged again in May' }), 422, 'REOPEN_WINDOW_EXPIRED');
    expect(late.json).toMatchObject({
      reopenWindowDays: 14,
      closedAt: at(77.5),
      followUp: { method: 'POST', href: '/complaints', body: { customerId: ana, followUpOf: id } },
    });
    const followUp = expectStatus(
      await t.request('POST', late.json.followUp.href, {
        ...late.json.followUp.body,
        channel: 'email',
        category: 'billing',
        description: 'Charged a third time',
      }),
      201,
    );
    // By email: acknowledged on receipt.
    expect(followUp.json).toMatchObject({ number: 'CMP-2026-000002', revision: 1 });
    expect((await details(followUp.json.id, followUp)).json).toMatchObject({
      status: 'acknowledged',
      acknowledgement: { automatic: true },
      links: { followUpOf: { complaintId: id, number: 'CMP-2026-000001' }, followUps: [] },
    });
    expect((await details(id, followUp)).json.links).toEqual({
      followUpOf: null,
      followUps: [{ complaintId: followUp.json.id, number: 'CMP-2026-000002', registeredAt: at(77.5 + 15 * 24) }],
    });
    const finalProfile = await t.request('GET', `/customers/${ana}?minPosition=${followUp.json.position}`);
    expect(finalProfile.json.complaints.map((c: { number: string; status: string }) => [c.number, c.status])).toEqual([
      ['CMP-2026-000001', 'closed'],
      ['CMP-2026-000002', 'acknowledged'],
    ]);
  });

  it('closes an invalid complaint with feedback to the customer, and reassesses it after a reopen', async () => {
    const created = expectStatus(await register({ channel: 'web', category: 'fees' }), 201);
    const id = created.json.id as string;
    expect(created.json.revision).toBe(1);
    expect((await details(id, created)).json).toMatchObject({
      status: 'acknowledged',
      acknowledgement: { automatic: true, acknowledgedAt: T0 },
    });

    await refused(() => step(id, 'assess', { valid: false, rationale: 'Annual fee per contract' }), 422, 'FEEDBACK_TO_CUSTOMER_REQUIRED');
    const assessed = await ok(id, 'assess', {
      valid: false,
      rationale: 'Annual fee per contract',
      feedbackToCustomer: 'This is the annual fee of clause 4 of your contract',
    });
    const view = (await details(id, assessed)).json;
    expect(view).toMatchObject({
      status: 'closed',
      assessment: { valid: false, feedbackToCustomer: 'This is the annual fee of clause 4 of your contract' },
      closure: { reason: 'invalid', feedbackToCustomer: 'This is the annual fee of clause 4 of your contract', closedAt: T0 },
      deadlines: null,
    });
    expect(view.timeline.map((s: { type: string }) => s.type)).toEqual([
      'ComplaintRegistered',
      'ComplaintAcknowledged',
      'ComplaintAssessed',
      'ComplaintClosed',
    ]);
    await refused(() => step(id, 'grade', { severity: 'low', difficulty: 'low' }), 422, 'COMPLAINT_ALREADY_CLOSED');
    expect((await t.request('GET', `/customers/${ana}?minPosition=${assessed.json.position}`)).json.complaints).toEqual([
      { complaintId: id, number: 'CMP-2026-000001', status: 'closed', category: 'fees', registeredAt: T0, closedAt: T0 },
    ]);
    expect((await t.request('GET', '/complaints?status=open')).json.items).toEqual([]);
    expect((await t.request('GET', '/solutions')).json.items).toEqual([]);

    t.clock.set(at(48));
    const reopened = await ok(id, 'reopen', { reason: 'The contract was changed last year' });
    expect((await details(id, reopened)).json.status).toBe('acknowledged');
    const valid = await ok(id, 'assess', { valid: true, rationale: 'The amendment removed the fee' });
    expect((await details(id, valid)).json).toMatchObject({ status: 'assessed', assessment: { valid: true }, closure: null });
  });

  describe('work queues', () => {
    it('filters by department, assignee, status, customer and overdue, sorted by resolution due, page by page', async () => {
      const bruno = await customer('Bruno Reis', 'bruno@example.com');
      const delivery = await department('Delivery', null);
      const a = await graded('high'); // resolution due T0 + 24 h, first response T0 + 8 h
      t.clock.set(at(1));
      const b = await graded('critical', { customerId: bruno, assignee: 'agent-8' }); // due T0 + 25 h, first response T0 + 5 h
      t.clock.set(at(0));
      const c = await graded('low', { department: delivery, assignee: null }); // due T0 + 72 h, first response T0 + 24 h
      const d = expectStatus(await register({ customerId: bruno }), 201); // not graded: no due time, last
      const numbers = (response: TestResponse): string[] =>
        expectStatus(response, 200).json.items.map((item: { number: string }) => item.number);
      const list = (query: string) => t.request('GET', `/complaints?${query}`);
      const N = { a: a.number, b: b.number, c: c.number, d: d.json.number };

      expect(numbers(await list(`minPosition=${d.json.position}`))).toEqual([N.a, N.b, N.c, N.d]);
      expect(numbers(await list(`department=${billing}`))).toEqual([N.a, N.b]);
      expect(numbers(await list(`department=${billing}&assignee=agent-8`))).toEqual([N.b]);
      expect(numbers(await list('assignee=agent-7'))).toEqual([N.a]);
      expect(numbers(await list(`customerId=${ana}`))).toEqual([N.a, N.c]);
      expect(numbers(await list('status=registered'))).toEqual([N.d]);
      expect(numbers(await list('status=graded,registered'))).toEqual([N.a, N.b, N.c, N.d]);
      expect(numbers(await list('status=closed'))).toEqual([]);
      const page1 = await list('limit=3');
      expect(numbers(page1)).toEqual([N.a, N.b, N.c]);
      const page2 = await list(`limit=3&cursor=${encodeURIComponent(page1.json.nextCursor)}`);
      expect(numbers(page2)).toEqual([N.d]);
      expect(page2.json.nextCursor).toBeNull();
      expect(page2.json.items[0]).toMatchObject({ resolutionDueAt: null, nextDueAt: null, overdue: false, timeLeftMs: null });

      // T0 + 6 h: b's first response (critical: 4 h) is an hour late.
      t.clock.set(at(6));
      expect(numbers(await list('overdue=true'))).toEqual([N.b]);
      expect(numbers(await list('overdue=false'))).toEqual([N.a, N.c, N.d]);
      expect((await list('overdue=true')).json.items[0]).toMatchObject({ overdue: true, nextDueAt: at(5), timeLeftMs: -1 * HOUR });
      expect((await t.request('GET', `/complaints/${b.id}`)).json).toMatchObject({
        overdue: true,
        deadlines: { firstResponse: { state: 'overdue', timeLeftMs: -1 * HOUR }, resolution: { state: 'running', timeLeftMs: 19 * HOUR } },
      });

      // a waits on the customer from T0 + 6 h: its clock stops, it is not overdue while it waits.
      const held = await ok(a.id, 'hold', { reason: 'Waiting for documents' });
      t.clock.set(at(30));
      expect(numbers(await list(`overdue=true&minPosition=${held.json.position}`))).toEqual([N.b, N.c]);
      expect((await list('status=on-hold')).json.items).toEqual([
        expect.objectContaining({ number: N.a, overdue: false, timeLeftMs: 2 * HOUR, clockStoppedAt: at(6) }),
      ]);

      // Withdrawn: its deadlines are cancelled. Resolved late: the resolution missed its deadline, and the
      // first response still owed was already overdue when the clock stopped.
      await ok(c.id, 'close', { reason: 'withdrawn' });
      await ok(b.id, 'root-cause', { category: 'service-failure', text: 'Courier lost the parcel' });
      const resolved = await ok(b.id, 'resolve', { solution: 'Sent a new parcel' });
      expect(numbers(await list(`overdue=true&minPosition=${resolved.json.position}`))).toEqual([N.b]);
      expect((await t.request('GET', `/complaints/${c.id}`)).json).toMatchObject({
        overdue: false,
        deadlines: { firstResponse: { state: 'cancelled', timeLeftMs: null }, resolution: { state: 'cancelled', timeLeftMs: null } },
      });
      expect((await t.request('GET', `/complaints/${b.id}`)).json).toMatchObject({
        overdue: true,
        resolution: { withinSla: false },
        deadlines: {
          firstResponse: { state: 'overdue', timeLeftMs: -25 * HOUR },
          resolution: { state: 'missed', completedAt: at(30), timeLeftMs: null },
        },
      });
    });

    it('refuses malformed queue and solution queries with 400', async () => {
      const response = await refused(
        () => t.request('GET', '/complaints?overdue=maybe&status=lost&department=billing&customerId=ana&limit=0'),
        400,
        'VALIDATION_FAILED',
      );
      expect(response.json.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'customerId',
        'department',
        'limit',
        'overdue',
        'status',
      ]);
      await refused(() => t.request('GET', '/complaints?cursor=garbage'), 400, 'INVALID_QUERY');
      await refused(() => t.request('GET', '/complaints?minPosition=abc'), 400, 'VALIDATION_FAILED');
      await refused(() => t.request('GET', '/solutions?limit=5000&sort=new'), 400, 'VALIDATION_FAILED');
    });
  });

  describe('SLA policies', () => {
    const v2 = {
      resolutionHours: { critical: 8, high: 12, medium: 24, low: 48 },
      firstResponseHours: { critical: 1, high: 2, medium: 4, low: 8 },
      warningShare: 0.5,
      clockStartsAt: 'receipt',
    };

    it('publishes a new version; complaints graded before keep their deadlines, those graded after get the new ones', async () => {
      const current = expectStatus(await t.request('GET', '/sla-policies/current'), 200);
      expect(current.json).toMatchObject({
        id: 'default',
        version: 1,
        resolutionHours: { high: 24 },
        clockStartsAt: 'grading',
        publishedAt: null,
        revision: null,
      });
      expect(current.headers.etag).toBeUndefined();

      const before = await graded('high'); // graded at T0 under v1: resolution due T0 + 24 h

      t.clock.set(at(1));
      const published = expectStatus(await t.request('PUT', '/sla-policies/current', v2), 200);
      expect(published.json).toMatchObject({ id: 'default', version: 2, revision: 0, replayed: false });
      const read = await t.request('GET', '/sla-policies/current');
      expect(read.json).toEqual({ id: 'default', version: 2, ...v2, publishedAt: at(1), revision: 0 });
      expect(read.headers.etag).toBe('"0"');

      t.clock.set(at(2));
      const after = await graded('high'); // received at T0 + 2 h, v2 counts from receipt: due T0 + 14 h
      expect((await details(before.id, after.last)).json).toMatchObject({
        sla: { policyVersion: 1 },
        deadlines: { resolution: { dueAt: at(24) } },
      });
      expect((await details(after.id, after.last)).json).toMatchObject({
        sla: { policyVersion: 2, clockStartedAt: at(2), warningAt: at(8) },
        deadlines: { firstResponse: { dueAt: at(4) }, resolution: { dueAt: at(14) } },
      });

      // A regrade keeps the policy pinned at the first grading.
      const regraded = await ok(before.id, 'grade', { severity: 'critical', difficulty: 'high' });
      expect((await details(before.id, regraded)).json).toMatchObject({
        severity: 'critical',
        sla: { policyVersion: 1 },
        deadlines: { resolution: { dueAt: at(24) } },
      });

      // Publishing the terms in force adds nothing; a stale If-Match is refused.
      const same = expectStatus(await t.request('PUT', '/sla-policies/current', v2), 200);
      expect(same.json).toMatchObject({ version: 2, revision: 0 });
      await refused(
        () => t.request('PUT', '/sla-policies/current', { ...v2, warningShare: 0.6 }, { 'If-Match': '"7"' }),
        409,
        'REVISION_CONFLICT',
      );
      const v3 = expectStatus(await t.request('PUT', '/sla-policies/current', { ...v2, warningShare: 0.6 }, { 'If-Match': '"0"' }), 200);
      expect(v3.json).toMatchObject({ version: 3, revision: 1 });
    });

    it('refuses unusable policies', async () => {
      const bad = await refused(
        () =>
          t.request('PUT', '/sla-policies/current', {
            resolutionHours: { critical: 8, high: -1, medium: 'a lot' },
            firstResponseHours: v2.firstResponseHours,
            warningShare: 1.5,
            clockStartsAt: 'tomorrow',
            extra: true,
          }),
        400,
        'VALIDATION_FAILED',
      );
      expect(bad.json.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'clockStartsAt',
        'extra',
        'resolutionHours.high',
        'resolutionHours.low',
        'resolutionHours.medium',
        'warningShare',
      ]);
      const slower = await refused(
        () => t.request('PUT', '/sla-policies/current', { ...v2, firstResponseHours: { ...v2.firstResponseHours, high: 13 } }),
        422,
        'SLA_POLICY_INVALID',
      );
      expect(slower.json.problems).toEqual(['firstResponseHours.high must not exceed resolutionHours.high']);
    });
  });

  describe('refusals: 422 with a stable code, 404, 409, nothing appended', () => {
    const unknown = '00000000-0000-4000-8000-00000000ffff';

    it('a step out of order', async () => {
      const id = expectStatus(await register(), 201).json.id as string;
      await refused(() => step(id, 'assess', { valid: true, rationale: 'x' }), 422, 'COMPLAINT_NOT_ACKNOWLEDGED');
      await ok(id, 'acknowledge');
      await refused(() => step(id, 'acknowledge'), 422, 'COMPLAINT_ALREADY_ACKNOWLEDGED');
      await refused(() => step(id, 'grade', { severity: 'high', difficulty: 'low' }), 422, 'COMPLAINT_NOT_ASSESSED');
      await refused(() => step(id, 'hold', { reason: 'x' }), 422, 'COMPLAINT_NOT_GRADED');
      await refused(() => step(id, 'notes', { note: 'x' }), 422, 'COMPLAINT_NOT_GRADED');
      await refused(() => step(id, 'reopen', { reason: 'x' }), 422, 'COMPLAINT_STILL_OPEN');
      await ok(id, 'assess', { valid: true, rationale: 'x' });
      await ok(id, 'grade', { severity: 'high', difficulty: 'low' });
      await refused(() => step(id, 'resume'), 422, 'COMPLAINT_NOT_ON_HOLD');
      await refused(() => step(id, 'resolve', { solution: 'x' }), 422, 'ROOT_CAUSE_REQUIRED');
      await refused(() => step(id, 'communicate', { channel: 'phone', summary: 'x' }), 422, 'COMPLAINT_NOT_RESOLVED');
      await refused(() => step(id, 'accept'), 422, 'COMPLAINT_DECISION_NOT_COMMUNICATED');
      await refused(() => step(id, 'satisfaction', { csat: 5 }), 422, 'COMPLAINT_NOT_RESOLVED');
      await refused(() => step(id, 'close', { reason: 'resolved' }), 422, 'COMPLAINT_NOT_RESOLVED');
      await refused(() => step(id, 'close', { reason: 'invalid' }), 422, 'CLOSE_REASON_REQUIRES_ASSESSMENT');
      await refused(() => step(id, 'close', { reason: 'no-response' }), 422, 'COMPLAINT_NOT_AWAITING_CUSTOMER');
      await refused(() => step(id, 'close', { reason: 'duplicate' }), 422, 'DUPLICATE_OF_REQUIRED');
      await refused(() => step(id, 'close', { reason: 'duplicate', duplicateOf: unknown }), 422, 'DUPLICATE_COMPLAINT_NOT_FOUND');
      await refused(() => step(id, 'close', { reason: 'duplicate', duplicateOf: id }), 422, 'DUPLICATE_OF_SELF');
      await refused(
        () => step(id, 'actions', { kind: 'corrective', description: 'x', department: billing, dueAt: '2026-03-01T00:00:00Z' }),
        422,
        'ACTION_DUE_IN_PAST',
      );
      await refused(
        () => step(id, 'actions', { kind: 'corrective', description: 'x', department: unknown, dueAt: '2026-04-01T00:00:00Z' }),
        422,
        'UNKNOWN_DEPARTMENT',
      );
      await refused(() => step(id, 'assign', { department: unknown }), 422, 'UNKNOWN_DEPARTMENT');
      await refused(() => step(id, `actions/${unknown}/complete`, { outcome: 'x' }), 404, 'ACTION_NOT_FOUND');
      await ok(id, 'root-cause', { category: 'service-failure', text: 'x' });
      await ok(id, 'resolve', { solution: 'x' });
      await refused(() => step(id, 'resolve', { solution: 'y' }), 422, 'COMPLAINT_ALREADY_RESOLVED');
      await refused(
        () => step(id, 'communicate', { channel: 'phone', summary: 'x', communicatedAt: '2026-03-10T11:00:00Z' }),
        422,
        'DECISION_BEFORE_RESOLUTION',
      );
      await refused(
        () => step(id, 'communicate', { channel: 'phone', summary: 'x', communicatedAt: '2026-03-11T11:00:00Z' }),
        422,
        'OCCURRED_IN_FUTURE',
      );
      await ok(id, 'communicate', { channel: 'phone', summary: 'x' });
      await refused(() => step(id, 'satisfaction', { csat: 2 }), 422, 'SATISFACTION_REASON_REQUIRED');
      await ok(id, 'accept');
      await refused(() => step(id, 'reject', { reason: 'x' }), 422, 'RESOLUTION_ALREADY_ACCEPTED');
      await ok(id, 'close', { reason: 'resolved' });
      await refused(() => step(id, 'escalate', { reason: 'x' }), 422, 'COMPLAINT_ALREADY_CLOSED');
    });

    it('registrations the rules refuse take no number', async () => {
      const bruno = await customer('Bruno Reis', 'bruno@example.com');
      await refused(() => register({ customerId: unknown }), 422, 'CUSTOMER_NOT_FOUND');
      await refused(() => register({ occurredAt: '2026-03-11T00:00:00Z' }), 422, 'OCCURRED_IN_FUTURE');
      await refused(() => register({ followUpOf: unknown }), 422, 'FOLLOW_UP_COMPLAINT_NOT_FOUND');
      const open = expectStatus(await register(), 201);
      expect(open.json.number).toBe('CMP-2026-000001');
      const stillOpen = await refused(() => register({ followUpOf: open.json.id }), 422, 'FOLLOW_UP_OF_OPEN_COMPLAINT');
      expect(stillOpen.json).toMatchObject({ followUpOf: open.json.id, complaintStatus: 'registered' });
      await refused(() => register({ customerId: bruno, followUpOf: open.json.id }), 422, 'FOLLOW_UP_OF_ANOTHER_CUSTOMER');
      expect(expectStatus(await register({ customerId: bruno }), 201).json.number).toBe('CMP-2026-000002');
    });

    it('404 for an unknown complaint on reads and commands', async () => {
      await refused(() => t.request('GET', `/complaints/${unknown}`), 404, 'COMPLAINT_NOT_FOUND');
      await refused(() => step(unknown, 'acknowledge'), 404, 'COMPLAINT_NOT_FOUND');
      await refused(() => step(unknown, 'assign', { department: billing }), 404, 'COMPLAINT_NOT_FOUND');
      await refused(() => step(unknown, 'grade', { severity: 'low', difficulty: 'low' }), 404, 'COMPLAINT_NOT_FOUND');
      await refused(() => step(unknown, 'escalate', { reason: 'x' }), 404, 'COMPLAINT_NOT_FOUND');
      await refused(() => step(unknown, 'close', { reason: 'withdrawn' }), 404, 'COMPLAINT_NOT_FOUND');
      await refused(() => step(unknown, 'reopen', { reason: 'x' }), 404, 'COMPLAINT_NOT_FOUND');
      await refused(() => step(unknown, 'satisfaction', { csat: 5 }), 404, 'COMPLAINT_NOT_FOUND');
    });

    it('409 for a stale If-Match', async () => {
      const created = expectStatus(await register(), 201);
      const id = created.json.id as string;
      const etag = (await details(id, created)).headers.etag as string;
      expect(etag).toBe('"0"');
      expectStatus(await step(id, 'acknowledge', undefined, { 'If-Match': etag }), 200);
      const stale = await refused(() => step(id, 'assign', { department: billing }, { 'If-Match': etag }), 409, 'REVISION_CONFLICT');
      expect(stale.json).toMatchObject({ expectedRevision: '0', actualRevision: '1' });
      expectStatus(await step(id, 'assign', { department: billing }, { 'If-Match': '"1"' }), 200);
    });
  });

  describe('bad input: 400 listing every bad field, nothing appended', () => {
    const fieldsOf = (response: TestResponse) => response.json.errors.map((e: { field: string }) => e.field).sort();
    let id: string;

    beforeEach(async () => {
      id = expectStatus(await register(), 201).json.id;
    });

    it('POST /complaints', async () => {
      const response = await refused(
        () =>
          t.request('POST', '/complaints', {
            customerId: 'ana',
            channel: 'pigeon',
            category: '',
            description: 42,
            occurredAt: 'yesterday',
            followUpOf: 'that one',
            extra: 1,
          }),
        400,
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(response)).toEqual(['category', 'channel', 'customerId', 'description', 'extra', 'followUpOf', 'occurredAt']);
      await refused(() => t.request('POST', '/complaints'), 400, 'VALIDATION_FAILED');
      await refused(() => register({}, { 'Idempotency-Key': 'x'.repeat(201) }), 400, 'VALIDATION_FAILED');
    });

    it('each step', async () => {
      const cases: [string, unknown, string[]][] = [
        // Body-less steps name each field they were sent as unknown.
        ['acknowledge', { now: true }, ['now']],
        ['assign', { department: 'billing', assignee: 7 }, ['assignee', 'department']],
        ['assess', { valid: 'yes', feedbackToCustomer: '' }, ['feedbackToCustomer', 'rationale', 'valid']],
        ['grade', { severity: 'huge', difficulty: 'extreme' }, ['difficulty', 'severity']],
        ['hold', {}, ['reason']],
        ['resume', { at: 'now' }, ['at']],
        ['escalate', { reason: '' }, ['reason']],
        ['notes', { note: '', author: 'me' }, ['author', 'note']],
        ['root-cause', { category: 'gremlins', text: '' }, ['category', 'text']],
        ['actions', { kind: 'urgent', description: '', department: 'x', dueAt: 'soon' }, ['department', 'description', 'dueAt', 'kind']],
        [`actions/${id}/complete`, {}, ['outcome']],
        ['progress', { channel: 'fax', summary: '' }, ['channel', 'summary']],
        ['resolve', { solution: 3 }, ['solution']],
        ['communicate', { channel: 'phone', communicatedAt: 'later' }, ['communicatedAt', 'summary']],
        ['accept', { happy: true }, ['happy']],
        ['reject', {}, ['reason']],
        ['satisfaction', { csat: 6, nps: 11.5, reason: '' }, ['csat', 'nps', 'reason']],
        ['close', { reason: 'bored', duplicateOf: 'x' }, ['duplicateOf', 'reason']],
        // Only an import registers a complaint closed at source.
        ['close', { reason: 'closed-at-source' }, ['reason']],
        ['reopen', { reason: 5 }, ['reason']],
      ];
      for (const [path, body, fields] of cases) {
        const response = await refused(() => step(id, path, body), 400, 'VALIDATION_FAILED');
        expect({ path, fields: fieldsOf(response) }).toEqual({ path, fields });
      }
      await refused(() => step('not-a-uuid', 'acknowledge'), 400, 'VALIDATION_FAILED');
      await refused(() => step(id, 'actions/bad-id/complete', { outcome: 'x' }), 400, 'VALIDATION_FAILED');
      await refused(() => step(id, 'acknowledge', undefined, { 'If-Match': 'yesterday' }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('idempotency and numbering', () => {
    it('a retried registration with the same Idempotency-Key returns the same id and number and appends nothing', async () => {
      const first = expectStatus(await register({}, { 'Idempotency-Key': 'complaint-42' }), 201);
      const count = await t.eventCount();
      const retry = expectStatus(await register({}, { 'Idempotency-Key': 'complaint-42' }), 201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json).toEqual({ ...first.json, replayed: true });
      expect(await t.eventCount()).toBe(count);
      expect(expectStatus(await register(), 201).json.number).toBe('CMP-2026-000002');
    });

    it('a keyed registration refused, then retried once it can pass, takes the next number', async () => {
      const bruno = '00000000-0000-4000-8000-0000000000aa';
      await refused(() => register({ customerId: bruno }, { 'Idempotency-Key': 'late-customer' }), 422, 'CUSTOMER_NOT_FOUND');
      const retry = expectStatus(await register({}, { 'Idempotency-Key': 'late-customer' }), 201);
      expect(retry.json).toMatchObject({ number: 'CMP-2026-000001', replayed: false });
    });

    it('retried steps are taken once', async () => {
      const { id } = await graded('medium');
      const body = { kind: 'preventive', description: 'Check every mandate twice', department: billing, dueAt: '2026-04-01T00:00:00Z' };
      const first = expectStatus(await step(id, 'actions', body, { 'Idempotency-Key': 'action-1' }), 201);
      const count = await t.eventCount();
      const retry = expectStatus(await step(id, 'actions', body, { 'Idempotency-Key': 'action-1' }), 201);
      expect(retry.json).toEqual({ ...first.json, replayed: true });
      expect(await t.eventCount()).toBe(count);
      expect((await details(id, retry)).json.actions).toHaveLength(1);
    });

    it('numbers are unique under concurrency and restart every year', async () => {
      const responses = await Promise.all(Array.from({ length: 30 }, () => register()));
      expect(responses.map((r) => r.status)).toEqual(Array(30).fill(201));
      const expected = Array.from({ length: 30 }, (_, i) => `CMP-2026-${String(i + 1).padStart(6, '0')}`);
      expect(responses.map((r) => r.json.number).sort()).toEqual(expected);
      t.clock.set('2027-01-01T00:00:00.000Z');
      expect(expectStatus(await register(), 201).json.number).toBe('CMP-2027-000001');
    });
  });

  it('records who took each step: the actor in the timeline and in the assignment', async () => {
    const { id, last } = await graded('low');
    const view = (await details(id, last)).json;
    expect(view.timeline.every((s: { actor: string }) => s.actor === 'test-user')).toBe(true);
    expect(view.holders).toEqual([{ department: billing, assignee: 'agent-7', by: 'test-user', from: T0, to: null }]);
    // Reassignment closes the previous holder's period.
    t.clock.set(at(1));
    const other = await department('Escalations', 'sup-2');
    const moved = await ok(id, 'assign', { department: other, assignee: null });
    expect((await details(id, moved)).json.holders).toEqual([
      { department: billing, assignee: 'agent-7', by: 'test-user', from: T0, to: at(1) },
      { department: other, assignee: null, by: 'test-user', from: at(1), to: null },
    ]);
    const escalated = await ok(id, 'escalate', { reason: 'VIP customer' });
    expect((await details(id, escalated)).json.escalations).toEqual([expect.objectContaining({ level: 1, notify: 'sup-2' })]);
  });
});
