import type { FastifyRequest } from 'fastify';
import { REJECTIONS_COLLECTION, RejectionLog } from '../../src/audit/rejection-log';
import { ManualClock } from '../../src/shared/clock';
import { ValidationFailedError } from '../../src/shared/errors/domain-errors';
import { toProblem } from '../../src/shared/errors/problem-details.filter';
import { ANONYMOUS_ACTOR } from '../../src/shared/http/command-context.decorator';
import { EmbeddedReadStore } from '../../src/shared/read-store/embedded-read-store';
// Declares email, lines and amount: the log keeps only names some DTO declares.
import '../../src/customers/dto/customer-commands.dto';

describe('RejectionLog', () => {
  let readStore: EmbeddedReadStore;
  let clock: ManualClock;
  let log: RejectionLog;

  beforeEach(async () => {
    readStore = new EmbeddedReadStore({ filename: ':memory:' });
    clock = new ManualClock('2026-03-10T14:00:00.000Z');
    log = new RejectionLog(readStore, clock);
    await log.onModuleInit();
  });
  afterEach(async () => {
    await readStore.close();
  });

  const request = (method: string, url: string, subject?: string): FastifyRequest =>
    ({
      method,
      url,
      headers: { 'x-correlation-id': 'corr-1' },
      subject,
      body: { email: 'secret@example.com' },
    }) as unknown as FastifyRequest;

  const problem = (status: number, code = 'SOME_RULE') => ({
    type: `urn:relata:problem:${code.toLowerCase()}`,
    title: 'x',
    status,
    detail: `refused with ${status}`,
    code,
  });

  it('records refused commands (400, 403, 409, 422) and nothing else', async () => {
    for (const status of [400, 401, 403, 404, 409, 422, 429, 500, 503]) {
      await log.record(problem(status), request('POST', '/customers?dryRun=1', 'agent-7'));
    }
    await log.record(problem(403), request('GET', '/customers'));
    await log.record(problem(422), request('HEAD', '/customers'));
    const page = await log.list({ limit: 50 });
    expect(page.items.map((r) => r.status).sort()).toEqual([400, 403, 409, 422]);
    expect(page.items[0]).toMatchObject({
      actor: 'agent-7',
      method: 'POST',
      route: '/customers',
      correlationId: 'corr-1',
      detail: expect.stringMatching(/^refused with/),
    });
  });

  it('keeps the names of the invalid fields, never the submitted values', async () => {
    const invalid = toProblem(
      new ValidationFailedError([
        { field: 'email', messages: ['email must be an email'] },
        { field: 'lines.0.amount', messages: ['amount must be positive', 'amount must be a number'] },
      ]),
    );
    await log.record(invalid, request('PATCH', '/customers/1/contact'));
    const [record] = (await log.list({ limit: 10 })).items;
    expect(record).toMatchObject({ actor: ANONYMOUS_ACTOR, code: 'VALIDATION_FAILED', fields: ['email', 'lines.0.amount'] });
    const stored = await readStore.collection(REJECTIONS_COLLECTION).get(record.id);
    expect(JSON.stringify(stored)).not.toContain('secret@example.com');
    expect(stored).not.toHaveProperty('errors');
  });

  it('lists newest first, also within one millisecond, filtered and paged', async () => {
    await log.record(problem(422, 'A'), request('POST', '/a', 'u1'));
    await log.record(problem(422, 'B'), request('POST', '/b', 'u2'));
    clock.advance(60_000);
    await log.record(problem(409, 'C'), request('POST', '/c', 'u1'));
    expect((await log.list({ limit: 10 })).items.map((r) => r.code)).toEqual(['C', 'B', 'A']);
    expect((await log.list({ limit: 10, actor: 'u1' })).items.map((r) => r.code)).toEqual(['C', 'A']);
    expect((await log.list({ limit: 10, to: '2026-03-10T14:00:30.000Z' })).items.map((r) => r.code)).toEqual(['B', 'A']);
    expect((await log.list({ limit: 10, from: '2026-03-10T14:00:30.000Z', status: 409 })).items.map((r) => r.code)).toEqual(['C']);
    const first = await log.list({ limit: 2 });
    expect(first.nextCursor).not.toBeNull();
    const second = await log.list({ limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second).toMatchObject({ items: [{ code: 'A' }], nextCursor: null });
    expect((await log.ofCorrelation('corr-1')).map((r) => r.code)).toEqual(['A', 'B', 'C']);
  });
});
