import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { requestLogContext } from './logger';

/**
 * Call right after the hook that sets the correlation id: every later hook, guard, handler and
 * logger call of the request then runs inside requestLogContext, so its lines carry the id.
 *
 * One access line per request (info): method, the route pattern (never the URL: paths are fine,
 * but query strings may hold search terms such as names or emails), status, duration in ms, the
 * correlation id and the authenticated subject. Nothing of the body is ever logged.
 */
export function installRequestLogging(app: NestFastifyApplication, logger: Logger): void {
  const fastify = app.getHttpAdapter().getInstance();
  const access = logger.child({ log: 'access' });
  // Callback style: done() runs the rest of the request inside the store.
  fastify.addHook('onRequest', (request, _reply, done) => {
    const correlationId = String(request.headers['x-correlation-id'] ?? '');
    requestLogContext.run({ correlationId }, done);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    access.info(
      {
        correlationId: String(request.headers['x-correlation-id'] ?? ''),
        method: request.method,
        // Unmatched requests (404) have no route: the raw path could hold anything, so it is not logged.
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
        subject: request.subject ?? null,
      },
      'request',
    );
  });
}
