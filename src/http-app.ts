import { randomUUID } from 'node:crypto';
import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { installAccessControl } from './access/install-access-control';
import { AppModule, type AppOptions } from './app.module';
import type { RelataConfig } from './config/config';
import { installHttpMetrics } from './operations/http-metrics';
import { createJsonLogger, JsonLoggerService } from './operations/logger';
import { installRequestLogging } from './operations/request-logging';
import { installOpenApi } from './openapi/install-openapi';
import { PROBLEM_SINK, ProblemDetailsFilter, type ProblemSink } from './shared/errors/problem-details.filter';
import { relataValidationPipe } from './shared/http/validation';

const LEVELS_IN_ORDER: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const NEST_LEVEL: Record<RelataConfig['logLevel'], LogLevel | null> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'log',
  debug: 'debug',
  trace: 'verbose',
  silent: null,
};

/** LOG_LEVEL names a threshold; Nest wants the list of levels to print. */
export function nestLogLevels(level: RelataConfig['logLevel']): LogLevel[] | false {
  const threshold = NEST_LEVEL[level];
  return threshold === null ? false : LEVELS_IN_ORDER.slice(0, LEVELS_IN_ORDER.indexOf(threshold) + 1);
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Builds the HTTP application (used by main.ts and by the e2e tests). */
export async function createHttpApp(
  options: AppOptions & {
    /** false: no logs at all (tests). */
    logger?: boolean;
    /** Where the JSON log lines go (default stdout); tests capture them here. */
    logDestination?: DestinationStream;
  },
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: options.config.bodyLimitBytes });
  // JSON lines (pino) at LOG_LEVEL; Nest's own lines, and every Logger in the code, go through it.
  const jsonLogger =
    options.logger === false ? null : createJsonLogger({ level: options.config.logLevel, destination: options.logDestination });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(options), adapter, {
    logger: jsonLogger === null ? false : new JsonLoggerService(jsonLogger),
    abortOnError: false,
    // Fastify's own JSON parser is kept (wrapped below); Nest's would replace it at init.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // Clients often send `Content-Type: application/json` with no body on commands that take none
  // (convert, accept, reactivate): read that as no body, and keep Fastify's safe parser otherwise.
  const jsonParser = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text === '') done(null, undefined);
    else jsonParser(request, text, done);
  });
  // Every request gets a correlation id (the client's, when well-formed) that its events and logs carry.
  fastify.addHook('onRequest', async (request, reply) => {
    const given = request.headers['x-correlation-id'];
    const id = typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
    request.headers['x-correlation-id'] = id;
    void reply.header('X-Correlation-Id', id);
  });
  // Right after it: the request's log context (correlation id on every line) and its access line.
  if (jsonLogger !== null) installRequestLogging(app, jsonLogger);
  installHttpMetrics(app);
  if (options.role === 'worker') installWorkerOnlyRoutes(fastify);
  // After the correlation id (so refusals carry it): authentication, authorisation, rate limit, headers.
  installAccessControl(app);
  // After it too (its onRoute hook records the docs routes): Swagger UI at /docs, the document at /docs/openapi.json.
  installOpenApi(app);
  app.useGlobalFilters(new ProblemDetailsFilter(app.get<ProblemSink | undefined>(PROBLEM_SINK, { strict: false })));
  app.useGlobalPipes(relataValidationPipe());
  // No app.enableShutdownHooks(): main.ts handles SIGTERM/SIGINT (operations/graceful-shutdown.ts), draining first.
  return app;
}

/** What a RELATA_ROLE=worker process answers over HTTP: the probes and the metrics, nothing else. */
const WORKER_ROUTES = new Set(['/health', '/ready', '/metrics']);

function installWorkerOnlyRoutes(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0];
    if (WORKER_ROUTES.has(path)) return;
    await reply.status(404).header('Content-Type', 'application/problem+json').send({
      type: 'urn:relata:problem:worker-role',
      title: 'Not Found',
      status: 404,
      code: 'WORKER_ROLE',
      instance: path,
      detail:
        'This process runs the projections and schedulers only (RELATA_ROLE=worker): it answers /health, /ready and /metrics. Send requests to an api or all process.',
    });
  });
}

export type { INestApplication };
