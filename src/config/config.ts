import { createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { API_KEY_FORMAT, API_KEY_PATTERN } from '../access/api-key-format';
import { parseCidr } from '../departments/webhook-network-policy';
import { COMPLAINT_CHANNELS, type ComplaintChannel, DIGITAL_COMPLAINT_CHANNELS } from '../complaints/complaint.events';
import { DEFAULT_KEY_CACHE_ENTRIES } from '../shared/privacy/caching-key-store';
import {
  ConfigError,
  type Env,
  integerSetting as integer,
  type KernelConfig,
  onOffSetting as onOff,
  optionalSetting as optional,
  RELATA_CONFIG,
} from '../shared/settings';

// The kernel owns the token and the error (it reads them too); re-exported so features import one place.
export { ConfigError, RELATA_CONFIG };

/** Validated configuration, read once at start-up from the environment. */
export interface RelataConfig extends KernelConfig {
  port: number;
  host: string;
  logLevel: LogLevel;
  /** Whether this process runs the SLA scheduler's timer (RELATA_SLA_SCHEDULER=on|off, default on). */
  slaSchedulerEnabled: boolean;
  /** Whether this process runs the webhook dispatcher's timer (RELATA_WEBHOOKS=on|off, default on). */
  webhookDispatcherEnabled: boolean;
  /** Default lead time of a follow-up's reminder before its due time, in minutes (RELATA_FOLLOW_UP_REMINDER_LEAD_MINUTES, default 60). */
  followUpReminderLeadMinutes: number;
  /** Complaint channels acknowledged automatically on receipt (RELATA_AUTO_ACK_CHANNELS, comma-separated, or "none"). */
  autoAckChannels: ComplaintChannel[];
  /** Days after closure during which a complaint may be reopened (RELATA_REOPEN_WINDOW_DAYS); later, a follow-up is registered. */
  reopenWindowDays: number;
  /** RELATA_BOOTSTRAP_ADMIN_KEY: the admin API key stored on a start that finds no key; null: one is generated and printed. */
  bootstrapAdminKey: string | null;
  /** Bearer JWT verification (RELATA_JWT_*); null when neither RELATA_JWT_SECRET nor RELATA_JWT_PUBLIC_KEY is set: API keys only. */
  jwt: JwtConfig | null;
  /** Requests per minute per API key or JWT subject, in bursts of up to as many (RELATA_RATE_LIMIT_PER_MINUTE; 0: no limit). */
  rateLimitPerMinute: number;
  /** Largest request body accepted, in bytes (RELATA_BODY_LIMIT_BYTES); larger ones answer 413. */
  bodyLimitBytes: number;
  /** Failed authentications per minute per client address, in bursts of up to as many (RELATA_AUTH_FAILURES_PER_MINUTE; 0: no limit); then 429. */
  authFailuresPerMinute: number;
  /**
   * How long an instance believes what it read of an API key (RELATA_PRINCIPAL_CACHE_SECONDS,
   * default 5; 0: read the store on every request). A revocation takes effect at once in the
   * instance that revokes, and within this many seconds in the others.
   */
  principalCacheSeconds: number;
  /** The rejection log keeps at most this many records (RELATA_REJECTION_LOG_MAX_ENTRIES) ... */
  rejectionLogMaxEntries: number;
  /** ... none older than this many days (RELATA_REJECTION_LOG_MAX_AGE_DAYS). */
  rejectionLogMaxAgeDays: number;
  /**
   * Networks webhook targets may (RELATA_WEBHOOK_ALLOW_NETWORKS) and may not (RELATA_WEBHOOK_DENY_NETWORKS)
   * resolve to, as CIDR lists; see departments/webhook-network-policy.ts for the defaults.
   */
  webhookNetworks: { allow: string[]; deny: string[] };
  /** GET /ready answers 503 while a projection is more than this many events behind (RELATA_READY_MAX_LAG_EVENTS). */
  readyMaxLagEvents: number;
}

export interface JwtConfig {
  /** HS256 with a shared secret (RELATA_JWT_SECRET) or RS256 with an RSA public key (RELATA_JWT_PUBLIC_KEY). */
  algorithm: 'HS256' | 'RS256';
  /** The HS256 secret, or the RS256 public key in PEM. */
  key: string;
  /** Required `iss` (RELATA_JWT_ISSUER), or null: not checked. */
  issuer: string | null;
  /** Required `aud` (RELATA_JWT_AUDIENCE; the claim may be a list holding it), or null: not checked. */
  audience: string | null;
  /** The claim listing the roles (RELATA_JWT_ROLES_CLAIM, default "roles"; a dotted path reaches into objects). */
  rolesClaim: string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function url(env: Env, name: string, schemes: string[]): string | null {
  const raw = optional(env, name);
  if (raw === undefined) return null;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (!scheme || !schemes.includes(scheme)) {
    // The value may hold a password: name the variable and the accepted schemes, not the value.
    throw new ConfigError(name, `must be a connection string starting with ${schemes.map((s) => `${s}://`).join(' or ')}`);
  }
  return raw;
}

function channels(env: Env, name: string, fallback: readonly ComplaintChannel[]): ComplaintChannel[] {
  const raw = optional(env, name)?.toLowerCase();
  if (raw === undefined) return [...fallback];
  if (raw === 'none') return [];
  const listed = raw.split(',').map((item) => item.trim());
  const unknown = listed.filter((item) => !(COMPLAINT_CHANNELS as readonly string[]).includes(item));
  if (unknown.length > 0) {
    throw new ConfigError(name, `must be "none" or a comma-separated list of ${COMPLAINT_CHANNELS.join(', ')} (got "${raw}")`);
  }
  return [...new Set(listed)] as ComplaintChannel[];
}

/** A comma-separated list of CIDR networks (an address alone is a network of one). */
function networks(env: Env, name: string): string[] {
  const raw = optional(env, name);
  if (raw === undefined) return [];
  const listed = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const bad = listed.find((item) => parseCidr(item) === null);
  if (bad !== undefined)
    throw new ConfigError(name, `must be a comma-separated list of networks such as 10.0.0.0/8, 127.0.0.1 or fd00::/8 (got "${bad}")`);
  return listed;
}

function bootstrapKey(env: Env, name: string): string | null {
  const raw = optional(env, name);
  if (raw === undefined) return null;
  // The value is a secret: say what is wrong, never echo it.
  if (!API_KEY_PATTERN.test(raw)) throw new ConfigError(name, `must be an API key: ${API_KEY_FORMAT}`);
  return raw;
}

/** A PEM given inline (its newlines may be written as the two characters \n) or the path of a PEM file. */
function rsaPublicKey(name: string, raw: string): string {
  let pem = raw.replace(/\\n/g, '\n');
  if (!pem.includes('-----BEGIN')) {
    try {
      pem = fs.readFileSync(path.resolve(raw), 'utf8');
    } catch (error) {
      throw new ConfigError(
        name,
        `is neither a PEM public key nor a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      );
    }
  }
  try {
    const key = createPublicKey(pem);
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (key.asymmetricKeyType !== 'rsa' || bits < 2048) throw new Error('not an RSA key of at least 2048 bits');
    return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch (error) {
    throw new ConfigError(
      name,
      `must be an RSA public key (PEM, at least 2048 bits) or the path of one: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}

function jwt(env: Env): JwtConfig | null {
  const secret = optional(env, 'RELATA_JWT_SECRET');
  const publicKey = optional(env, 'RELATA_JWT_PUBLIC_KEY');
  const issuer = optional(env, 'RELATA_JWT_ISSUER') ?? null;
  const audience = optional(env, 'RELATA_JWT_AUDIENCE') ?? null;
  const rolesClaim = optional(env, 'RELATA_JWT_ROLES_CLAIM') ?? 'roles';
  if (secret !== undefined && publicKey !== undefined) {
    throw new ConfigError('RELATA_JWT_SECRET', 'and RELATA_JWT_PUBLIC_KEY are both set: choose HS256 (secret) or RS256 (public key)');
  }
  if (secret === undefined && publicKey === undefined) {
    const stray = ['RELATA_JWT_ISSUER', 'RELATA_JWT_AUDIENCE', 'RELATA_JWT_ROLES_CLAIM'].find(
      (variable) => optional(env, variable) !== undefined,
    );
    if (stray)
      throw new ConfigError(stray, 'is set, but JWTs are not enabled: set RELATA_JWT_SECRET (HS256) or RELATA_JWT_PUBLIC_KEY (RS256)');
    return null;
  }
  if (rolesClaim.length > 200) throw new ConfigError('RELATA_JWT_ROLES_CLAIM', 'must be at most 200 characters');
  if (secret !== undefined) {
    // RFC 7518 3.2: an HS256 key at least as long as the hash output.
    if (Buffer.byteLength(secret, 'utf8') < 32) throw new ConfigError('RELATA_JWT_SECRET', 'must be at least 32 bytes long');
    return { algorithm: 'HS256', key: secret, issuer, audience, rolesClaim };
  }
  return { algorithm: 'RS256', key: rsaPublicKey('RELATA_JWT_PUBLIC_KEY', publicKey as string), issuer, audience, rolesClaim };
}

/** A stream name prefix: letters, digits and - _ . : (never $, which starts EventStoreDB's system streams). */
function streamPrefix(env: Env, name: string): string | null {
  const value = optional(env, name);
  if (value === undefined) return null;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/.test(value)) {
    throw new ConfigError(name, 'must be 1 to 64 letters, digits, "-", "_", "." or ":", starting with a letter or digit');
  }
  return value;
}

export function loadConfig(env: Env = process.env): RelataConfig {
  const logLevel = (optional(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  return {
    eventStoreUrl: url(env, 'EVENTSTORE_URL', ['esdb', 'esdb+discover', 'kurrentdb', 'kurrentdb+discover', 'kurrent', 'kurrent+discover']),
    mongodbUrl: url(env, 'MONGODB_URL', ['mongodb', 'mongodb+srv']),
    eventStoreStreamPrefix: streamPrefix(env, 'RELATA_EVENTSTORE_STREAM_PREFIX'),
    dataDir: path.resolve(optional(env, 'RELATA_DATA_DIR') ?? './data'),
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: optional(env, 'HOST') ?? '0.0.0.0',
    logLevel: logLevel as LogLevel,
    consistencyTimeoutMs: integer(env, 'RELATA_CONSISTENCY_TIMEOUT_MS', 5000, 0, 60000),
    slaSchedulerEnabled: onOff(env, 'RELATA_SLA_SCHEDULER', true),
    webhookDispatcherEnabled: onOff(env, 'RELATA_WEBHOOKS', true),
    autoAckChannels: channels(env, 'RELATA_AUTO_ACK_CHANNELS', DIGITAL_COMPLAINT_CHANNELS),
    reopenWindowDays: integer(env, 'RELATA_REOPEN_WINDOW_DAYS', 14, 0, 3650),
    bootstrapAdminKey: bootstrapKey(env, 'RELATA_BOOTSTRAP_ADMIN_KEY'),
    jwt: jwt(env),
    rateLimitPerMinute: integer(env, 'RELATA_RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
    bodyLimitBytes: integer(env, 'RELATA_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    authFailuresPerMinute: integer(env, 'RELATA_AUTH_FAILURES_PER_MINUTE', 30, 0, 1_000_000),
    principalCacheSeconds: integer(env, 'RELATA_PRINCIPAL_CACHE_SECONDS', 5, 0, 300),
    rejectionLogMaxEntries: integer(env, 'RELATA_REJECTION_LOG_MAX_ENTRIES', 100_000, 1, 100_000_000),
    rejectionLogMaxAgeDays: integer(env, 'RELATA_REJECTION_LOG_MAX_AGE_DAYS', 90, 1, 36_500),
    webhookNetworks: { allow: networks(env, 'RELATA_WEBHOOK_ALLOW_NETWORKS'), deny: networks(env, 'RELATA_WEBHOOK_DENY_NETWORKS') },
    // Lag is counted up to 10,000 events (projection-runner.ts LAG_EVENTS_CAP): a higher threshold could never trip.
    readyMaxLagEvents: integer(env, 'RELATA_READY_MAX_LAG_EVENTS', 1000, 0, 9_999),
    keyCacheEntries: integer(env, 'RELATA_KEY_CACHE_ENTRIES', DEFAULT_KEY_CACHE_ENTRIES, 1, 100_000_000),
    benchDiscardWrites: optional(env, 'RELATA_BENCH_DISCARD_WRITES') === '1',
    followUpReminderLeadMinutes: integer(env, 'RELATA_FOLLOW_UP_REMINDER_LEAD_MINUTES', 60, 0, 30 * 24 * 60),
  };
}
