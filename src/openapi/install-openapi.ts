import * as fs from 'node:fs';
import * as path from 'node:path';
import { NotFoundException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

/**
 * Serves the API documentation, with no network access needed (the UI's assets come from the
 * installed swagger-ui-dist):
 * - GET /docs: Swagger UI (a page of our own: no inline script);
 * - GET /docs/openapi.json: the OpenAPI 3 document, built on first request (every route is
 *   registered by then) and kept;
 * - GET /docs/docs-init.js: starts the UI on that document;
 * - GET /docs/*: the few Swagger UI assets (UI_ASSETS), nothing else from the package.
 * Call after installAccessControl (its onRoute hook records these routes) and before app.init().
 */

export const DOCS_PATH = '/docs';
/** Where the document is served (openapi-document.ts is loaded on demand: see below). */
export const OPENAPI_JSON_PATH = `${DOCS_PATH}/openapi.json`;

/**
 * The global policy (security-headers.ts) allows nothing, which a browser page cannot work with.
 * The UI needs its own scripts and styles, inline style attributes (React renders them), data:
 * images (icons) and fetches to this origin (the document, "Try it out"); still no inline script,
 * no other origin, no framing.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The files of swagger-ui-dist the page uses, and their types: nothing else of the package is served. */
const UI_ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const DOCS_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Relata API</title>
  <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${DOCS_PATH}/docs-init.js"></script>
</body>
</html>
`;

// validatorUrl null: the UI would otherwise fetch a badge from validator.swagger.io.
const DOCS_INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(OPENAPI_JSON_PATH)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout'
  });
});
`;

function isDocsRoute(request: FastifyRequest): boolean {
  const url = request.routeOptions.url;
  return url !== undefined && (url === DOCS_PATH || url.startsWith(`${DOCS_PATH}/`));
}

export function installOpenApi(app: NestFastifyApplication, options: { version?: string } = {}): void {
  const fastify = app.getHttpAdapter().getInstance();
  let documentJson: string | undefined;

  fastify.get(OPENAPI_JSON_PATH, async (_request, reply) => {
    // Loaded on first use: @nestjs/swagger costs start-up time every server would pay otherwise.
    const { buildOpenApiDocument } = await import('./openapi-document');
    documentJson ??= JSON.stringify(buildOpenApiDocument(app, options.version));
    return reply.type('application/json; charset=utf-8').send(documentJson);
  });
  fastify.get(DOCS_PATH, async (_request, reply) => reply.type('text/html; charset=utf-8').send(DOCS_HTML));
  fastify.get(`${DOCS_PATH}/docs-init.js`, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(DOCS_INIT_JS));
  // A few known files, read once: simpler than a static-file plugin and serves nothing else.
  const assetsDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  const assets = new Map<string, Buffer>();
  fastify.get<{ Params: { '*': string } }>(`${DOCS_PATH}/*`, async (request, reply) => {
    const name = request.params['*'];
    const type = Object.prototype.hasOwnProperty.call(UI_ASSETS, name) ? UI_ASSETS[name] : undefined;
    if (type === undefined) throw new NotFoundException(`No documentation asset ${name}`);
    let content = assets.get(name);
    if (content === undefined) {
      content = await fs.promises.readFile(path.join(assetsDir, name));
      assets.set(name, content);
    }
    return reply.type(type).header('Cache-Control', 'public, max-age=3600').send(content);
  });
  // After the access guard's onRequest hook set the global headers: the docs pages replace the policy.
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (isDocsRoute(request) && reply.statusCode < 400) void reply.header('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
    return payload;
  });
}
