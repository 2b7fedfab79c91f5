import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';
import { formatPosition, laterOf, parsePosition } from '../../src/shared/event-store/position';

/**
 * Many writers on one stream at once: every request ends as a success or a 409 conflict, each
 * success is exactly one event, and nothing a client was told succeeded goes missing (in the
 * stream or in the read model). Without If-Match the processor retries a conflict once; with
 * If-Match a stale revision is never retried.
 */
const WRITERS = 100;

describe('contention: 100 concurrent writers on one complaint', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 10_000 });
  });
  afterEach(async () => {
    await t.close();
  });

  function expectStatus(response: TestResponse, status: number): TestResponse {
    expect({ status: response.status, body: response.body }).toMatchObject({ status });
    return response;
  }

  /** A complaint taken to graded, where notes can be added any number of times. */
  async function gradedComplaint(): Promise<{ id: string; revision: number }> {
    const customer = expectStatus(await t.request('POST', '/customers', { name: 'Ana Lima', kind: 'customer' }), 201).json.id as string;
    const department = expectStatus(await t.request('POST', '/departments', { name: 'Billing', supervisorId: null }), 201).json
      .id as string;
    const id = expectStatus(
      await t.request('POST', '/complaints', { customerId: customer, channel: 'phone', category: 'billing', description: 'Charged twice' }),
      201,
    ).json.id as string;
    expectStatus(await t.request('POST', `/complaints/${id}/acknowledge`), 200);
    expectStatus(await t.request('POST', `/complaints/${id}/assign`, { department, assignee: 'agent-7' }), 200);
    expectStatus(await t.request('POST', `/complaints/${id}/assess`, { valid: true, rationale: 'confirmed' }), 200);
    const graded = expectStatus(await t.request('POST', `/complaints/${id}/grade`, { severity: 'high', difficulty: 'medium' }), 200);
    return { id, revision: graded.json.revision as number };
  }

  async function streamNotes(id: string): Promise<string[]> {
    const events = await t.eventStore.readStream(`complaint-${id}`);
    return events.filter((e) => e.type === 'InvestigationNoteAdded').map((e) => (e.data as { note: string }).note);
  }

  /** Sends every note at once; returns the responses with the note each one carried. */
  async function race(id: string, headers: (i: number) => Record<string, string>): Promise<{ note: string; response: TestResponse }[]> {
    return Promise.all(
      Array.from({ length: WRITERS }, async (_, i) => {
        const note = `note ${i} of ${WRITERS}`;
        return { note, response: await t.request('POST', `/complaints/${id}/notes`, { note }, headers(i)) };
      }),
    );
  }

  function tally(results: { note: string; response: TestResponse }[]) {
    const succeeded = results.filter((r) => r.response.status === 201);
    const conflicted = results.filter((r) => r.response.status === 409);
    for (const r of conflicted) {
      expect(r.response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    // Nothing but success or conflict: no 5xx, no other refusal.
    expect(results.map((r) => r.response.status).filter((s) => s !== 201 && s !== 409)).toEqual([]);
    expect(succeeded.length + conflicted.length).toBe(WRITERS);
    return { succeeded, conflicted };
  }

  it('without If-Match: each success is exactly one event, every success is in the stream and the read model', async () => {
    const { id, revision } = await gradedComplaint();
    const before = await t.eventCount();

    const { succeeded, conflicted } = tally(await race(id, () => ({})));

    expect(succeeded.length).toBeGreaterThan(0);
    const notes = await streamNotes(id);
    // One event per success, none for a conflict: nothing lost, nothing doubled.
    expect(notes).toHaveLength(succeeded.length);
    expect([...notes].sort()).toEqual(succeeded.map((r) => r.note).sort());
    for (const r of conflicted) expect(notes).not.toContain(r.note);
    expect(await t.eventCount()).toBe(before + succeeded.length);
    // Each success was told a distinct revision, all of them after the graded one.
    const revisions = succeeded.map((r) => r.response.json.revision as number);
    expect(new Set(revisions).size).toBe(succeeded.length);
    expect(Math.min(...revisions)).toBe(revision + 1);
    expect(Math.max(...revisions)).toBe(revision + succeeded.length);

    // Positions are compared, never turned into numbers: on EventStoreDB they are 64-bit byte offsets.
    const last = succeeded.map((r) => parsePosition(r.response.json.position as string)).reduce(laterOf);
    const view = expectStatus(await t.request('GET', `/complaints/${id}?minPosition=${formatPosition(last)}`), 200).json;
    const shown = (view.notes as { note: string }[]).map((n) => n.note);
    expect([...shown].sort()).toEqual(succeeded.map((r) => r.note).sort());
    expect(view.revision).toBe(revision + succeeded.length);
  }, 60_000);

  it('with If-Match on the same revision: exactly one writer wins, the other 99 get 409 and append nothing', async () => {
    const { id, revision } = await gradedComplaint();
    const before = await t.eventCount();

    const { succeeded, conflicted } = tally(await race(id, () => ({ 'If-Match': `"${revision}"` })));

    expect(succeeded).toHaveLength(1);
    expect(conflicted).toHaveLength(WRITERS - 1);
    expect(await streamNotes(id)).toEqual([succeeded[0].note]);
    expect(await t.eventCount()).toBe(before + 1);
    expect(succeeded[0].response.headers.etag).toBe(`"${revision + 1}"`);
  }, 60_000);

  it('with Idempotency-Keys, each sent twice at once: one event per key whatever the outcome', async () => {
    const { id } = await gradedComplaint();
    const before = await t.eventCount();
    const keys = Array.from({ length: WRITERS / 2 }, (_, i) => `contention-${i}`);

    const results = await Promise.all(
      [...keys, ...keys].map(async (key) => ({
        key,
        response: await t.request('POST', `/complaints/${id}/notes`, { note: `note for ${key}` }, { 'Idempotency-Key': key }),
      })),
    );

    expect(results.map((r) => r.response.status).filter((s) => s !== 201 && s !== 409)).toEqual([]);
    const notes = await streamNotes(id);
    expect(new Set(notes).size).toBe(notes.length);
    // A key with a success has its one event; a key that only ever conflicted has none.
    const succeededKeys = new Set(results.filter((r) => r.response.status === 201).map((r) => r.key));
    expect([...notes].sort()).toEqual([...succeededKeys].map((key) => `note for ${key}`).sort());
    expect(await t.eventCount()).toBe(before + succeededKeys.size);
  }, 60_000);
});
