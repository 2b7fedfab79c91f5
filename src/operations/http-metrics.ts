import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RelataMetrics } from './metrics';

/** Times every request into relata_http_request_duration_seconds (by method, route pattern and status). */
export function installHttpMetrics(app: NestFastifyApplication): void {
  const metrics = app.get(RelataMetrics);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', async (request, reply) => {
      metrics.requestServed(request.method, request.routeOptions.url ?? null, reply.statusCode, reply.elapsedTime / 1000);
    });
}
