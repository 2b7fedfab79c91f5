import type { OpenAPIObject, OperationObject, ParameterObject, ReferenceObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { RouteRegistry } from '../../src/access/route-registry';
import { ROUTE_PERMISSIONS } from '../../src/access/route-permissions';
import { SECURITY_HEADERS } from '../../src/access/security-headers';
import { DOCS_CONTENT_SECURITY_POLICY } from '../../src/openapi/install-openapi';
import { routeHandlers } from '../../src/openapi/route-handlers';
import { type DtoClass, dtoProperties, isValidatedDto } from '../../src/openapi/validation-schema';
import { ValidationFailedError } from '../../src/shared/errors/domain-errors';
import { relataValidationPipe } from '../../src/shared/http/validation';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The OpenAPI document as served at /docs/openapi.json, checked against the running application:
 * every registered route is in it with its error responses, and the DTO schemas say what the
 * validation pipe really enforces (accepts and refuses the same bodies).
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Method = (typeof METHODS)[number];
const PROBLEM_REF = '#/components/schemas/ProblemDetails';

let t: TestApp;
let doc: OpenAPIObject;

beforeAll(async () => {
  t = await startTestApp();
  const response = await t.request('GET', '/docs/openapi.json', undefined, {}, { auth: false });
  expect(response.status).toBe(200);
  expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
  doc = response.json as OpenAPIObject;
});

afterAll(async () => {
  await t.close();
});

function operations(): { method: Method; path: string; op: OperationObject }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ method, path, op: item[method] as OperationObject }] : [])),
  );
}

function operation(method: Method, path: string): OperationObject {
  const op = doc.paths[path]?.[method];
  if (op === undefined) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  return op;
}

function parameters(op: OperationObject): ParameterObject[] {
  return (op.parameters ?? []) as ParameterObject[];
}

function schema(name: string): SchemaObject {
  const found = doc.components?.schemas?.[name];
  if (found === undefined) throw new Error(`no schema ${name}`);
  return found as SchemaObject;
}

