import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROLES, type Role, seesMaskedPersonalData } from '../../src/access/roles';
import { ROUTE_PERMISSIONS } from '../../src/access/route-permissions';
import { RouteRegistry } from '../../src/access/route-registry';
import { loadConfig } from '../../src/config/config';
import { createHttpApp } from '../../src/http-app';
import { API_KEY_PATTERN, hashApiKey } from '../../src/access/api-key-format';
import { signHs256 } from '../support/jwt';
import { startTestApp, TEST_ADMIN_KEY, TEST_SUBJECT, type TestApp } from '../support/test-app';
import { expectProblem } from '../support/http-spec';

const SOME_ID = '00000000-0000-4000-8000-00000000dead';

/** A path of the route with every parameter filled, and a query that keeps allowed calls harmless. */
function requestFor(route: string): { method: string; url: string; body: unknown } {
  const [method, pattern] = route.split(' ');
  // Static files are served by name: ask for one that exists.
  const staticFile: Record<string, string> = { 'GET /dashboard/:file': '/dashboard/dashboard.js', 'GET /docs/*': '/docs/swagger-ui.css' };
  let url = staticFile[route] ?? pattern.replace(/:[A-Za-z]+/g, SOME_ID).replace(/\*$/, 'index.html');
  // The live feed would stay open when allowed: a bad position makes it a 400 once authorised.
  if (route === 'GET /audit/feed/stream') url += '?fromPosition=not-a-position';
  return { method, url, body: ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined };
}

