import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { requestLogContext } from './logger';

/**
 * Call right after the hook that sets the correlation id. At LOG_LEVEL debug or trace every later
 * hook, guard, handler and logger call of the request runs inside requestLogContext, so all its
 * lines carry the id. At other levels it does not: on Node 20 an AsyncLocalStorage that has been
 * entered keeps promise hooks on for the whole process (14-28% of a command's CPU), and the lines
 * written at those levels during a request (the error filter's) carry the id explicitly.
 *
 * One access line per request (info): method, the route pattern (never the URL: paths are fine,
 * but query strings may hold search terms such as names or emails), status, duration in ms, the
 * correlation id and the authenticated subject. Nothing of the body is ever logged.
 */
export function installRequestLogging(app: NestFastifyApplication, logger: Logger): void {
  const fastify = app.getHttpAdapter().getInstance();
  const access = logger.child({ log: 'access' });
  if (logger.isLevelEnabled('debug')) {
    // Callback style: done() runs the rest of the request inside the store.
    fastify.addHook('onRequest', (request, _reply, done) => {
      const correlationId = String(request.headers['x-correlation-id'] ?? '');
      requestLogContext.run({ correlationId }, done);
    });
  }
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