describe('the OpenAPI document', () => {
  it('is a structurally valid OpenAPI 3 document', () => {
    expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(doc.paths).length).toBeGreaterThan(50);
    expect(doc.components?.securitySchemes).toMatchObject({
      jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      apiKey: { type: 'http', scheme: 'bearer' },
    });
    expect(schema('ProblemDetails')).toMatchObject({
      required: ['type', 'title', 'status', 'detail', 'code'],
      properties: { errors: { type: 'array' } },
    });

    // Every $ref resolves, every path template has its path parameters, operation ids are unique.
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"([^"]+)"/g)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components?.schemas).toHaveProperty([ref.split('/').pop() as string]);
    }
    const ids = new Set<string>();
    for (const { path, op } of operations()) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      const declared = parameters(op).filter((parameter) => parameter.in === 'path');
      expect({ path, params: declared.map((parameter) => parameter.name).sort() }).toEqual({ path, params: templated });
      for (const parameter of declared) expect(parameter.required).toBe(true);
      if (op.operationId) {
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
      }
    }
  });

  it('holds every route the server registered, with its method, a summary, a tag and a success response', () => {
    const registered = t.app
      .get(RouteRegistry)
      .routes()
      .filter((route) => !route.includes('*') && !route.startsWith('HEAD ') && !route.startsWith('OPTIONS '));
    expect(registered.length).toBeGreaterThan(50);
    const missing = registered.filter((route) => {
      const [verb, url] = route.split(' ');
      return doc.paths[url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[verb.toLowerCase() as Method] === undefined;
    });
    expect(missing).toEqual([]);
    for (const { method, path, op } of operations()) {
      expect({ route: `${method} ${path}`, summary: typeof op.summary, tags: op.tags?.length }).toEqual({
        route: `${method} ${path}`,
        summary: 'string',
        tags: 1,
      });
      expect(Object.keys(op.responses).some((status) => /^2\d\d$/.test(status))).toBe(true);
    }
  });

  it('gives every route the error responses it can answer, as application/problem+json', () => {
    for (const { method, path, op } of operations()) {
      const route = `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`;
      const rule = ROUTE_PERMISSIONS[route];
      const statuses = Object.keys(op.responses);
      const expected: string[] = [];
      const isPublic = rule?.roles === 'public';
      if (!isPublic) expected.push('401', '403', '429');
      if (path.includes('{') && !isPublic) expected.push('400', '404');
      if (method !== 'get') expected.push('422');
      if (parameters(op).some((parameter) => parameter.in === 'header' && parameter.name === 'If-Match')) expected.push('409');
      if (parameters(op).some((parameter) => parameter.in === 'query' && parameter.name === 'minPosition')) expected.push('503');
      if (op.requestBody !== undefined || parameters(op).some((parameter) => parameter.in === 'query')) expected.push('400');
      expect({ route, missing: expected.filter((status) => !statuses.includes(status)) }).toEqual({ route, missing: [] });

      for (const [status, response] of Object.entries(op.responses as Record<string, ResponseObject>)) {
        if (Number(status) < 400) continue;
        expect({
          route,
          status,
          ref: (response.content?.['application/problem+json']?.schema as ReferenceObject | undefined)?.$ref,
        }).toEqual({
          route,
          status,
          ref: PROBLEM_REF,
        });
      }
      expect({ route, security: op.security }).toEqual({ route, security: isPublic ? [] : [{ jwt: [] }, { apiKey: [] }] });
    }
  });

  it('documents commands: Idempotency-Key and If-Match headers, 409 on a stale revision, the command result with its ETag', () => {
    const register = operation('post', '/customers/{id}/purchases');
    expect(parameters(register).map((parameter) => `${parameter.in}:${parameter.name}`)).toEqual(
      expect.arrayContaining(['path:id', 'header:Idempotency-Key', 'header:If-Match']),
    );
    expect(register.responses['409']).toBeDefined();
    const created = register.responses['201'] as ResponseObject;
    expect(created.headers).toHaveProperty('ETag');
    expect(created.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/CommandResult' });
    // The 404's example names the last thing the path addresses by id.
    const accept = operation('post', '/customers/{id}/suggestions/{sid}/accept').responses['404'] as ResponseObject;
    expect(accept.content?.['application/problem+json']?.example).toMatchObject({ status: 404, code: 'SUGGESTION_NOT_FOUND' });
  });

  it('describes bodies, path and query parameters from the DTOs and the route pipes', () => {
    expect(schema('RegisterCustomerDto')).toMatchObject({
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        kind: { type: 'string', enum: ['prospect', 'customer'], default: 'prospect' },
        name: { type: 'string', minLength: 1, maxLength: 200 },
        email: { type: 'string', format: 'email', maxLength: 254 },
        referredBy: { type: 'string', format: 'uuid' },
      },
    });
    expect(schema('RegisterComplaintDto').required).toEqual(expect.arrayContaining(['customerId', 'channel', 'category', 'description']));
    expect(schema('RegisterComplaintDto').properties?.customerId).toMatchObject({ type: 'string', format: 'uuid' });
    expect(schema('RecordPurchaseDto').properties?.lines).toMatchObject({
      type: 'array',
      minItems: 1,
      items: { $ref: '#/components/schemas/PurchaseLineDto' },
    });
    expect(schema('PurchaseLineDto').properties?.quantity).toMatchObject({ type: 'integer', minimum: 1 });
    expect(schema('UpdateContactDetailsDto').properties?.phone).toMatchObject({ type: 'string', nullable: true });
    expect(schema('PublishSlaPolicyDto').properties?.resolutionHours).toEqual({ $ref: '#/components/schemas/HoursBySeverityDto' });

    const get = operation('get', '/customers/{id}');
    expect(parameters(get).find((parameter) => parameter.name === 'id')).toMatchObject({
      in: 'path',
      required: true,
      schema: { format: 'uuid' },
    });
    const list = parameters(operation('get', '/customers'));
    expect(list.find((parameter) => parameter.name === 'status')).toMatchObject({
      in: 'query',
      required: false,
      schema: { enum: ['prospect', 'customer', 'deactivated'] },
    });
    expect(list.find((parameter) => parameter.name === 'limit')).toMatchObject({
      schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    });
    const transitions = parameters(operation('get', '/analytics/segments/transitions'));
    expect(transitions.find((parameter) => parameter.name === 'from')).toMatchObject({ required: true, schema: { format: 'date-time' } });

    // A body-less command takes none, or an empty object.
    expect(operation('post', '/customers/{id}/convert').requestBody).toMatchObject({ required: false });
    expect(operation('get', '/customers').requestBody).toBeUndefined();
  });

  it('shows an example body for every request body, and the example of POST /customers really registers one', async () => {
    for (const { method, path, op } of operations()) {
      if (op.requestBody === undefined) continue;
      expect({
        route: `${method} ${path}`,
        example: typeof (op.requestBody as { content: Record<string, { example?: unknown }> }).content['application/json'].example,
      }).toEqual({
        route: `${method} ${path}`,
        example: 'object',
      });
    }
    const example = (operation('post', '/customers').requestBody as { content: Record<string, { example: unknown }> }).content[
      'application/json'
    ].example;
    const created = await t.request('POST', '/customers', example);
    expect(created.status).toBe(201);
  });
});

