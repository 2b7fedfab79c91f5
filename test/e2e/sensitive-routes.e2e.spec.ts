import { ROLES } from '../../src/access/roles';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The sensitive rows of the access policy, written out by hand: this table is the specification,
 * and it is deliberately NOT derived from src/access/route-permissions.ts (the code under test).
 * A change to who may create keys, forget a customer, read the audit trail, rebuild projections or
 * publish SLA policies must be made here as well, on purpose.
 */
type Role = 'agent' | 'supervisor' | 'analyst' | 'auditor' | 'admin';
const EVERY_ROLE: readonly Role[] = ['agent', 'supervisor', 'analyst', 'auditor', 'admin'];

interface SensitiveRow {
  what: string;
  /** The roles that may do it; every other role gets 403 FORBIDDEN. */
  allowed: readonly Role[];
  /** A request that succeeds (2xx) for an allowed caller; prepared afresh for every attempt. */
  request(t: TestApp): Promise<{ method: string; url: string; body?: unknown }>;
}

const registerCustomer = async (t: TestApp): Promise<{ id: string; position: string }> => {
  const created = await t.request('POST', '/customers', {
    name: 'Ana Lima',
    email: `ana.${(await t.eventCount()) + 1}@example.com`,
    kind: 'customer',
  });
  return { id: created.json.id as string, position: created.json.position as string };
};
const newCustomer = async (t: TestApp): Promise<string> => (await registerCustomer(t)).id;

const SLA_POLICY = {
  resolutionHours: { critical: 8, high: 12, medium: 24, low: 48 },
  firstResponseHours: { critical: 1, high: 2, medium: 4, low: 8 },
  warningShare: 0.5,
  clockStartsAt: 'receipt',
};

const SENSITIVE: readonly SensitiveRow[] = [
  {
    what: 'create an API key',
    allowed: ['admin'],
    request: async () => ({ method: 'POST', url: '/admin/keys', body: { name: 'integration', roles: ['agent'] } }),
  },
  { what: 'list API keys', allowed: ['admin'], request: async () => ({ method: 'GET', url: '/admin/keys' }) },
  {
    what: 'revoke an API key',
    allowed: ['admin'],
    request: async (t) => ({ method: 'POST', url: `/admin/keys/${(await t.createKey(['agent'])).id}/revoke` }),
  },
  {
    what: 'forget a customer',
    allowed: ['admin'],
    request: async (t) => ({ method: 'POST', url: `/customers/${await newCustomer(t)}/forget` }),
  },
  { what: 'read the audit feed', allowed: ['auditor'], request: async () => ({ method: 'GET', url: '/audit/feed' }) },
  {
    what: "read a stream's audit trail",
    allowed: ['auditor'],
    request: async (t) => ({ method: 'GET', url: `/audit/streams/customer-${await newCustomer(t)}` }),
  },
  { what: 'read the rejection log', allowed: ['auditor'], request: async () => ({ method: 'GET', url: '/audit/rejections' }) },
  { what: 'verify the hash chains', allowed: ['auditor', 'admin'], request: async () => ({ method: 'GET', url: '/audit/verify' }) },
  { what: 'read the projections', allowed: ['admin'], request: async () => ({ method: 'GET', url: '/projections' }) },
  {
    what: 'rebuild a projection',
    allowed: ['admin'],
    request: async () => ({ method: 'POST', url: '/projections/customer-profile/rebuild' }),
  },
  {
    what: 'publish an SLA policy',
    allowed: ['supervisor'],
    request: async () => ({ method: 'PUT', url: '/sla-policies/current', body: SLA_POLICY }),
  },
];

describe('the sensitive rows of the access policy, for every role', () => {
  let t: TestApp;
  const keys = {} as Record<Role, string>;

  beforeAll(async () => {
    t = await startTestApp();
    for (const role of EVERY_ROLE) keys[role] = (await t.createKey([role])).key;
  });
  afterAll(async () => {
    await t.close();
  });

  it('knows every role the application has (a new role needs its column here)', () => {
    expect([...ROLES].sort()).toEqual([...EVERY_ROLE].sort());
  });

  describe.each(SENSITIVE.map((row) => [row.what, row] as const))('%s', (_what, row) => {
    it.each(EVERY_ROLE.map((role) => [role, row.allowed.includes(role)] as const))(
      'as %s (allowed: %s), by API key and by JWT',
      async (role, allowed) => {
        for (const credential of [keys[role], t.jwt({ sub: `user-${role}`, roles: [role] })]) {
          const { method, url, body } = await row.request(t);
          const before = await t.eventCount();
          const response = await t.request(method, url, body, {}, { auth: credential });
          if (allowed) {
            expect(response.status).toBeGreaterThanOrEqual(200);
            expect(response.status).toBeLessThan(300);
          } else {
            expect({ status: response.status, code: response.json.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
            expect(await t.eventCount()).toBe(before);
          }
        }
      },
    );
  });

  it("shows a customer's name in clear only to agents, supervisors and holders of the pii grant", async () => {
    const { id, position } = await registerCustomer(t);
    const nameSeenBy = async (credential: string) => {
      const response = await t.request('GET', `/customers/${id}?minPosition=${position}`, undefined, {}, { auth: credential });
      return response.status === 200 ? response.json.name : response.status;
    };
    const seen: Record<string, unknown> = {};
    for (const role of EVERY_ROLE) seen[role] = await nameSeenBy(keys[role]);
    seen['analyst with pii'] = await nameSeenBy((await t.createKey(['analyst'], { pii: true })).key);
    expect(seen).toEqual({
      agent: 'Ana Lima',
      supervisor: 'Ana Lima',
      analyst: '***',
      auditor: 403,
      admin: 403,
      'analyst with pii': 'Ana Lima',
    });
  });
});
