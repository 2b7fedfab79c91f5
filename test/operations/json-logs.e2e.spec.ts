import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '../../src/config/config';
import { createHttpApp } from '../../src/http-app';
import { createJsonLogger, JsonLoggerService, requestLogContext } from '../../src/operations/logger';
import { ManualClock } from '../../src/shared/clock';
import { CommandProcessor } from '../../src/shared/decider/command-processor';
import { SequentialIdGenerator } from '../../src/shared/ids';
import { LogCorrelation } from '../../src/shared/logging/log-correlation';
import { signHs256 } from '../support/jwt';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from '../support/test-app';

/** Collects what pino writes, line by line. */
class CapturedLines extends Writable {
  readonly text: string[] = [];
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text.push(chunk.toString());
    done();
  }
  all(): string {
    return this.text.join('');
  }
  lines(): Record<string, unknown>[] {
    return this.all()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/** An app on a fresh data dir logging at `level` into captured lines: started before the enclosing block's tests, closed after. */
function appLoggingAt(level: 'debug' | 'info'): { captured: CapturedLines; app: () => NestFastifyApplication } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `relata-logs-${level}-`));
  const captured = new CapturedLines();
  let app: NestFastifyApplication;
  beforeAll(async () => {
    const config = {
      ...loadConfig({ RELATA_DATA_DIR: dataDir, LOG_LEVEL: level }),
      slaSchedulerEnabled: false,
      webhookDispatcherEnabled: false,
      bootstrapAdminKey: TEST_ADMIN_KEY,
      // A read that waits for a position the log never reaches gives up quickly.
      consistencyTimeoutMs: 100,
      jwt: { algorithm: 'HS256' as const, key: TEST_JWT_SECRET, issuer: null, audience: null, rolesClaim: 'roles' },
    };
    app = await createHttpApp({
      config,
      clock: new ManualClock('2026-03-10T12:00:00.000Z'),
      ids: new SequentialIdGenerator(),
      logDestination: captured,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return { captured, app: () => app };
}

describe('structured JSON logs', () => {
  const logged = appLoggingAt('debug');
  const captured = logged.captured;
  let app: NestFastifyApplication;
  const agent = signHs256({ sub: 'agent-7', roles: ['agent', 'pii'], exp: 4102444800 }, TEST_JWT_SECRET);
  beforeAll(() => {
    app = logged.app();
  });

  const send = (method: 'GET' | 'POST', url: string, correlationId: string, body?: unknown) =>
    app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${agent}`,
        'x-correlation-id': correlationId,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });

  it('writes JSON lines carrying the correlation id, with one access line per request and no personal data', async () => {
    // A line logged deep inside the command path (Nest CQRS handler -> processor) must carry the request's id.
    const original = CommandProcessor.prototype.handle;
    const probe = jest.spyOn(CommandProcessor.prototype, 'handle').mockImplementation(function (this: CommandProcessor, args) {
      new Logger('Probe').log('inside the command path');
      return original.call(this, args) as ReturnType<typeof original>;
    });
    const before = captured.lines().length;
    const created = await send('POST', '/customers', 'corr-register-1', {
      name: 'Zelda Quintanilha',
      email: 'zelda.quintanilha@example.com',
      phone: '+351 910 555 123',
      kind: 'prospect',
      acquisitionChannel: 'web',
    });
    probe.mockRestore();
    expect(created.statusCode).toBe(201);
    const { id, position } = JSON.parse(created.body) as { id: string; position: string };
    const searched = await send('GET', `/customers?q=${encodeURIComponent('zelda.quintanilha@example.com')}`, 'corr-search-2');
    expect(searched.statusCode).toBe(200);
    const read = await send('GET', `/customers/${id}?minPosition=${position}`, 'corr-read-3');
    expect(read.statusCode).toBe(200);

    const lines = captured.lines().slice(before);
    for (const line of lines)
      expect(line).toEqual(expect.objectContaining({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) }));

    const probes = lines.filter((line) => line.context === 'Probe');
    expect(probes.length).toBeGreaterThan(0);
    for (const line of probes) expect(line.correlationId).toBe('corr-register-1');

    const access = lines.filter((line) => line.log === 'access');
    expect(access).toEqual([
      expect.objectContaining({
        level: 'info',
        correlationId: 'corr-register-1',
        method: 'POST',
        route: '/customers',
        status: 201,
        subject: 'agent-7',
        durationMs: expect.any(Number),
      }),
      expect.objectContaining({ correlationId: 'corr-search-2', method: 'GET', route: '/customers', status: 200, subject: 'agent-7' }),
      expect.objectContaining({ correlationId: 'corr-read-3', method: 'GET', route: '/customers/:id', status: 200 }),
    ]);

    // Nothing of the body or the query string, anywhere in the output (start-up lines included).
    const output = captured.all().toLowerCase();
    for (const secret of ['zelda', 'quintanilha', 'example.com', '910 555', 'q=']) expect(output).not.toContain(secret);
  });

  it('gives every request a correlation id, and none to lines outside a request', async () => {
    const before = captured.lines().length;
    const response = await app.inject({ method: 'GET', url: '/health' });
    new Logger('Outside').warn('not in a request');
    const lines = captured.lines().slice(before);
    const access = lines.find((line) => line.log === 'access');
    expect(access).toMatchObject({ route: '/health', status: 200, subject: null, correlationId: response.headers['x-correlation-id'] });
    expect(lines.find((line) => line.context === 'Outside')).not.toHaveProperty('correlationId');
  });

  it('logs an expected 503 (read model not caught up) as a warning without a stack', async () => {
    const before = captured.lines().length;
    const response = await send('GET', '/customers?minPosition=999999999', 'corr-not-caught-up');
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'READ_MODEL_NOT_CAUGHT_UP' });
    const lines = captured
      .lines()
      .slice(before)
      .filter((line) => line.correlationId === 'corr-not-caught-up' && line.log !== 'access');
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringContaining('503 READ_MODEL_NOT_CAUGHT_UP') })]);
    expect(lines[0]).not.toHaveProperty('stack');
    expect(
      captured
        .lines()
        .slice(before)
        .some((line) => line.level === 'error'),
    ).toBe(false);
  });

  it('logs unmatched requests without their path', async () => {
    const before = captured.lines().length;
    await app.inject({ method: 'GET', url: '/no-such-route/zelda@example.com' });
    const access = captured
      .lines()
      .slice(before)
      .find((line) => line.log === 'access');
    expect(access).toMatchObject({ route: null });
    expect(JSON.stringify(access)).not.toContain('zelda');
  });
});

describe('structured JSON logs at LOG_LEVEL info (no async context per request)', () => {
  const logged = appLoggingAt('info');
  const captured = logged.captured;
  const agent = signHs256({ sub: 'agent-8', roles: ['agent'], exp: 4102444800 }, TEST_JWT_SECRET);

  it("still gives the error filter's warning and the access line the request's correlation id, without entering the request's async context", async () => {
    const entered = jest.spyOn(requestLogContext, 'run');
    const before = captured.lines().length;
    const response = await logged.app().inject({
      method: 'GET',
      url: '/customers?minPosition=999999999',
      headers: { authorization: `Bearer ${agent}`, 'x-correlation-id': 'corr-info-503' },
    });
    expect(response.statusCode).toBe(503);
    const lines = captured
      .lines()
      .slice(before)
      .filter((line) => line.correlationId === 'corr-info-503');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', context: 'Errors', msg: expect.stringContaining('503 READ_MODEL_NOT_CAUGHT_UP') }),
      expect.objectContaining({ log: 'access', route: '/customers', status: 503, subject: 'agent-8' }),
    ]);
    expect(entered).not.toHaveBeenCalled();
    entered.mockRestore();
  });
});

describe('JsonLoggerService', () => {
  it('maps Nest levels and arguments onto pino fields, and honours the level', async () => {
    const captured = new CapturedLines();
    const service = new JsonLoggerService(createJsonLogger({ level: 'info', destination: captured }));
    service.debug('hidden', 'Ctx');
    service.log('hello', 'Ctx');
    service.error('failed', 'Error: boom\n    at here', 'Ctx');
    await requestLogContext.run({ correlationId: 'c-1' }, async () => {
      await Promise.resolve();
      service.warn('inside', 'Ctx');
    });
    expect(captured.lines()).toEqual([
      expect.objectContaining({ level: 'info', msg: 'hello', context: 'Ctx' }),
      expect.objectContaining({ level: 'error', msg: 'failed', context: 'Ctx', stack: 'Error: boom\n    at here' }),
      expect.objectContaining({ level: 'warn', msg: 'inside', context: 'Ctx', correlationId: 'c-1' }),
    ]);
  });

  it("writes a LogCorrelation argument as the line's correlationId, outside any async context", () => {
    const captured = new CapturedLines();
    const service = new JsonLoggerService(createJsonLogger({ level: 'info', destination: captured }));
    service.warn('about a request', new LogCorrelation('c-2'), 'Ctx');
    service.error('failed', undefined, new LogCorrelation('c-3'), 'Ctx');
    expect(captured.lines()).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'about a request', context: 'Ctx', correlationId: 'c-2' }),
      expect.objectContaining({ level: 'error', msg: 'failed', context: 'Ctx', correlationId: 'c-3' }),
    ]);
    expect(captured.lines()[1]).not.toHaveProperty('stack');
  });
});
