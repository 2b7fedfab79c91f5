import { type Principal, type Role } from './roles';

/**
 * THE access table: for every route, as registered (`METHOD /path/:param`), who may call it.
 * The guard (access-guard.ts) enforces it for every request, so controllers hold no access
 * checks. A route that is not here is denied (403 to an authenticated caller, 401 otherwise), and
 * test/access/route-permissions.int.spec.ts fails while a registered route is missing from the table
 * or the table names a route that does not exist: a new route needs a line here.
 *
 * HEAD follows GET. `public` routes take no credentials (health probes, API docs).
 */
export interface RouteRule {
  roles: 'public' | readonly Role[];
  /**
   * The response holds personal data (names, contact details, free text): for principals who see
   * it masked (analysts and auditors without the `pii` grant) the fields in personal-data.ts are
   * replaced by "***" and searching by personal data (`?q=`) is refused.
   */
  personalData?: boolean;
  /** The response cannot be masked (a stream written past the hooks): masked principals are refused instead. */
  unmaskable?: boolean;
  /** Served only by some deployments (e.g. API docs when enabled): the route may be absent. */
  optional?: boolean;
}

const PUBLIC: RouteRule = { roles: 'public' };

const AGENT: readonly Role[] = ['agent', 'supervisor'];
const SUPERVISOR: readonly Role[] = ['supervisor'];
/** Operational reads: agents work with them; analysts read them (masked without pii). */
const READ: readonly Role[] = ['agent', 'supervisor', 'analyst'];
const ANALYTICS_READ: readonly Role[] = ['analyst', 'supervisor'];
const ANALYTICS_RUN: readonly Role[] = ['analyst'];
const ADMIN: readonly Role[] = ['admin'];
const AUDITOR: readonly Role[] = ['auditor'];

const agent: RouteRule = { roles: AGENT };
const supervisor: RouteRule = { roles: SUPERVISOR };
const personalRead: RouteRule = { roles: READ, personalData: true };
const admin: RouteRule = { roles: ADMIN };

