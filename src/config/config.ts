import * as path from 'node:path';
import { COMPLAINT_CHANNELS, type ComplaintChannel, DIGITAL_COMPLAINT_CHANNELS } from '../complaints/complaint.events';

/** Validated configuration, read once at start-up from the environment. */
export interface RelataConfig {
  /** esdb:// or kurrentdb:// connection string; null selects the embedded SQLite event store. */
  eventStoreUrl: string | null;
  /** mongodb:// or mongodb+srv:// URL; null selects the embedded read store. */
  mongodbUrl: string | null;
  /** Where the embedded stores keep their files. */
  dataDir: string;
  port: number;
  host: string;
  logLevel: LogLevel;
  /** How long a query with ?minPosition= waits for its read model, at most. */
  consistencyTimeoutMs: number;
  /** Whether this process runs the SLA scheduler's timer (RELATA_SLA_SCHEDULER=on|off, default on). */
  slaSchedulerEnabled: boolean;
  /** Whether this process runs the webhook dispatcher's timer (RELATA_WEBHOOKS=on|off, default on). */
  webhookDispatcherEnabled: boolean;
  /** Complaint channels acknowledged automatically on receipt (RELATA_AUTO_ACK_CHANNELS, comma-separated, or "none"). */
  autoAckChannels: ComplaintChannel[];
  /** Days after closure during which a complaint may be reopened (RELATA_REOPEN_WINDOW_DAYS); later, a follow-up is registered. */
  reopenWindowDays: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const RELATA_CONFIG = Symbol('RELATA_CONFIG');

/** A bad setting: the message is one line that names the variable. */
export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

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

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw !== 'on' && raw !== 'off') throw new ConfigError(name, `must be "on" or "off" (got "${raw}")`);
  return raw === 'on';
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

export function loadConfig(env: Env = process.env): RelataConfig {
  const logLevel = (optional(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  return {
    eventStoreUrl: url(env, 'EVENTSTORE_URL', ['esdb', 'esdb+discover', 'kurrentdb', 'kurrentdb+discover', 'kurrent', 'kurrent+discover']),
    mongodbUrl: url(env, 'MONGODB_URL', ['mongodb', 'mongodb+srv']),
    dataDir: path.resolve(optional(env, 'RELATA_DATA_DIR') ?? './data'),
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: optional(env, 'HOST') ?? '0.0.0.0',
    logLevel: logLevel as LogLevel,
    consistencyTimeoutMs: integer(env, 'RELATA_CONSISTENCY_TIMEOUT_MS', 5000, 0, 60000),
    slaSchedulerEnabled: onOff(env, 'RELATA_SLA_SCHEDULER', true),
    webhookDispatcherEnabled: onOff(env, 'RELATA_WEBHOOKS', true),
    autoAckChannels: channels(env, 'RELATA_AUTO_ACK_CHANNELS', DIGITAL_COMPLAINT_CHANNELS),
    reopenWindowDays: integer(env, 'RELATA_REOPEN_WINDOW_DAYS', 14, 0, 3650),
  };
}
