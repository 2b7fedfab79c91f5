import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type PathItemObject,
  type ReferenceObject,
  type ResponseObject,
  type SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { ruleFor } from '../access/route-permissions';
import { RouteRegistry } from '../access/route-registry';
import { errorResponses, PROBLEM_DETAILS_SCHEMA, type RouteTraits } from './problem-responses';
import { type RouteHandler, routeHandlers } from './route-handlers';
import { ROUTE_DOCS, TAG_DESCRIPTIONS, TAG_ORDER, tagOfPath } from './route-summaries';
import { type DtoClass, dtoProperties, dtoSchema, exampleBody, isValidatedDto, refTo, schemaName } from './validation-schema';

/**
 * The OpenAPI 3 document, generated: Swagger's scanner finds the routes (paths, methods, success
 * codes, path parameters) and this module completes every operation generically from what the
 * application already declares, so controllers carry no documentation decorators:
 * - request bodies and query parameters from the DTOs' class-validator rules (validation-schema.ts),
 *   with examples;
 * - tags by the section a path belongs to, in the order a user meets them, and a summary and
 *   description per route (route-summaries.ts); security and roles from the access table;
 * - the error responses the route can give (problem-responses.ts), as application/problem+json;
 * - routes registered with Fastify directly (not Nest controllers) get a minimal operation, so
 *   every route the server answers is in the document.
 */

const COMMAND_RESULT_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'What a command answers: read your own write with ?minPosition=position, send If-Match: "revision" next.',
  required: ['revision', 'replayed'],
  properties: {
    id: { type: 'string', format: 'uuid', example: '0b6f3c2e-8d4a-4f1e-9c7b-5a2d1e3f4a6b' },
    revision: { type: 'integer', example: 3 },
    position: { type: 'string', nullable: true, example: '1042' },
    replayed: {
      type: 'boolean',
      description: 'True when the Idempotency-Key matched an earlier request: nothing was appended.',
      example: false,
    },
  },
  additionalProperties: true,
};

const COMMAND_HEADERS: ParameterObject[] = [
  {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Retrying with the same key returns the first outcome and appends nothing (Idempotent-Replayed: true). The key is bound to the principal and to the request (method, path, body): reused with another request or by another principal it is refused with 422 IDEMPOTENCY_KEY_REUSED.',
    schema: { type: 'string', minLength: 1, maxLength: 200 },
  },
  {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: 'The revision (ETag) the client last read: a 409 if the resource changed since.',
    schema: { type: 'string', example: '"3"' },
  },
];

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Method = (typeof METHODS)[number];

function words(identifier: string): string {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]/g, ' ')
    .toLowerCase();
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function tagOf(controller: string): string {
  return capitalised(words(controller.replace(/Controller$/, '')));
}

/** `/customers/{id}` -> `/customers/:id`, as the access table spells routes. */
function tablePath(openApiPath: string): string {
  return openApiPath.replace(/\{([^}]+)\}/g, ':$1');
}

/** `/customers/:id` -> `/customers/{id}`. */
function openApiPath(routePath: string): string {
  return routePath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
}

class SchemaRegistry {
  readonly schemas: Record<string, SchemaObject> = { ProblemDetails: PROBLEM_DETAILS_SCHEMA, CommandResult: COMMAND_RESULT_SCHEMA };

  ref(dto: DtoClass): ReferenceObject {
    const name = schemaName(dto);
    if (!(name in this.schemas)) {
      this.schemas[name] = { type: 'object' }; // placeholder first: a DTO may nest itself
      this.schemas[name] = dtoSchema(dto, (nested) => this.ref(nested));
    }
    return refTo(dto);
  }
}

function queryParameters(dto: DtoClass): ParameterObject[] {
  return dtoProperties(dto).map((property) => {
    const { example, ...schema } = property.schema;
    const parameter: ParameterObject = { name: property.name, in: 'query', required: property.required, schema };
    // Swagger UI fills examples into the form: only required parameters get one.
    if (property.required && example !== undefined) parameter.example = example;
    if (schema.type === 'array') {
      parameter.style = 'form';
      parameter.explode = false;
    }
    return parameter;
  });
}