export const ROUTE_PERMISSIONS: Readonly<Record<string, RouteRule>> = {
  'GET /health': PUBLIC,
  // Readiness and the Prometheus scrape: probes and scrapers hold no credentials (keep /metrics off the public network).
  'GET /ready': PUBLIC,
  'GET /metrics': PUBLIC,
  'GET /docs': { ...PUBLIC, optional: true },
  'GET /docs/*': { ...PUBLIC, optional: true },
  'GET /docs/openapi.json': { ...PUBLIC, optional: true },
  'GET /docs/docs-init.js': { ...PUBLIC, optional: true },
  // The analyst dashboard's static files: the page holds no data, it calls /analytics with the analyst's key
  'GET /dashboard': PUBLIC,
  'GET /dashboard/:file': PUBLIC,

  // Customers
  'POST /customers': agent,
  'GET /customers': personalRead,
  'GET /customers/:id': personalRead,
  'GET /customers/:id/interactions': personalRead,
  'GET /customers/:id/purchases': personalRead,
  'GET /customers/by-source/:source/:id': personalRead,
  'PUT /customers/by-source/:source/:id': agent,
  'PATCH /customers/:id/contact': agent,
  'POST /customers/:id/convert': agent,
  'POST /customers/:id/interactions': agent,
  'POST /customers/:id/purchases': agent,
  'POST /customers/:id/purchases/:purchaseId/refunds': agent,
  'POST /customers/:id/suggestions': agent,
  'POST /customers/:id/suggestions/:sid/accept': agent,
  'POST /customers/:id/suggestions/:sid/decline': agent,
  'POST /customers/:id/referrals': agent,
  'POST /customers/:id/deactivate': agent,
  'POST /customers/:id/reactivate': agent,
  'POST /customers/:id/forget': admin,
  'POST /customers/:id/owner': agent,
  // Imported records by their id in the source system (ids and dates only)
  'GET /sources/:system/:sourceId': { roles: READ },

  // Complaints: supervisors assign, escalate, close and reopen
  'POST /complaints': agent,
  'GET /complaints': personalRead,
  'GET /complaints/:id': personalRead,
  'POST /complaints/:id/acknowledge': agent,
  'POST /complaints/:id/assign': supervisor,
  'POST /complaints/:id/assess': agent,
  'POST /complaints/:id/grade': agent,
  'POST /complaints/:id/hold': agent,
  'POST /complaints/:id/resume': agent,
  'POST /complaints/:id/escalate': supervisor,
  'POST /complaints/:id/notes': agent,
  'POST /complaints/:id/root-cause': agent,
  'POST /complaints/:id/actions': agent,
  'POST /complaints/:id/actions/:actionId/complete': agent,
  'POST /complaints/:id/progress': agent,
  'POST /complaints/:id/resolve': agent,
  'POST /complaints/:id/communicate': agent,
  'POST /complaints/:id/accept': agent,
  'POST /complaints/:id/reject': agent,
  'POST /complaints/:id/satisfaction': agent,
  'POST /complaints/:id/close': supervisor,
  'POST /complaints/:id/reopen': supervisor,
  'GET /solutions': personalRead,
  'GET /sla-policies/current': { roles: READ },
  'PUT /sla-policies/current': supervisor,

  // Departments: supervisors and admins organise them; webhooks are the admin's
  'POST /departments': { roles: ['supervisor', 'admin'] },
  'GET /departments': { roles: [...READ, 'admin'] },
  'GET /departments/:id': { roles: [...READ, 'admin'] },
  'PATCH /departments/:id': { roles: ['supervisor', 'admin'] },
  'POST /departments/:id/webhooks': admin,
  'GET /departments/:id/webhooks': admin,
  'GET /departments/:id/webhooks/:wid': admin,
  'DELETE /departments/:id/webhooks/:wid': admin,
  'GET /departments/:id/webhooks/:wid/deliveries': admin,

  // Follow-ups: agents own and work them; titles and notes are personal
  'POST /follow-ups': agent,
  'GET /follow-ups': personalRead,
  'GET /follow-ups/overdue': personalRead,
  'GET /follow-ups/summary': { roles: READ },
  'GET /follow-ups/:id': personalRead,
  'POST /follow-ups/:id/reassign': agent,
  'POST /follow-ups/:id/reschedule': agent,
  'POST /follow-ups/:id/complete': agent,
  'POST /follow-ups/:id/cancel': agent,

  // Analytics
  'GET /analytics/customers/:id/value': { roles: ANALYTICS_READ, personalData: true },
  'GET /analytics/lifetime-value': { roles: ANALYTICS_READ, personalData: true },
  'GET /analytics/segments': { roles: ANALYTICS_READ },
  'GET /analytics/value-matrix': { roles: ANALYTICS_READ },
  'GET /analytics/retention': { roles: ANALYTICS_READ },
  'GET /analytics/referrals': { roles: ANALYTICS_READ },
  'GET /analytics/word-of-mouth': { roles: ANALYTICS_READ },
  'POST /analytics/segments/recompute': { roles: ANALYTICS_RUN },
  'GET /analytics/segments/transitions': { roles: ANALYTICS_READ },
  'GET /analytics/segments/history': { roles: ANALYTICS_READ, personalData: true },
  'GET /analytics/segments/:name/members': { roles: ANALYTICS_READ, personalData: true },
  'GET /analytics/complaints': { roles: ANALYTICS_READ },
  'POST /analytics/clv/fit': { roles: ANALYTICS_RUN },
  'GET /analytics/clv/model': { roles: ANALYTICS_READ },
  'GET /analytics/clv/models': { roles: ANALYTICS_READ },
  'GET /analytics/forecast': { roles: ANALYTICS_READ },

  // Campaigns: analysts plan and launch them, supervisors own them; members are customer ids only.
  'POST /campaigns': { roles: ['analyst', 'supervisor'] },
  'GET /campaigns': { roles: ANALYTICS_READ },
  'GET /campaigns/:id': { roles: ANALYTICS_READ },
  'POST /campaigns/:id/launch': { roles: ['analyst', 'supervisor'] },
  'POST /campaigns/:id/close': { roles: ['analyst', 'supervisor'] },
  'GET /campaigns/:id/members': { roles: ANALYTICS_READ },
  'GET /campaigns/:id/results': { roles: ANALYTICS_READ },

  // Audit: read only; events carry personal data, masked for auditors without pii
  'GET /audit/feed': { roles: AUDITOR, personalData: true },
  'GET /audit/feed/stream': { roles: AUDITOR, personalData: true, unmaskable: true },
  'GET /audit/streams/:stream': { roles: AUDITOR, personalData: true },
  'GET /audit/streams/:stream/state': { roles: AUDITOR, personalData: true },
  'GET /audit/correlations/:id': { roles: AUDITOR, personalData: true },
  'GET /audit/rejections': { roles: AUDITOR, personalData: true },
  'GET /audit/verify': { roles: ['auditor', 'admin'] },

  // Several commands in one request: each item is checked against this table as the single call would be.
  'POST /batch': { roles: ['agent', 'supervisor', 'admin'] },

  // Operations
  'GET /projections': admin,
  'POST /projections/:name/rebuild': admin,
  'POST /admin/keys': admin,
  'GET /admin/keys': admin,
  'POST /admin/keys/:id/revoke': admin,
};

/** `METHOD /path` as the table spells it; HEAD is answered by the GET route. */
export function routeKey(method: string, url: string): string {
  const verb = method.toUpperCase();
  return `${verb === 'HEAD' ? 'GET' : verb} ${url}`;
}

export function ruleFor(method: string, url: string): RouteRule | undefined {
  const key = routeKey(method, url);
  return Object.prototype.hasOwnProperty.call(ROUTE_PERMISSIONS, key) ? ROUTE_PERMISSIONS[key] : undefined;
}

export function allows(rule: RouteRule, principal: Principal | null): boolean {
  if (rule.roles === 'public') return true;
  const roles = rule.roles;
  return principal !== null && principal.roles.some((role) => roles.includes(role));
}