/**
 * Property-level agreement between the schemas and the validation pipe, for every DTO a request
 * body uses (nested ones included): the example passes; each documented rule, broken alone,
 * makes the pipe refuse that field; each optional property may be left out; bounds and enum
 * values the schema allows are accepted.
 */
describe('the body schemas agree with the validation pipe', () => {
  const pipe = relataValidationPipe();

  async function verdict(dto: DtoClass, body: unknown): Promise<{ accepted: boolean; fields: string[] }> {
    try {
      await pipe.transform(body, { type: 'body', metatype: dto as new () => object });
      return { accepted: true, fields: [] };
    } catch (error) {
      if (error instanceof ValidationFailedError) return { accepted: false, fields: error.errors.map((entry) => entry.field) };
      throw error;
    }
  }

  function bodyDtos(): Map<string, DtoClass> {
    const found = new Map<string, DtoClass>();
    const visit = (dto: DtoClass): void => {
      if (found.has(dto.name)) return;
      found.set(dto.name, dto);
      for (const property of dtoProperties(dto)) if (property.nested) visit(property.nested);
    };
    for (const handler of routeHandlers(t.app).values()) if (handler.body && isValidatedDto(handler.body)) visit(handler.body);
    return found;
  }

  function example(name: string): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    for (const [property, value] of Object.entries(schema(name).properties ?? {})) {
      const example = '$ref' in value ? example$ref(value.$ref) : value.example;
      if (example !== undefined) body[property] = example;
    }
    return body;
  }
  function example$ref(ref: string): Record<string, unknown> {
    return example(ref.split('/').pop() as string);
  }

  /** Values that break exactly one documented rule of a property (with what it breaks). */
  function violations(property: SchemaObject): [string, unknown][] {
    const out: [string, unknown][] = [];
    if (property.enum) out.push(['enum', typeof property.enum[0] === 'number' ? 987654 : 'zz-not-in-enum']);
    if (property.type === 'string') out.push(['type', 12345]);
    if (property.type === 'integer' || property.type === 'number') out.push(['type', 'abc']);
    if (property.type === 'boolean') out.push(['type', 'yes']);
    if (property.type === 'integer') out.push(['integer', (property.minimum ?? 0) + 0.5]);
    if (property.minimum !== undefined) out.push(['minimum', property.minimum - 1]);
    if (property.maximum !== undefined) out.push(['maximum', property.maximum + 1]);
    if (property.minLength !== undefined && property.minLength > 0) out.push(['minLength', '']);
    if (property.maxLength !== undefined) out.push(['maxLength', 'x'.repeat(property.maxLength + 1)]);
    if (property.pattern !== undefined) {
      const pattern = new RegExp(property.pattern);
      out.push([
        'pattern',
        ['', 'not valid!', '\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9'].find(
          (value) => !pattern.test(value),
        ),
      ]);
    }
    if (property.format !== undefined) out.push(['format', 'not-a-valid-value']);
    if (property.type === 'array') {
      out.push(['type', 'not-an-array']);
      const item = Array.isArray(property.example) ? property.example[0] : undefined;
      if (property.minItems !== undefined && property.minItems > 0) out.push(['minItems', []]);
      if (property.maxItems !== undefined && item !== undefined)
        out.push(['maxItems', Array.from({ length: property.maxItems + 1 }, () => item)]);
      const items = property.items as SchemaObject | undefined;
      if (items?.enum) out.push(['items.enum', ['zz-not-in-enum']]);
    }
    return out;
  }

  function acceptable(property: SchemaObject): [string, unknown][] {
    const out: [string, unknown][] = [];
    if (property.enum) for (const value of property.enum) out.push(['enum', value]);
    if (property.nullable) out.push(['nullable', null]);
    if (property.minimum !== undefined) out.push(['minimum', property.minimum]);
    if (property.maximum !== undefined) out.push(['maximum', property.maximum]);
    if (
      property.maxLength !== undefined &&
      property.pattern === undefined &&
      property.format === undefined &&
      property.enum === undefined
    ) {
      out.push(['maxLength', 'x'.repeat(property.maxLength)]);
    }
    return out;
  }

  it('covers the body DTOs', () => {
    expect(bodyDtos().size).toBeGreaterThan(20);
  });

  it('accepts each example body, refuses each broken rule on that field, accepts what the schema allows', async () => {
    const disagreements: string[] = [];
    for (const [name, dto] of bodyDtos()) {
      const documented = schema(name);
      const base = example(name);
      const baseline = await verdict(dto, base);
      if (!baseline.accepted) disagreements.push(`${name}: the example is refused (${baseline.fields.join(', ')})`);

      const unknown = await verdict(dto, { ...base, unexpectedField: 1 });
      if (unknown.accepted) disagreements.push(`${name}: an unknown property is accepted though additionalProperties is false`);

      for (const [field, value] of Object.entries(documented.properties ?? {})) {
        const required = documented.required?.includes(field) === true;
        const { [field]: _dropped, ...without } = base;
        const dropped = await verdict(dto, without);
        if (dropped.accepted === required)
          disagreements.push(`${name}.${field}: required=${required} but leaving it out is ${dropped.accepted ? 'accepted' : 'refused'}`);
        if ('$ref' in value) continue;

        for (const [rule, bad] of violations(value)) {
          const result = await verdict(dto, { ...base, [field]: bad });
          if (result.accepted || !result.fields.some((entry) => entry === field || entry.startsWith(`${field}.`))) {
            disagreements.push(
              `${name}.${field}: breaking ${rule} with ${JSON.stringify(bad)?.slice(0, 40)} is not refused on the field (${result.fields.join(', ')})`,
            );
          }
        }
        for (const [rule, good] of acceptable(value)) {
          const result = await verdict(dto, { ...base, [field]: good });
          if (!result.accepted)
            disagreements.push(`${name}.${field}: ${rule} value ${JSON.stringify(good)} is refused (${result.fields.join(', ')})`);
        }
      }
    }
    expect(disagreements).toEqual([]);
  });
});