function pathParameter(name: string, uuid: boolean): ParameterObject {
  const schema: SchemaObject = uuid ? { type: 'string', format: 'uuid' } : { type: 'string' };
  const parameter: ParameterObject = { name, in: 'path', required: true, schema };
  if (uuid) parameter.example = '0b6f3c2e-8d4a-4f1e-9c7b-5a2d1e3f4a6b';
  return parameter;
}

function isParameter(value: ParameterObject | ReferenceObject): value is ParameterObject {
  return !('$ref' in value);
}

/** A route route-summaries.ts does not describe yet: named after its handler, which test/openapi refuses. */
function genericSummaryOf(handler: RouteHandler | undefined, method: Method, path: string): string {
  if (handler === undefined) return `${method.toUpperCase()} ${path}`;
  const text = capitalised(words(handler.method));
  // A bare verb (get, list) says little alone: the tag says what it acts on.
  return text.includes(' ') ? text : `${text} (${tagOf(handler.controller)})`;
}

/** `/customers/{id}/suggestions/{sid}/accept` -> SUGGESTION_NOT_FOUND: the last thing addressed by id. */
function notFoundCode(path: string): string | null {
  // The last thing addressed, also when several parameters address it (`/sources/{system}/{sourceId}`);
  // `/customers/by-source/{source}/{id}` addresses a customer, by another system's id.
  const match = /([A-Za-z-]+)(?:\/\{[^}]+\})+(?!.*\{)/.exec(path.replace(/\/by-source\/\{[^}]+\}/, ''));
  if (match === null) return null;
  return `${match[1].replace(/ies$/, 'y').replace(/s$/, '').replace(/-/g, '_').toUpperCase()}_NOT_FOUND`;
}

function traitsOf(handler: RouteHandler | undefined, method: Method, path: string, roles: readonly string[] | null): RouteTraits {
  const queryProperties = handler?.query ? dtoProperties(handler.query) : [];
  return {
    validatesInput:
      handler !== undefined &&
      (handler.body !== undefined || handler.query !== undefined || handler.pathParams.length > 0 || handler.command),
    roles,
    notFoundCode: notFoundCode(path),
    command: handler?.command === true,
    changesState: method !== 'get' && method !== 'head',
    waitsForPosition: queryProperties.some((property) => property.name === 'minPosition'),
  };
}

