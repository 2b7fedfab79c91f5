/**
 * Who may do what is decided per route in route-permissions.ts; these are the role names it uses.
 * - agent: customer and complaint commands, operational reads;
 * - supervisor: what agents do, plus assign, escalate, close, reopen, SLA policies, departments;
 * - analyst: analytics reads and exports, operational reads with personal data masked (unless `pii`);
 * - auditor: the audit routes, read only;
 * - admin: API keys, webhooks, projection rebuilds, forgetting a customer.
 * A principal may hold several roles; nothing is implied between them except what the table lists.
 */
export const ROLES = ['agent', 'supervisor', 'analyst', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The grant that lifts personal-data masking; a flag on API keys, a value of the roles claim in JWTs. */
export const PII_GRANT = 'pii';

/** The authenticated caller of one request. */
export interface Principal {
  /** Recorded as the actor of every event the request causes: `key:<keyId>` or the JWT's `sub`. */
  subject: string;
  roles: readonly Role[];
  /** Whether personal data is shown unmasked to an analyst or auditor. */
  pii: boolean;
  via: 'api-key' | 'jwt';
  /** The API key's id (via api-key). */
  keyId?: string;
}

/** Roles that work with customers' personal data anyway: they always see it. */
const UNMASKED_ROLES: readonly Role[] = ['agent', 'supervisor', 'admin'];

/** Personal data is masked for principals without the pii grant and without an operational role. */
export function seesMaskedPersonalData(principal: Principal): boolean {
  return !principal.pii && !principal.roles.some((role) => UNMASKED_ROLES.includes(role));
}
