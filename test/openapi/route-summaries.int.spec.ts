import type { OpenAPIObject, OperationObject } from '@nestjs/swagger';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The document as a user reads it in Swagger UI: sections in the order a user meets them, and
 * every route saying what it does in the caller's words, every command body with an example.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

let t: TestApp;
let doc: OpenAPIObject;

beforeAll(async () => {
  t = await startTestApp();
  doc = (await t.request('GET', '/docs/openapi.json', undefined, {}, { auth: false })).json as OpenAPIObject;
});

afterAll(async () => {
  await t.close();
});

function operations(): { route: string; op: OperationObject }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ route: `${method.toUpperCase()} ${path}`, op: item[method] as OperationObject }] : [])),
  );
}

/** The summary the generator falls back to: the handler's method name, bare verbs suffixed with the controller, or the route itself. */
function looksGeneric(route: string, summary: string): boolean {
  return summary === route || /\((Access keys|[A-Z][a-z]+( [a-z]+)*)\)$/.test(summary) || /^[A-Z][a-z]+$/.test(summary);
}

describe('OpenAPI sections and summaries', () => {
  it('lists the sections in the order a user meets them, each described', () => {
    expect(doc.tags?.map((tag) => tag.name)).toEqual([
      'Customers',
      'Complaints',
      'Departments',
      'Analytics',
      'Audit',
      'Admin',
      'Operations',
    ]);
    for (const tag of doc.tags ?? []) expect(tag.description).toEqual(expect.any(String));
  });

  it('files every route under one of those sections, by what it acts on', () => {
    const sections = new Set(doc.tags?.map((tag) => tag.name));
    for (const { route, op } of operations())
      expect({ route, tags: op.tags?.filter((tag) => sections.has(tag)).length }).toEqual({ route, tags: 1 });
    const tagOf = (route: string) => operations().find((o) => o.route === route)?.op.tags?.[0];
    expect(tagOf('POST /customers')).toBe('Customers');
    expect(tagOf('GET /solutions')).toBe('Complaints');
    expect(tagOf('PUT /sla-policies/current')).toBe('Complaints');
    expect(tagOf('POST /departments/{id}/webhooks')).toBe('Departments');
    expect(tagOf('GET /analytics/complaints')).toBe('Analytics');
    expect(tagOf('GET /audit/feed')).toBe('Audit');
    expect(tagOf('POST /admin/keys')).toBe('Admin');
    expect(tagOf('GET /ready')).toBe('Operations');
  });

  it('gives every route a summary of its own and a description, no generic "Create (Access keys)"', () => {
    const generic: string[] = [];
    const summaries = new Map<string, string>();
    for (const { route, op } of operations()) {
      const summary = op.summary ?? '';
      if (looksGeneric(route, summary)) generic.push(`${route}: "${summary}"`);
      // The description opens with what the route does, before the generated notes on roles.
      if (!op.description || /^(Roles:|Public:|Not in the access table)/.test(op.description)) generic.push(`${route}: no description`);
      const twin = summaries.get(summary);
      if (twin !== undefined) generic.push(`${route}: same summary as ${twin}`);
      summaries.set(summary, route);
    }
    expect(generic).toEqual([]);
    expect(operations().find((o) => o.route === 'POST /admin/keys')?.op.summary).toBe('Create an API key');
  });

  it('shows an example for every command body', () => {
    const missing = operations()
      .filter(({ op }) => op.requestBody !== undefined)
      .filter(
        ({ op }) =>
          (op.requestBody as { content?: Record<string, { example?: unknown }> }).content?.['application/json']?.example === undefined,
      )
      .map(({ route }) => route);
    expect(missing).toEqual([]);
    expect(operations().filter(({ op }) => op.requestBody !== undefined).length).toBeGreaterThan(30);
  });
});
