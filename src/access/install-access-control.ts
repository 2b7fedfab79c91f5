import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { AccessGuard } from './access-guard';
import { AccessKeyStore } from './access-key-store';
import { maskPersonalCsv, maskPersonalData } from './personal-data';
import { seesMaskedPersonalData } from './roles';
import { ROUTE_PERMISSIONS } from './route-permissions';
import { RouteRegistry } from './route-registry';

/**
 * Wires access control into the HTTP server (call before app.init(), which registers the routes):
 * - onRoute: records every route, to check the access table against;
 * - onRequest: the security headers, then the access guard (authentication, rate limit,
 *   authorisation), before any body is read;
 * - preSerialization / onSend: masks personal data in JSON and CSV answers for masked principals;
 * - onReady: the bootstrap admin key, on a start that finds no key.
 */
export function installAccessControl(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const guard = app.get(AccessGuard);
  const registry = app.get(RouteRegistry);
  const keys = app.get(AccessKeyStore);
  const config = app.get<RelataConfig>(RELATA_CONFIG);
  const logger = new Logger('Access');

  fastify.decorateRequest('principal', null);
  fastify.decorateRequest('subject', null);
  fastify.decorateRequest('roles', null);
  fastify.decorateRequest('pii', false);

  fastify.addHook('onRoute', (route) => registry.add(route.method, route.url));
  fastify.addHook('onRequest', async (request, reply) => guard.check(request, reply));

  const masked = (request: FastifyRequest): boolean =>
    request.principal !== null && guard.ruleOf(request)?.personalData === true && seesMaskedPersonalData(request.principal);

  fastify.addHook('preSerialization', async (request, reply, payload) =>
    reply.statusCode < 400 && masked(request) ? maskPersonalData(payload) : payload,
  );
  fastify.addHook('onSend', async (request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (typeof payload === 'string' && type.startsWith('text/csv') && reply.statusCode < 400 && masked(request))
      return maskPersonalCsv(payload);
    return payload;
  });

  fastify.addHook('onReady', async () => {
    const missing = registry.routes().filter((route) => !Object.prototype.hasOwnProperty.call(ROUTE_PERMISSIONS, route));
    if (missing.length > 0) logger.warn(`routes without an access rule (denied to everyone): ${missing.join(', ')}`);
    const { generatedKey } = await keys.bootstrap(config.bootstrapAdminKey, randomUUID());
    if (generatedKey !== null) {
      // console.log, not the logger: LOG_LEVEL may silence the logger, and this must be seen (once).
      console.log(
        [
          'Relata found no API key and generated an admin key. It is shown this once; store it now:',
          `  ${generatedKey}`,
          'Send it as "Authorization: Bearer <key>". It is for admin routes only: customers, complaints,',
          'analytics and audit need keys with those roles. Next, create one key per role (written to a',
          'file only you can read):',
          '  npx relata init',
          'or one at a time: npx relata keys create --name NAME --roles agent (supervisor, analyst, auditor),',
          'or POST /admin/keys {"name":"...","roles":["agent"]} with this admin key.',
        ].join('\n'),
      );
    }
  });
}
