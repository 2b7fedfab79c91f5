import { ROLES } from '../../src/access/roles';
import { allows, ROUTE_PERMISSIONS, routeKey, ruleFor } from '../../src/access/route-permissions';
import { RouteRegistry } from '../../src/access/route-registry';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The access table against the routes the application really registers: a new route without a
 * line in src/access/route-permissions.ts fails here (and is denied to everyone meanwhile).
 */
describe('the access table covers every route', () => {
  let t: TestApp;
  let registered: string[];
  beforeAll(async () => {
    t = await startTestApp();
    registered = t.app.get(RouteRegistry).routes();
  });
  afterAll(async () => {
    await t.close();
  });

  it('has a rule for every registered route', () => {
    expect(registered.length).toBeGreaterThan(50);
    expect(registered.filter((route) => !(route in ROUTE_PERMISSIONS))).toEqual([]);
  });

  it('names no route that does not exist (but the optional ones)', () => {
    const stale = Object.entries(ROUTE_PERMISSIONS)
      .filter(([route, rule]) => !rule.optional && !registered.includes(route))
      .map(([route]) => route);
    expect(stale).toEqual([]);
  });

  it('lists only known roles, leaves only /health, /ready, /metrics and /docs public, and gives every protected route a role', () => {
    for (const [route, rule] of Object.entries(ROUTE_PERMISSIONS)) {
      if (rule.roles === 'public') {
        expect(route).toMatch(/^GET \/(health|ready|metrics|docs|dashboard)(\/|$)/);
        continue;
      }
      expect(rule.roles.length).toBeGreaterThan(0);
      for (const role of rule.roles) expect(ROLES).toContain(role);
    }
  });

  it('answers HEAD with the GET rule; a route missing from the table allows no one', () => {
    expect(routeKey('head', '/customers')).toBe('GET /customers');
    expect(ruleFor('HEAD', '/customers')).toBe(ROUTE_PERMISSIONS['GET /customers']);
    expect(ruleFor('GET', '/nowhere')).toBeUndefined();
    expect(allows({ roles: ['agent'] }, null)).toBe(false);
    expect(allows({ roles: ['agent'] }, { subject: 's', roles: ['analyst', 'agent'], pii: false, via: 'jwt' })).toBe(true);
    expect(allows({ roles: ['agent'] }, { subject: 's', roles: ['analyst'], pii: false, via: 'jwt' })).toBe(false);
  });
});

describe('allows', () => {
  const principal = (roles: ('agent' | 'admin')[]) => ({ subject: 's', roles, pii: false, via: 'jwt' as const });
  it('lets anyone, even without credentials, through a public rule', () => {
    expect(allows({ roles: 'public' }, null)).toBe(true);
    expect(allows({ roles: 'public' }, principal([]))).toBe(true);
  });
  it('lets through a principal holding one of the listed roles, and no one else', () => {
    expect(allows({ roles: ['admin'] }, principal(['agent', 'admin']))).toBe(true);
    expect(allows({ roles: ['admin'] }, principal(['agent']))).toBe(false);
    expect(allows({ roles: ['admin'] }, null)).toBe(false);
  });
});
