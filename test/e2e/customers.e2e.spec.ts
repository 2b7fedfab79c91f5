import { customerProfileProjection } from '../../src/customers/customer-profile.projection';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';
import { expectProblem, expectRefused } from '../support/http-spec';
import { type CustomerBody, registerCustomer } from '../support/customer-builder';

/**
 * The customer slice over HTTP on the embedded stores: commands, read models with
 * read-your-writes (?minPosition=), and every refusal as problem+json that appends nothing.
 */
describe('customers over HTTP (embedded stores)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 300 });
  });
  afterEach(async () => {
    await t.close();
  });

  const register = (body: CustomerBody = {}, headers: Record<string, string> = {}) => registerCustomer(t, body, headers);

  /** Reads the profile once the projection has passed the command's position. */
  const profile = async (id: string, after: TestResponse) => t.request('GET', `/customers/${id}?minPosition=${after.json.position}`);

  const refused = (send: () => Promise<TestResponse>, status: number, code: string) => expectRefused(t, send, status, code);

  it('registers a prospect and serves the profile once projected', async () => {
    const created = await register({ phone: '+351 910 000 000', company: 'Lima Lda' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: expect.any(String), revision: 0, position: expect.stringMatching(/^\d+$/), replayed: false });
    expect(created.headers.location).toBe(`/customers/${created.json.id}`);
    expect(created.headers.etag).toBe('"0"');

    const read = await profile(created.json.id, created);
    expect(read.status).toBe(200);
    expect(read.headers.etag).toBe('"0"');
    expect(read.json).toMatchObject({
      id: created.json.id,
      status: 'prospect',
      name: 'Ana Lima',
      email: 'ana@example.com',
      phone: '+351 910 000 000',
      company: 'Lima Lda',
      acquisitionChannel: 'web',
      registeredAt: '2026-03-10T12:00:00.000Z',
      currentValue: { purchaseCount: 0, firstPurchaseAt: null, lastPurchaseAt: null, byCurrency: {} },
      potentialValue: { byCurrency: {}, acceptanceRate: null },
    });
  });

  it('walks a customer through the operational cycle', async () => {
    const ana = (await register()).json.id as string;
    const bruno = (await register({ name: 'Bruno Reis', email: 'bruno@example.com' })).json.id as string;

    const contact = await t.request('PATCH', `/customers/${ana}/contact`, { phone: '+351 911 111 111', company: 'Lima & Filhos' });
    expect(contact.status).toBe(200);
    expect(contact.json.revision).toBe(1);

    expect(
      (
        await t.request('POST', `/customers/${ana}/interactions`, {
          channel: 'call',
          direction: 'inbound',
          summary: 'Asked about prices',
          agent: 'agent-7',
          occurredAt: '2026-03-09T10:00:00.000Z',
        })
      ).status,
    ).toBe(201);
    t.clock.advance(60_000);
    const second = await t.request('POST', `/customers/${ana}/interactions`, {
      channel: 'email',
      direction: 'outbound',
      summary: 'Sent the catalogue',
      agent: 'agent-7',
    });
    expect(second.json.interactionId).toEqual(expect.any(String));

    // A prospect's first purchase converts them; current value (VAC) adds up per currency (the second
    // purchase and the suggestions take the default currency, USD).
    const p1 = await t.request('POST', `/customers/${ana}/purchases`, {
      lines: [
        { product: 'CD', quantity: 2, amount: 20 },
        { product: 'Poster', quantity: 1, amount: 5.5 },
      ],
      margin: 8,
      currency: 'EUR',
      occurredAt: '2026-03-01T10:00:00.000Z',
    });
    expect(p1.status).toBe(201);
    const p2 = await t.request('POST', `/customers/${ana}/purchases`, {
      purchaseId: 'INV-2',
      lines: [{ product: 'CD', quantity: 1, amount: 14.5 }],
      margin: 4,
      occurredAt: '2026-03-05T10:00:00.000Z',
    });
    expect(p2.json.purchaseId).toBe('INV-2');

    // Potential value (VPC): open suggestions on top of current revenue.
    const s1 = await t.request('POST', `/customers/${ana}/suggestions`, {
      product: 'Gold plan',
      expectedValue: 100,
      expiresAt: '2026-04-01T00:00:00Z',
    });
    const s2 = await t.request('POST', `/customers/${ana}/suggestions`, {
      product: 'Box set',
      expectedValue: 30,
      expiresAt: '2026-04-01T00:00:00Z',
    });
    await t.request('POST', `/customers/${ana}/suggestions`, {
      product: 'Poster pack',
      expectedValue: 12.5,
      expiresAt: '2026-05-01T00:00:00Z',
    });
    expect((await t.request('POST', `/customers/${ana}/suggestions/${s1.json.suggestionId}/accept`, {})).status).toBe(200);
    expect(
      (await t.request('POST', `/customers/${ana}/suggestions/${s2.json.suggestionId}/decline`, { reason: 'already has it' })).status,
    ).toBe(200);

    const referral = await t.request('POST', `/customers/${ana}/referrals`, { referredCustomerId: bruno });
    expect(referral.status).toBe(201);

    const view = await profile(ana, referral);
    expect(view.json).toMatchObject({
      status: 'customer',
      phone: '+351 911 111 111',
      company: 'Lima & Filhos',
      currentValue: {
        purchaseCount: 2,
        firstPurchaseAt: '2026-03-01T10:00:00.000Z',
        lastPurchaseAt: '2026-03-05T10:00:00.000Z',
        byCurrency: {
          EUR: { revenue: 25.5, margin: 8, purchaseCount: 1, averageOrderValue: 25.5 },
          USD: { revenue: 14.5, margin: 4, purchaseCount: 1, averageOrderValue: 14.5 },
        },
      },
      potentialValue: {
        byCurrency: { EUR: { openSuggestionsValue: 0, value: 25.5 }, USD: { openSuggestionsValue: 12.5, value: 27 } },
        acceptanceRate: 0.5,
      },
      referralsMade: [bruno],
      interactionCount: 2,
      lastInteractionAt: '2026-03-10T12:01:00.000Z',
    });
    expect(view.json.openSuggestions.map((s: { product: string }) => s.product)).toEqual(['Poster pack']);
    expect(view.json.suggestions.map((s: { status: string }) => s.status)).toEqual(['accepted', 'declined', 'open']);
    expect((await profile(bruno, referral)).json.referredBy).toBe(ana);

    // Suggestions past their expiry no longer count towards potential value.
    t.clock.set('2026-04-15T00:00:00.000Z');
    expect((await t.request('GET', `/customers/${ana}`)).json.potentialValue.byCurrency.USD).toEqual({
      openSuggestionsValue: 12.5,
      value: 27,
    });
    t.clock.set('2026-05-02T00:00:00.000Z');
    expect((await t.request('GET', `/customers/${ana}`)).json.potentialValue.byCurrency.USD).toEqual({
      openSuggestionsValue: 0,
      value: 14.5,
    });

    const timeline = await t.request('GET', `/customers/${ana}/interactions?limit=1`);
    expect(timeline.json.items).toHaveLength(1);
    expect(timeline.json.items[0]).toMatchObject({ summary: 'Sent the catalogue', channel: 'email' });
    const page2 = await t.request('GET', `/customers/${ana}/interactions?limit=1&cursor=${encodeURIComponent(timeline.json.nextCursor)}`);
    expect(page2.json.items[0]).toMatchObject({ summary: 'Asked about prices' });

    // Churn and win-back.
    const off = await t.request('POST', `/customers/${ana}/deactivate`, { reason: 'moved abroad' });
    expect(off.status).toBe(200);
    await refused(
      () => t.request('POST', `/customers/${ana}/purchases`, { lines: [{ product: 'CD', quantity: 1, amount: 10 }] }),
      422,
      'CUSTOMER_DEACTIVATED',
    );
    expect((await profile(ana, off)).json).toMatchObject({ status: 'deactivated', deactivationReason: 'moved abroad' });
    const back = await t.request('POST', `/customers/${ana}/reactivate`);
    expect(back.status).toBe(200);
    expect((await profile(ana, back)).json).toMatchObject({ status: 'customer', deactivatedAt: null });
  });

  it('lists customers by status and search text, page by page', async () => {
    for (const [name, kind] of [
      ['Ana Lima', 'prospect'],
      ['Bruno Reis', 'customer'],
      ['Carla Lima', 'customer'],
      ['Duarte Sousa', 'customer'],
    ]) {
      t.clock.advance(1000);
      await register({ name, kind, email: `${name.split(' ')[0].toLowerCase()}@example.com` });
    }
    const last = await register({ name: 'Eva Lima', kind: 'prospect', email: 'eva@example.com' });
    const all = await t.request('GET', `/customers?minPosition=${last.json.position}`);
    expect(all.json.items).toHaveLength(5);

    const customers = await t.request('GET', '/customers?status=customer&limit=2');
    expect(customers.json.items.map((c: { name: string }) => c.name)).toEqual(['Duarte Sousa', 'Carla Lima']);
    const rest = await t.request('GET', `/customers?status=customer&limit=2&cursor=${encodeURIComponent(customers.json.nextCursor)}`);
    expect(rest.json.items.map((c: { name: string }) => c.name)).toEqual(['Bruno Reis']);
    expect(rest.json.nextCursor).toBeNull();

    const limas = await t.request('GET', '/customers?q=LIMA');
    expect(limas.json.items.map((c: { name: string }) => c.name).sort()).toEqual(['Ana Lima', 'Carla Lima', 'Eva Lima']);
    const regexChars = await t.request('GET', `/customers?q=${encodeURIComponent('.*')}`);
    expect(regexChars.json.items).toEqual([]);
  });

  describe('idempotency', () => {
    it('a retried registration with the same Idempotency-Key returns the first outcome and appends nothing', async () => {
      const first = await register({}, { 'Idempotency-Key': 'reg-42' });
      const count = await t.eventCount();
      const retry = await register({}, { 'Idempotency-Key': 'reg-42' });
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json).toMatchObject({ id: first.json.id, revision: first.json.revision, position: first.json.position, replayed: true });
      expect(await t.eventCount()).toBe(count);
    });

    it('a retried purchase is recorded once', async () => {
      const id = (await register({ kind: 'customer' })).json.id;
      const body = { lines: [{ product: 'CD', quantity: 1, amount: 12 }] };
      const first = await t.request('POST', `/customers/${id}/purchases`, body, { 'Idempotency-Key': 'buy-1' });
      const retry = await t.request('POST', `/customers/${id}/purchases`, body, { 'Idempotency-Key': 'buy-1' });
      expect(retry.json).toMatchObject({ purchaseId: first.json.purchaseId, position: first.json.position, replayed: true });
      expect((await profile(id, retry)).json.currentValue.purchaseCount).toBe(1);
    });

    it('concurrent retries of one request append once', async () => {
      const id = (await register({ kind: 'customer' })).json.id;
      const before = await t.eventCount();
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          t.request(
            'POST',
            `/customers/${id}/interactions`,
            { channel: 'chat', direction: 'inbound', summary: 'hi', agent: 'bot' },
            { 'Idempotency-Key': 'chat-1' },
          ),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      expect(new Set(responses.map((r) => r.json.position)).size).toBe(1);
      expect(await t.eventCount()).toBe(before + 1);
    });
  });

  describe('email uniqueness among active customers', () => {
    it('refuses a second active customer with the same email, in any case', async () => {
      await register({ email: 'Ana@Example.com' });
      const response = await refused(() => register({ name: 'Other Ana', email: 'ana@EXAMPLE.com ' }), 422, 'EMAIL_ALREADY_IN_USE');
      expect(response.json.detail).not.toContain('ana@');
    });

    it('frees the email when its customer is deactivated, and refuses to reactivate them once it is taken', async () => {
      const first = (await register()).json.id;
      await t.request('POST', `/customers/${first}/deactivate`, { reason: 'closed account' });
      expect((await register({ name: 'New Ana' })).status).toBe(201);
      await refused(() => t.request('POST', `/customers/${first}/reactivate`), 422, 'EMAIL_ALREADY_IN_USE');
    });

    it('moves the claim when the email changes', async () => {
      const ana = (await register()).json.id;
      expect((await t.request('PATCH', `/customers/${ana}/contact`, { email: 'ana.lima@example.com' })).status).toBe(200);
      expect((await register({ name: 'Another', email: 'ana@example.com' })).status).toBe(201);
      await refused(() => register({ name: 'Third', email: 'ana.lima@example.com' }), 422, 'EMAIL_ALREADY_IN_USE');
    });

    it('of concurrent registrations with one email exactly one succeeds', async () => {
      const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => register({ name: `Racer ${i}`, email: 'race@example.com' })));
      expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
      for (const r of responses.filter((r) => r.status !== 201)) expect(r.json.code).toBe('EMAIL_ALREADY_IN_USE');
    });
  });

  describe('optimistic concurrency', () => {
    it('honours If-Match with the current revision and refuses a stale one with 409', async () => {
      const created = await register();
      const id = created.json.id;
      const etag = (await profile(id, created)).headers.etag as string;
      expect((await t.request('PATCH', `/customers/${id}/contact`, { name: 'Ana M. Lima' }, { 'If-Match': etag })).status).toBe(200);
      const stale = await refused(
        () => t.request('PATCH', `/customers/${id}/contact`, { name: 'Ana Maria' }, { 'If-Match': etag }),
        409,
        'REVISION_CONFLICT',
      );
      expect(stale.json).toMatchObject({ expectedRevision: '0', actualRevision: '1' });
    });
  });

  describe('read-your-writes', () => {
    it('answers 503 with Retry-After when the read model does not reach minPosition in time', async () => {
      const created = await register();
      const response = await t.request('GET', `/customers/${created.json.id}?minPosition=999999999`);
      expectProblem(response, 503, 'READ_MODEL_NOT_CAUGHT_UP');
      expect(response.headers['retry-after']).toBe('1');
    });

    it('refuses a malformed minPosition with 400', async () => {
      const created = await register();
      expectProblem(await t.request('GET', `/customers/${created.json.id}?minPosition=abc`), 400, 'VALIDATION_FAILED');
    });
  });

  describe('bad input: 400 problem+json listing every bad field, nothing appended', () => {
    let id: string;
    let suggestionId: string;

    beforeEach(async () => {
      id = (await register({ kind: 'customer' })).json.id;
      suggestionId = (
        await t.request('POST', `/customers/${id}/suggestions`, { product: 'Gold', expectedValue: 10, expiresAt: '2026-12-01T00:00:00Z' })
      ).json.suggestionId;
    });

    const fieldsOf = (response: TestResponse) => response.json.errors.map((e: { field: string }) => e.field).sort();

    it('POST /customers', async () => {
      const response = await refused(
        () =>
          t.request('POST', '/customers', {
            name: '',
            email: 'not-an-email',
            kind: 'vip',
            acquisitionChannel: 'pigeon',
            referredBy: 'x',
            phone: 'call me',
            extra: 1,
          }),
        400,
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(response)).toEqual(['acquisitionChannel', 'email', 'extra', 'kind', 'name', 'phone', 'referredBy']);
      await refused(() => t.request('POST', '/customers', '{"name": "broken'), 400, 'BAD_REQUEST');
      await refused(() => t.request('POST', '/customers', [1, 2]), 400, 'VALIDATION_FAILED');
      await refused(() => t.request('POST', '/customers'), 400, 'VALIDATION_FAILED');
    });

    it('PATCH /customers/:id/contact', async () => {
      const response = await refused(
        () => t.request('PATCH', `/customers/${id}/contact`, { email: 'nope', name: 42 }),
        400,
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(response)).toEqual(['email', 'name']);
      await refused(() => t.request('PATCH', `/customers/${id}/contact`, {}), 400, 'VALIDATION_FAILED');
      await refused(() => t.request('PATCH', `/customers/not-a-uuid/contact`, { name: 'X' }), 400, 'VALIDATION_FAILED');
    });

    it('POST /customers/:id/convert', async () => {
      const response = await refused(() => t.request('POST', `/customers/${id}/convert`, { force: true }), 400, 'VALIDATION_FAILED');
      expect(fieldsOf(response)).toEqual(['force']);
      await refused(() => t.request('POST', `/customers/${id}/convert`, '"convert"'), 400, 'VALIDATION_FAILED');
    });

    it('POST /customers/:id/interactions', async () => {
      const response = await refused(
        () =>
          t.request('POST', `/customers/${id}/interactions`, {
            channel: 'fax',
            direction: 'sideways',
            summary: '',
            occurredAt: 'yesterday',
          }),
        400,
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(response)).toEqual(['agent', 'channel', 'direction', 'occurredAt', 'summary']);
    });

    it('POST /customers/:id/purchases', async () => {
      const response = await refused(
        () =>
          t.request('POST', `/customers/${id}/purchases`, {
            lines: [
              { product: 'CD', quantity: 0, amount: -1 },
              { quantity: 1.5, amount: 1.2345 },
            ],
            currency: 'euro',
            margin: 'lots',
          }),
        400,
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(response)).toEqual([
        'currency',
        'lines.0.amount',
        'lines.0.quantity',
        'lines.1.amount',
        'lines.1.product',
        'lines.1.quantity',
        'margin',
      ]);
      await refused(() => t.request('POST', `/customers/${id}/purchases`, { lines: [] }), 400, 'VALIDATION_FAILED');
    });

    it('POST /customers/:id/suggestions', async () => {
      const response = await refused(
        () => t.request('POST', `/customers/${id}/suggestions`, { product: '', expectedValue: -5, expiresAt: 'soon' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(response)).toEqual(['expectedValue', 'expiresAt', 'product']);
      // The probability an agent may set: a number from 0 to 1.
      for (const probability of [1.5, -0.1, 'likely']) {
        const wrong = await refused(
          () =>
            t.request('POST', `/customers/${id}/suggestions`, {
              product: 'Gold',
              expectedValue: 10,
              expiresAt: '2026-12-01T00:00:00Z',
              probability,
            }),
          400,
          'VALIDATION_FAILED',
        );
        expect(fieldsOf(wrong)).toEqual(['probability']);
      }
    });

    it('POST /customers/:id/suggestions/:sid/accept and /decline', async () => {
      await refused(() => t.request('POST', `/customers/${id}/suggestions/${suggestionId}/accept`, { price: 1 }), 400, 'VALIDATION_FAILED');
      await refused(() => t.request('POST', `/customers/${id}/suggestions/bad-id/accept`), 400, 'VALIDATION_FAILED');
      await refused(
        () => t.request('POST', `/customers/${id}/suggestions/${suggestionId}/decline`, { reason: '' }),
        400,
        'VALIDATION_FAILED',
      );
    });

    it('POST /customers/:id/referrals', async () => {
      await refused(() => t.request('POST', `/customers/${id}/referrals`, { referredCustomerId: 'someone' }), 400, 'VALIDATION_FAILED');
    });

    it('POST /customers/:id/deactivate and /reactivate', async () => {
      await refused(() => t.request('POST', `/customers/${id}/deactivate`, {}), 400, 'VALIDATION_FAILED');
      await refused(() => t.request('POST', `/customers/${id}/reactivate`, { now: true }), 400, 'VALIDATION_FAILED');
    });

    it('malformed Idempotency-Key and If-Match headers', async () => {
      await refused(() => t.request('POST', `/customers/${id}/convert`, undefined, { 'If-Match': 'yesterday' }), 400, 'VALIDATION_FAILED');
      await refused(() => register({ email: 'x@example.com' }, { 'Idempotency-Key': 'x'.repeat(201) }), 400, 'VALIDATION_FAILED');
    });

    it('queries', async () => {
      await refused(() => t.request('GET', '/customers?status=vip&limit=0'), 400, 'VALIDATION_FAILED');
      await refused(() => t.request('GET', '/customers?cursor=garbage'), 400, 'INVALID_QUERY');
      await refused(() => t.request('GET', `/customers/${id}/interactions?limit=9999`), 400, 'VALIDATION_FAILED');
    });
  });

  describe('business rules and unknown resources: 404 and 422, nothing appended', () => {
    const unknown = '00000000-0000-4000-8000-00000000ffff';

    it('404 for an unknown customer on reads and commands', async () => {
      await refused(() => t.request('GET', `/customers/${unknown}`), 404, 'CUSTOMER_NOT_FOUND');
      await refused(() => t.request('GET', `/customers/${unknown}/interactions`), 404, 'CUSTOMER_NOT_FOUND');
      await refused(
        () => t.request('POST', `/customers/${unknown}/purchases`, { lines: [{ product: 'CD', quantity: 1, amount: 1 }] }),
        404,
        'CUSTOMER_NOT_FOUND',
      );
      await refused(() => t.request('POST', `/customers/${unknown}/convert`), 404, 'CUSTOMER_NOT_FOUND');
      await refused(() => t.request('GET', '/no-such-route'), 404, 'ROUTE_NOT_FOUND');
    });

    it('422 with a stable code for each rule', async () => {
      const id = (await register({ kind: 'customer' })).json.id;
      await refused(() => t.request('POST', `/customers/${id}/convert`), 422, 'CUSTOMER_ALREADY_CONVERTED');
      await refused(
        () => t.request('POST', `/customers/${id}/suggestions`, { product: 'X', expectedValue: 1, expiresAt: '2026-01-01T00:00:00Z' }),
        422,
        'SUGGESTION_EXPIRY_IN_PAST',
      );
      await refused(() => t.request('POST', `/customers/${id}/suggestions/${unknown}/accept`), 404, 'SUGGESTION_NOT_FOUND');
      await refused(() => t.request('POST', `/customers/${id}/referrals`, { referredCustomerId: id }), 422, 'SELF_REFERRAL');
      await refused(
        () => t.request('POST', `/customers/${id}/referrals`, { referredCustomerId: unknown }),
        422,
        'REFERRED_CUSTOMER_NOT_FOUND',
      );
      await refused(() => register({ email: 'new@example.com', referredBy: unknown }), 422, 'REFERRER_NOT_FOUND');
      await refused(
        () =>
          t.request('POST', `/customers/${id}/purchases`, {
            lines: [{ product: 'CD', quantity: 1, amount: 10 }],
            occurredAt: '2027-01-01T00:00:00Z',
          }),
        422,
        'OCCURRED_IN_FUTURE',
      );
      await refused(() => t.request('POST', `/customers/${id}/reactivate`), 422, 'CUSTOMER_NOT_DEACTIVATED');
      const s = await t.request('POST', `/customers/${id}/suggestions`, {
        product: 'X',
        expectedValue: 1,
        expiresAt: '2026-03-11T00:00:00Z',
      });
      t.clock.set('2026-03-12T00:00:00Z');
      await refused(() => t.request('POST', `/customers/${id}/suggestions/${s.json.suggestionId}/accept`), 422, 'SUGGESTION_EXPIRED');
    });
  });

  it('GET /ready answers 200 when both stores are reachable', async () => {
    const response = await t.request('GET', '/ready');
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ status: 'ok', info: { eventStore: { status: 'up' }, readStore: { status: 'up' } } });
  });

  it('GET /projections shows the customer projection caught up', async () => {
    const created = await register();
    await profile(created.json.id, created);
    const response = await t.request('GET', '/projections');
    const customerProfile = response.json.projections.find((p: { name: string }) => p.name === 'customer-profile');
    expect(customerProfile).toMatchObject({ version: customerProfileProjection.version, parked: [] });
    expect(BigInt(customerProfile.position)).toBeGreaterThanOrEqual(BigInt(created.json.position));
  });

  it('records actor, correlation and causation in every event', async () => {
    const created = await register({}, { 'X-Correlation-Id': 'corr-123' });
    expect(created.headers['x-correlation-id']).toBe('corr-123');
    const events = await t.eventStore.readStream(`customer-${created.json.id}`);
    expect(events).toHaveLength(1);
    expect(events[0].metadata).toMatchObject({
      actor: 'test-user',
      correlationId: 'corr-123',
      causationId: expect.any(String),
      occurredAt: '2026-03-10T12:00:00.000Z',
      recordedAt: '2026-03-10T12:00:00.000Z',
      schemaVersion: 1,
    });
  });
});