describe('the query parameters agree with the server', () => {
  it('refuses, naming the parameter, a value outside a documented enum or bound', async () => {
    const disagreements: string[] = [];
    let checked = 0;
    for (const { method, path, op } of operations()) {
      if (method !== 'get' || path.includes('{')) continue;
      for (const parameter of parameters(op).filter((entry) => entry.in === 'query')) {
        const documented = (parameter.schema ?? {}) as SchemaObject;
        const bad: string[] = [];
        if (documented.enum && typeof documented.enum[0] === 'string') bad.push('zz-not-in-enum');
        else if (documented.maximum !== undefined) bad.push(String(documented.maximum + 1));
        for (const value of bad) {
          checked++;
          const response = await t.request('GET', `${path}?${parameter.name}=${encodeURIComponent(value)}`);
          const fields = ((response.json.errors ?? []) as { field: string }[]).map((entry) => entry.field);
          if (response.status !== 400 || !fields.includes(parameter.name))
            disagreements.push(`${path}?${parameter.name}=${value}: ${response.status} (${fields.join(', ')})`);
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(disagreements).toEqual([]);
  });
});

describe('the documentation pages', () => {
  it('serves Swagger UI at /docs without credentials, from local assets, with a policy that allows no inline script', async () => {
    const page = await t.request('GET', '/docs', undefined, {}, { auth: false });
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
    const html = String(page.body);
    expect(html).toContain('<div id="swagger-ui">');
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, content] of scripts) {
      expect(attributes).toMatch(/src="\/docs\//);
      expect(content.trim()).toBe('');
    }
    expect(page.headers['content-security-policy']).toBe(DOCS_CONTENT_SECURITY_POLICY);
    expect(DOCS_CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'(;|$)/);

    for (const src of [...html.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((match) => match[1])) {
      const asset = await t.request('GET', src, undefined, {}, { auth: false });
      expect({ src, status: asset.status }).toEqual({ src, status: 200 });
    }
    const init = await t.request('GET', '/docs/docs-init.js', undefined, {}, { auth: false });
    expect(String(init.body)).toContain('/docs/openapi.json');
  });

  it('serves only the UI assets it needs, and leaves the strict policy on the API', async () => {
    expect((await t.request('GET', '/docs/index.html', undefined, {}, { auth: false })).status).toBe(404);
    expect((await t.request('GET', '/docs/package.json', undefined, {}, { auth: false })).status).toBe(404);
    const api = await t.request('GET', '/customers');
    expect(api.status).toBe(200);
    expect(api.headers['content-security-policy']).toBe(SECURITY_HEADERS['Content-Security-Policy']);
  });
});
