import { RESERVED_SUBJECT_PREFIXES } from '../../src/access/jwt-verifier';
import { TokenBucketRateLimiter } from '../../src/access/rate-limiter';
import { loadConfig } from '../../src/config/config';
import { ANONYMOUS_ACTOR } from '../../src/shared/http/command-context.decorator';
import { expectRefused } from '../support/http-spec';
import { startTestApp, type TestApp } from '../support/test-app';

const badKey = (i: number) => `rk_Wrong${String(i).padStart(3, '0')}_${'x'.repeat(36)}`;

describe('failed authentications are rate limited per client address', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ authFailuresPerMinute: 5 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 401 for the budget, then 429 with Retry-After, even to valid credentials; public routes stay open', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await t.request('GET', '/customers', undefined, {}, { auth: badKey(i) })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));

    const limited = await t.request('GET', '/customers');
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.json.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await t.request('GET', '/health', undefined, {}, { auth: false })).status).toBe(200);
  });
});

describe('the failure budget', () => {
  it('refills over time and is read without being spent (peek)', () => {
    let now = 0;
    const limiter = new TokenBucketRateLimiter(6, () => now);
    for (let i = 0; i < 6; i++) expect(limiter.take('10.0.0.1').allowed).toBe(true);
    expect(limiter.peek('10.0.0.1')).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(limiter.peek('10.0.0.1').allowed).toBe(false);
    expect(limiter.peek('10.0.0.2').allowed).toBe(true);
    now += 10_000;
    expect(limiter.peek('10.0.0.1').allowed).toBe(true);
    expect(limiter.take('10.0.0.1').allowed).toBe(true);
    expect(limiter.peek('10.0.0.1').allowed).toBe(false);
  });

  it('is set by RELATA_AUTH_FAILURES_PER_MINUTE (default 30; 0: no limit)', () => {
    expect(loadConfig({}).authFailuresPerMinute).toBe(30);
    expect(loadConfig({ RELATA_AUTH_FAILURES_PER_MINUTE: '0' }).authFailuresPerMinute).toBe(0);
    expect(() => loadConfig({ RELATA_AUTH_FAILURES_PER_MINUTE: 'many' })).toThrow(/RELATA_AUTH_FAILURES_PER_MINUTE/);
  });
});

describe('reserved JWT subjects cannot be imitated', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    [' key:00000000-0000-4000-8000-000000000001', 'a leading space'],
    ['KEY:00000000-0000-4000-8000-000000000001', 'upper case'],
    ['Key:00000000-0000-4000-8000-000000000001', 'mixed case'],
    ['\uFF4B\uFF45\uFF59:00000000-0000-4000-8000-000000000001', 'full-width letters'],
    ['\u200Bkey:00000000-0000-4000-8000-000000000001', 'a zero-width space'],
    ['system:scheduler', 'a system actor'],
    ['IMPORTER:cfpb', 'an importer'],
    [ANONYMOUS_ACTOR, 'the actor of unauthenticated requests'],
    ['anonymous', 'the actor of events recorded before authentication existed'],
    ['ANONYMOUS', 'that actor in upper case'],
    ['Anonymous', 'that actor capitalised'],
    ['\uFF41\uFF4E\uFF4F\uFF4E\uFF59\uFF4D\uFF4F\uFF55\uFF53', 'that actor in full-width letters'],
    [' anonymous', 'that actor after a space'],
    ['anonymous\u00A0', 'that actor before a no-break space'],
    ['\u200Banonymous', 'that actor after a zero-width space'],
    ['agent-7 ', 'a trailing space'],
    ['agent\u2028seven', 'a line separator'],
  ])('refuses the subject %j (%s) with 401', async (sub) => {
    await expectRefused(
      t,
      () => t.request('POST', '/customers', { name: 'Ana' }, {}, { auth: t.jwt({ sub, roles: ['agent'] }) }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('records unauthenticated requests under a reserved name that no token may claim', () => {
    expect(RESERVED_SUBJECT_PREFIXES.some((prefix) => ANONYMOUS_ACTOR.startsWith(prefix))).toBe(true);
  });

  it('still accepts subjects that merely contain a reserved name', async () => {
    const response = await t.request(
      'POST',
      '/customers',
      { name: 'Ana' },
      {},
      { auth: t.jwt({ sub: 'anonymous-helpdesk', roles: ['agent'] }) },
    );
    expect(response.status).toBe(201);
  });

  it('still accepts ordinary subjects, spaces inside included', async () => {
    const response = await t.request(
      'POST',
      '/customers',
      { name: 'Ana' },
      {},
      { auth: t.jwt({ sub: 'Ana Lima (support)', roles: ['agent'] }) },
    );
    expect(response.status).toBe(201);
    expect((await t.eventStore.readStream(`customer-${response.json.id}`))[0].metadata.actor).toBe('Ana Lima (support)');
  });
});