function completeOperation(
  operation: OperationObject,
  method: Method,
  path: string,
  handler: RouteHandler | undefined,
  schemas: SchemaRegistry,
): void {
  const rule = ruleFor(method, tablePath(path));
  const roles = rule === undefined ? [] : rule.roles === 'public' ? null : [...rule.roles];
  const routeDoc = ROUTE_DOCS[`${method.toUpperCase()} ${tablePath(path)}`];
  operation.tags = [tagOfPath(path)];
  operation.summary ??= routeDoc?.summary ?? genericSummaryOf(handler, method, path);
  if (routeDoc !== undefined && !operation.description) operation.description = routeDoc.description;
  const notes: string[] = [];
  if (roles === null) notes.push('Public: no credentials needed.');
  else if (roles.length === 0) notes.push('Not in the access table: denied to everyone.');
  else notes.push(`Roles: ${roles.join(', ')}.`);
  if (rule?.personalData)
    notes.push('Holds personal data: masked ("***") for analysts and auditors without the pii grant, who cannot search by it either.');
  operation.description = [operation.description, ...notes].filter((text) => text).join('\n\n');
  operation.security = roles === null ? [] : [{ jwt: [] }, { apiKey: [] }];

  // Parameters: path parameters (with their UUID format), the query DTO's properties, command headers.
  const kept = (operation.parameters ?? [])
    .filter(isParameter)
    .filter((parameter) => parameter.in !== 'query' || handler?.query === undefined);
  const parameters = kept.filter((parameter) => parameter.in !== 'path');
  const uuidParams = new Set(handler?.pathParams.filter((param) => param.uuid).map((param) => param.name));
  const pathParams = pathParamNames(path).map((name) => pathParameter(name, uuidParams.has(name)));
  const queryParams = handler?.query && isValidatedDto(handler.query) ? queryParameters(handler.query) : [];
  operation.parameters = [
    ...pathParams,
    ...queryParams,
    ...parameters.filter((parameter) => parameter.in !== 'header'),
    ...(handler?.command ? COMMAND_HEADERS : []),
  ];

  // Request body: the DTO's schema with an example body; a class without rules means "no body".
  if (handler?.body !== undefined && isValidatedDto(handler.body)) {
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: schemas.ref(handler.body), example: exampleBody(handler.body) } },
    };
  } else if (handler?.body !== undefined) {
    operation.requestBody = {
      required: false,
      description: 'No body, or an empty JSON object.',
      content: { 'application/json': { schema: { type: 'object', maxProperties: 0, additionalProperties: false }, example: {} } },
    };
  } else {
    delete operation.requestBody;
  }

  // Responses: Swagger's success code (honours @HttpCode), then every error the route can give.
  const responses: Record<string, ResponseObject | ReferenceObject> = {};
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    if (!/^2\d\d$/.test(status) || response === undefined || '$ref' in response) continue;
    const success: ResponseObject = { ...response, description: response.description || (status === '201' ? 'Created' : 'OK') };
    if (handler?.command) {
      success.content = { 'application/json': { schema: { $ref: '#/components/schemas/CommandResult' } } };
      success.headers = {
        ETag: { description: 'The resource revision after the command: send it as If-Match next.', schema: { type: 'string' } },
      };
    }
    responses[status] = success;
  }
  if (Object.keys(responses).length === 0) responses[method === 'post' ? '201' : '200'] = { description: 'OK' };
  Object.assign(responses, errorResponses(traitsOf(handler, method, path, roles)));
  operation.responses = responses;
}

/** Routes the document must hold: every route the server registered but static asset wildcards. */
function documentedRoutes(app: INestApplication): { method: Method; path: string }[] {
  return app
    .get(RouteRegistry)
    .routes()
    .map((route) => {
      const [verb, url] = route.split(' ');
      return { method: verb.toLowerCase() as Method, path: url };
    })
    .filter((route) => METHODS.includes(route.method) && !route.path.includes('*'));
}

export function buildOpenApiDocument(app: INestApplication, version = '0.1.0'): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Relata API')
    .setDescription(
      [
        'Event-sourced CRM: customers, complaints with SLAs, departments and webhooks, analytics, audit.',
        'Errors are RFC 7807 documents (application/problem+json) with a stable `code`.',
        'Commands answer an ETag (send it back as If-Match) and a position (read your own write with ?minPosition=).',
      ].join('\n\n'),
    )
    .setVersion(version)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT whose roles claim names Relata roles.' },
      'jwt',
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'rk_<prefix>_<secret>',
        description: 'An API key (POST /admin/keys), sent as "Authorization: Bearer rk_...".',
      },
      'apiKey',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller}_${method}` });
  const handlers = routeHandlers(app);
  const schemas = new SchemaRegistry();

  for (const route of documentedRoutes(app)) {
    const path = openApiPath(route.path);
    const item: PathItemObject = (document.paths[path] ??= {});
    item[route.method] ??= { responses: {} };
  }
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const handler = operation.operationId ? handlers.get(operation.operationId) : undefined;
      completeOperation(operation, method, path, handler, schemas);
    }
  }
  document.components = { ...document.components, schemas: schemas.schemas };
  // Sections in the order a user meets them (Swagger UI keeps the order of this list).
  const used = new Set(Object.values(document.paths).flatMap((item) => METHODS.flatMap((method) => item[method]?.tags ?? [])));
  document.tags = TAG_ORDER.filter((name) => used.has(name)).map((name) => ({ name, description: TAG_DESCRIPTIONS[name] }));
  return document;
}