describe('access control over HTTP', () => {
  describe('every route with every role and every kind of bad credentials, as the access table says', () => {
    let t: TestApp;
    const keys = {} as Record<Role, string>;
    const jwts = {} as Record<Role, string>;
    const bad: Record<string, { headers: Record<string, string>; auth?: false }> = {};
    let routes: string[];

    beforeAll(async () => {
      t = await startTestApp({ consistencyTimeoutMs: 100 });
      for (const role of ROLES) {
        keys[role] = (await t.createKey([role])).key;
        jwts[role] = t.jwt({ sub: `user-${role}`, roles: [role] });
      }
      const expiring = await t.createKey(['admin', 'agent', 'supervisor', 'analyst', 'auditor'], { expiresAt: '2026-03-10T13:00:00.000Z' });
      const revoked = await t.createKey(['admin', 'agent', 'supervisor', 'analyst', 'auditor']);
      expect((await t.request('POST', `/admin/keys/${revoked.id}/revoke`, undefined, {}, { auth: TEST_ADMIN_KEY })).status).toBe(200);
      t.clock.advance(2 * 3600_000);
      const allRoles = [...ROLES, 'pii'];
      bad.anonymous = { headers: {}, auth: false };
      bad['malformed header'] = { headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } };
      bad['empty bearer'] = { headers: { authorization: 'Bearer ' } };
      bad['malformed API key'] = { headers: { authorization: 'Bearer rk_short_secret' } };
      bad['unknown API key'] = { headers: { authorization: `Bearer ${TEST_ADMIN_KEY.slice(0, -4)}AAAA` } };
      bad['expired API key'] = { headers: { authorization: `Bearer ${expiring.key}` } };
      bad['revoked API key'] = { headers: { authorization: `Bearer ${revoked.key}` } };
      bad['JWT with a bad signature'] = {
        headers: {
          authorization: `Bearer ${signHs256({ sub: 'mallory', roles: allRoles, exp: 4102444800 }, 'not-the-secret-not-the-secret-not-the-secret')}`,
        },
      };
      bad['expired JWT'] = {
        headers: { authorization: `Bearer ${t.jwt({ sub: 'late', roles: allRoles, exp: Date.parse('2026-03-10T12:00:00.000Z') / 1000 })}` },
      };
      routes = t.app.get(RouteRegistry).routes();
    });
    afterAll(async () => {
      await t.close();
    });

    it('allows exactly the roles the table lists, by API key and by JWT', async () => {
      const mismatches: string[] = [];
      for (const route of routes) {
        // A route missing from the table is denied to every role (route-permissions.int.spec.ts reports it).
        const rule = ROUTE_PERMISSIONS[route] ?? { roles: [] };
        const { method, url, body } = requestFor(route);
        for (const role of ROLES) {
          // Streams that cannot be masked are refused to those who would see personal data masked.
          const maskedOut = rule.unmaskable === true && seesMaskedPersonalData({ subject: role, roles: [role], pii: false, via: 'jwt' });
          const allowed = rule.roles === 'public' || (rule.roles.includes(role) && !maskedOut);
          for (const [via, credential] of [
            ['key', keys[role]],
            ['jwt', jwts[role]],
          ] as const) {
            const response = await t.request(method, url, body, {}, { auth: credential });
            const ok = allowed
              ? response.status !== 401 && response.status !== 403 && response.status < 500
              : response.status === 403 && response.json.code === 'FORBIDDEN';
            if (!ok) mismatches.push(`${route} as ${role} (${via}): ${response.status} ${response.json.code ?? ''}`);
          }
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('answers 401 to missing, malformed, unknown, expired and revoked credentials on every protected route', async () => {
      const mismatches: string[] = [];
      for (const route of routes) {
        const rule = ROUTE_PERMISSIONS[route] ?? { roles: [] };
        const { method, url, body } = requestFor(route);
        for (const [what, { headers, auth }] of Object.entries(bad)) {
          const response = await t.request(method, url, body, headers, { auth });
          const ok =
            rule.roles === 'public'
              ? response.status === 200
              : response.status === 401 &&
                response.json.code === 'UNAUTHENTICATED' &&
                String(response.headers['www-authenticate']).startsWith('Bearer');
          if (!ok) mismatches.push(`${route} with ${what}: ${response.status} ${response.json.code ?? ''}`);
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('lets auditors with the pii grant open the live feed, which cannot be masked', async () => {
      const { method, url } = requestFor('GET /audit/feed/stream');
      const withPii = await t.createKey(['auditor'], { pii: true });
      expectProblem(await t.request(method, url, undefined, {}, { auth: withPii.key }), 400, 'VALIDATION_FAILED');
      expectProblem(await t.request(method, url, undefined, {}, { auth: keys.auditor }), 403, 'FORBIDDEN');
    });

    it('says why credentials were refused', async () => {
      const detail = async (what: string) => {
        const { headers, auth } = bad[what];
        return (await t.request('GET', '/customers', undefined, headers, { auth })).json.detail as string;
      };
      expect(await detail('anonymous')).toMatch(/required/);
      expect(await detail('malformed header')).toMatch(/malformed/);
      expect(await detail('expired API key')).toMatch(/expired/);
      expect(await detail('revoked API key')).toMatch(/revoked/);
      expect(await detail('JWT with a bad signature')).toMatch(/signature/);
      expect(await detail('expired JWT')).toMatch(/expired/);
    });

    it('unknown URLs: 401 without credentials (nothing revealed), 404 with them', async () => {
      expectProblem(await t.request('GET', '/no-such-thing', undefined, {}, { auth: false }), 401, 'UNAUTHENTICATED');
      expectProblem(await t.request('GET', '/no-such-thing', undefined, {}, { auth: keys.agent }), 404, 'ROUTE_NOT_FOUND');
    });
  });

  describe('API keys', () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await startTestApp();
    });
    afterEach(async () => {
      await t.close();
    });

    const admin = { auth: TEST_ADMIN_KEY } as const;

    it('creates a key shown once, lists keys without secrets, records both as events, and the key acts as key:<id>', async () => {
      t.clock.advance(1000);
      const created = await t.request(
        'POST',
        '/admin/keys',
        { name: 'CRM integration', roles: ['agent'], expiresAt: '2027-01-01T00:00:00Z' },
        {},
        admin,
      );
      expect(created.status).toBe(201);
      expect(created.headers['cache-control']).toBe('no-store');
      const { id, key, prefix } = created.json;
      expect(key).toMatch(API_KEY_PATTERN);
      expect(key.startsWith(`rk_${prefix}_`)).toBe(true);
      expect(created.json).toMatchObject({
        name: 'CRM integration',
        roles: ['agent'],
        pii: false,
        status: 'active',
        expiresAt: '2027-01-01T00:00:00.000Z',
        revokedAt: null,
      });
      expect(created.json.createdBy).toMatch(/^key:/);

      const list = await t.request('GET', '/admin/keys', undefined, {}, admin);
      expect(list.status).toBe(200);
      expect(list.json.items).toEqual([
        expect.objectContaining({ name: 'bootstrap admin', roles: ['admin'], status: 'active', createdBy: 'system:bootstrap' }),
        expect.objectContaining({ id, prefix, name: 'CRM integration' }),
      ]);
      const secret = key.slice(12);
      const events = JSON.stringify(await t.eventStore.readAll(), (_, value: unknown) =>
        typeof value === 'bigint' ? value.toString() : value,
      );
      for (const text of [JSON.stringify(list.json), events]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(hashApiKey(key));
      }
      const [event] = await t.eventStore.readStream(`access-key-${id}`);
      expect(event).toMatchObject({
        type: 'AccessKeyCreated',
        data: { keyId: id, prefix, name: 'CRM integration', roles: ['agent'], pii: false, expiresAt: '2027-01-01T00:00:00.000Z' },
      });
      expect(event.metadata.actor).toBe(created.json.createdBy);

      const customer = await t.request(
        'POST',
        '/customers',
        { name: 'Ana Lima', kind: 'prospect', acquisitionChannel: 'web' },
        {},
        { auth: key },
      );
      expect(customer.status).toBe(201);
      const [registered] = await t.eventStore.readStream(`customer-${customer.json.id}`);
      expect(registered.metadata.actor).toBe(`key:${id}`);
    });

    it('revokes a key at once, idempotently, with one event; unknown ids are 404', async () => {
      const { id, key } = await t.createKey(['agent']);
      expect((await t.request('GET', '/customers', undefined, {}, { auth: key })).status).toBe(200);
      const revoked = await t.request('POST', `/admin/keys/${id}/revoke`, undefined, {}, admin);
      expect(revoked.status).toBe(200);
      expect(revoked.json).toMatchObject({
        id,
        status: 'revoked',
        revokedAt: '2026-03-10T12:00:00.000Z',
        revokedBy: expect.stringMatching(/^key:/),
      });
      expectProblem(await t.request('GET', '/customers', undefined, {}, { auth: key }), 401, 'UNAUTHENTICATED');
      const before = await t.eventCount();
      expect((await t.request('POST', `/admin/keys/${id}/revoke`, undefined, {}, admin)).json).toMatchObject({
        status: 'revoked',
        revokedAt: '2026-03-10T12:00:00.000Z',
      });
      expect(await t.eventCount()).toBe(before);
      expect((await t.eventStore.readStream(`access-key-${id}`)).map((e) => e.type)).toEqual(['AccessKeyCreated', 'AccessKeyRevoked']);
      expectProblem(await t.request('POST', `/admin/keys/${SOME_ID}/revoke`, undefined, {}, admin), 404, 'ACCESS_KEY_NOT_FOUND');
      expectProblem(await t.request('POST', '/admin/keys/not-a-uuid/revoke', undefined, {}, admin), 400, 'VALIDATION_FAILED');
    });

    it('keys expire at expiresAt', async () => {
      const { id, key } = await t.createKey(['agent'], { expiresAt: '2026-03-10T13:00:00.000Z' });
      expect((await t.request('GET', '/customers', undefined, {}, { auth: key })).status).toBe(200);
      t.clock.set('2026-03-10T13:00:00.000Z');
      expectProblem(await t.request('GET', '/customers', undefined, {}, { auth: key }), 401, 'UNAUTHENTICATED');
      const list = await t.request('GET', '/admin/keys', undefined, {}, admin);
      expect(list.json.items.find((k: { id: string }) => k.id === id).status).toBe('expired');
    });

    it('refuses bad key requests with every bad field listed, appending nothing', async () => {
      const before = await t.eventCount();
      const refused = async (body: unknown, fields: string[]) => {
        const response = await t.request('POST', '/admin/keys', body, {}, admin);
        expectProblem(response, 400, 'VALIDATION_FAILED');
        expect(response.json.errors.map((e: { field: string }) => e.field).sort()).toEqual(fields);
      };
      await refused({}, ['name', 'roles']);
      await refused({ name: 'x', roles: [] }, ['roles']);
      await refused({ name: 'x', roles: ['root'] }, ['roles']);
      await refused({ name: 'x', roles: ['agent', 'agent'] }, ['roles']);
      await refused({ name: 'x', roles: ['agent'], pii: 'yes', expiresAt: 'tomorrow' }, ['expiresAt', 'pii']);
      await refused({ name: 'x', roles: ['agent'], expiresAt: '2026-03-10T11:00:00Z' }, ['expiresAt']);
      await refused({ name: 'x', roles: ['agent'], key: 'rk_mine' }, ['key']);
      expect(await t.eventCount()).toBe(before);
    });

    it('keeps one active admin key: the last one cannot be revoked', async () => {
      const [bootstrap] = (await t.request('GET', '/admin/keys', undefined, {}, admin)).json.items;
      const before = await t.eventCount();
      expectProblem(await t.request('POST', `/admin/keys/${bootstrap.id}/revoke`, undefined, {}, admin), 422, 'LAST_ADMIN_KEY');
      expect(await t.eventCount()).toBe(before);
      const other = await t.createKey(['admin']);
      expect((await t.request('POST', `/admin/keys/${bootstrap.id}/revoke`, undefined, {}, { auth: other.key })).status).toBe(200);
      expectProblem(await t.request('GET', '/admin/keys', undefined, {}, admin), 401, 'UNAUTHENTICATED');
    });

    it('records the JWT subject as the actor of every event', async () => {
      const token = t.jwt({ sub: 'ana@idp', roles: ['supervisor'] });
      const customer = await t.request('POST', '/customers', { name: 'Bruno Reis', kind: 'customer' }, {}, { auth: token });
      expect(customer.status).toBe(201);
      expect((await t.eventStore.readStream(`customer-${customer.json.id}`))[0].metadata.actor).toBe('ana@idp');
      // The default test principal (what the other e2e tests use).
      const other = await t.request('POST', '/customers', { name: 'Carla Dias', kind: 'customer' });
      expect((await t.eventStore.readStream(`customer-${other.json.id}`))[0].metadata.actor).toBe(TEST_SUBJECT);
    });
  });

  describe('personal data for analysts', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(async () => {
      await t.close();
    });

    it('masks names and contact details unless the analyst holds pii; refuses searching by them', async () => {
      const created = await t.request('POST', '/customers', {
        name: 'Ana Lima',
        email: 'ana@example.com',
        phone: '+351 910 000 000',
        kind: 'prospect',
        acquisitionChannel: 'web',
      });
      const id = created.json.id as string;
      const url = `/customers/${id}?minPosition=${created.json.position}`;
      const analyst = await t.createKey(['analyst']);
      const trusted = await t.createKey(['analyst'], { pii: true });
      const auditorWithAgent = await t.createKey(['agent', 'auditor']);

      const masked = await t.request('GET', url, undefined, {}, { auth: analyst.key });
      expect(masked.status).toBe(200);
      expect(masked.json).toMatchObject({
        id,
        name: '***',
        email: '***',
        phone: '***',
        company: null,
        status: 'prospect',
        acquisitionChannel: 'web',
      });
      const list = await t.request('GET', '/customers', undefined, {}, { auth: analyst.key });
      expect(list.json.items).toEqual([expect.objectContaining({ id, name: '***' })]);
      expectProblem(await t.request('GET', '/customers?q=lima', undefined, {}, { auth: analyst.key }), 403, 'FORBIDDEN');

      for (const key of [trusted.key, auditorWithAgent.key]) {
        expect((await t.request('GET', url, undefined, {}, { auth: key })).json).toMatchObject({
          name: 'Ana Lima',
          email: 'ana@example.com',
        });
      }
      expect((await t.request('GET', '/customers?q=lima', undefined, {}, { auth: trusted.key })).json.items).toHaveLength(1);
      // JWTs grant it with "pii" among the roles.
      expect((await t.request('GET', url, undefined, {}, { auth: t.jwt({ sub: 'eve', roles: ['analyst', 'pii'] }) })).json.name).toBe(
        'Ana Lima',
      );
      expect((await t.request('GET', url, undefined, {}, { auth: t.jwt({ sub: 'eve', roles: ['analyst'] }) })).json.name).toBe('***');
    });

    it('masks the personal columns of CSV exports', async () => {
      const created = await t.request('POST', '/customers', { name: 'Bruno Reis', kind: 'customer' });
      const purchase = await t.request('POST', `/customers/${created.json.id}/purchases`, {
        lines: [{ product: 'CD', quantity: 1, amount: 10 }],
        margin: 2,
      });
      const analyst = await t.createKey(['analyst']);
      const url = `/analytics/lifetime-value?minPosition=${purchase.json.position}`;
      const csv = await t.request('GET', url, undefined, { accept: 'text/csv' }, { auth: analyst.key });
      expect(csv.status).toBe(200);
      const text = String(csv.body);
      const [header, ...rows] = text.trim().split('\r\n');
      const nameColumn = header.split(',').indexOf('name');
      expect(nameColumn).toBeGreaterThanOrEqual(0);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.split(',')[nameColumn]).toBe('***');
      expect(text).not.toContain('Bruno');
      const clear = await t.request('GET', url, undefined, { accept: 'text/csv' }, { auth: t.jwt({ sub: 'boss', roles: ['supervisor'] }) });
      expect(String(clear.body)).toContain('Bruno Reis');
    });
  });

  describe('HTTP hardening', () => {
    it('sends the security headers on every answer, and no-store on authenticated ones', async () => {
      const t = await startTestApp();
      try {
        const answers = {
          authenticated: await t.request('GET', '/customers'),
          refused: await t.request('GET', '/customers', undefined, {}, { auth: false }),
          forbidden: await t.request('GET', '/admin/keys', undefined, {}, { auth: t.jwt({ sub: 'a', roles: ['agent'] }) }),
          missing: await t.request('GET', '/nope'),
          public: await t.request('GET', '/health', undefined, {}, { auth: false }),
        };
        for (const [what, response] of Object.entries(answers)) {
          expect({ what, headers: response.headers }).toMatchObject({
            what,
            headers: {
              'x-content-type-options': 'nosniff',
              'x-frame-options': 'DENY',
              'referrer-policy': 'no-referrer',
              'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
            },
          });
        }
        expect(answers.authenticated.headers['cache-control']).toBe('no-store');
        expect(answers.forbidden.headers['cache-control']).toBe('no-store');
        expect(answers.public.headers['cache-control']).toBeUndefined();
        expect(answers.public.status).toBe(200);
      } finally {
        await t.close();
      }
    });

    it('refuses bodies over RELATA_BODY_LIMIT_BYTES with 413, and anonymous ones before reading them', async () => {
      const t = await startTestApp({ bodyLimitBytes: 2048 });
      try {
        const before = await t.eventCount();
        const big = { name: 'x'.repeat(3000), kind: 'prospect' };
        expectProblem(await t.request('POST', '/customers', big), 413, 'PAYLOAD_TOO_LARGE');
        expectProblem(await t.request('POST', '/customers', big, {}, { auth: false }), 401, 'UNAUTHENTICATED');
        expect(await t.eventCount()).toBe(before);
        expect((await t.request('POST', '/customers', { name: 'Ana', kind: 'prospect' })).status).toBe(201);
      } finally {
        await t.close();
      }
    });

    it('limits each caller to RELATA_RATE_LIMIT_PER_MINUTE with 429 and Retry-After', async () => {
      const t = await startTestApp({ rateLimitPerMinute: 3 });
      try {
        const agent = t.jwt({ sub: 'busy', roles: ['agent'] });
        for (let i = 0; i < 3; i++) expect((await t.request('GET', '/customers', undefined, {}, { auth: agent })).status).toBe(200);
        const limited = await t.request('GET', '/customers', undefined, {}, { auth: agent });
        expectProblem(limited, 429, 'RATE_LIMITED');
        expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        // Per caller: another subject has its own allowance; public routes are not limited.
        expect((await t.request('GET', '/customers', undefined, {}, { auth: t.jwt({ sub: 'calm', roles: ['agent'] }) })).status).toBe(200);
        for (let i = 0; i < 5; i++) expect((await t.request('GET', '/health', undefined, {}, { auth: false })).status).toBe(200);
      } finally {
        await t.close();
      }
    });
  });

  describe('the admin key on a first start', () => {
    let dataDir: string;
    beforeEach(() => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-bootstrap-'));
    });
    afterEach(() => {
      jest.restoreAllMocks();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('without RELATA_BOOTSTRAP_ADMIN_KEY, generates one and prints it once; later starts print nothing', async () => {
      const printed: string[] = [];
      jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
      const first = await startTestApp({ bootstrapAdminKey: null }, { dataDir });
      const key = /rk_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}/.exec(printed.join('\n'))?.[0];
      try {
        expect(printed).toHaveLength(1);
        expect(key).toBeDefined();
        const list = await first.request('GET', '/admin/keys', undefined, {}, { auth: key });
        expect(list.status).toBe(200);
        expect(list.json.items).toEqual([expect.objectContaining({ roles: ['admin'], createdBy: 'system:bootstrap' })]);
      } finally {
        await first.close();
      }
      const second = await startTestApp({ bootstrapAdminKey: null }, { dataDir, clock: first.clock });
      try {
        expect(printed).toHaveLength(1);
        expect((await second.request('GET', '/admin/keys', undefined, {}, { auth: key })).status).toBe(200);
      } finally {
        await second.close();
      }
    });

    it('RELATA_BOOTSTRAP_ADMIN_KEY is stored silently, and ignored once keys exist', async () => {
      const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
      const first = await startTestApp({}, { dataDir });
      await first.close();
      const other = 'rk_Other123_abcdefghijklmnopqrstuvwxyzABCDEF';
      const second = await startTestApp({ bootstrapAdminKey: other }, { dataDir, clock: first.clock });
      try {
        expect(log).not.toHaveBeenCalled();
        expect((await second.request('GET', '/admin/keys', undefined, {}, { auth: TEST_ADMIN_KEY })).status).toBe(200);
        expectProblem(await second.request('GET', '/admin/keys', undefined, {}, { auth: other }), 401, 'UNAUTHENTICATED');
      } finally {
        await second.close();
      }
    });
  });

  it('denies a route missing from the access table, even one registered past Nest', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-unlisted-'));
    const config = {
      ...loadConfig({ RELATA_DATA_DIR: dataDir, RELATA_SLA_SCHEDULER: 'off', RELATA_WEBHOOKS: 'off', LOG_LEVEL: 'silent' }),
      bootstrapAdminKey: TEST_ADMIN_KEY,
    };
    const app = await createHttpApp({ config, logger: false });
    try {
      app
        .getHttpAdapter()
        .getInstance()
        .get('/unlisted', async () => ({ secret: 'data' }));
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      const asAdmin = await app.inject({ method: 'GET', url: '/unlisted', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
      expect({ status: asAdmin.statusCode, body: asAdmin.json() }).toMatchObject({
        status: 403,
        body: { code: 'FORBIDDEN', detail: expect.stringContaining('no access rule') },
      });
      expect((await app.inject({ method: 'GET', url: '/unlisted' })).statusCode).toBe(401);
    } finally {
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
