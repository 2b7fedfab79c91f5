import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { ConfigError } from '../../config/config';

/** The single-active-worker lease (projections, SLA scheduler, segmentation, webhooks). */
export interface LeaseConfig {
  enabled: boolean;
  ttlMs: number;
  renewEveryMs: number;
  /** This process's owner id in the lease: unique per process. */
  instanceId: string;
}

type Env = Record<string, string | undefined>;

function positiveInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

/**
 * RELATA_LEASE (on|off, default on), RELATA_LEASE_TTL_MS (default 15000), RELATA_LEASE_RENEW_MS
 * (default a third of the TTL, at most half of it) and RELATA_INSTANCE_ID (default host-pid-random).
 */
export function loadLeaseConfig(env: Env = process.env): LeaseConfig {
  const rawEnabled = (env.RELATA_LEASE ?? 'on').trim().toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(rawEnabled)) {
    throw new ConfigError('RELATA_LEASE', `must be on or off (got "${rawEnabled}")`);
  }
  const ttlMs = positiveInteger(env, 'RELATA_LEASE_TTL_MS', 15_000, 200, 600_000);
  const renewEveryMs = positiveInteger(env, 'RELATA_LEASE_RENEW_MS', Math.floor(ttlMs / 3), 50, Math.floor(ttlMs / 2));
  const instanceId = env.RELATA_INSTANCE_ID?.trim() || `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9._:-]{1,200}$/.test(instanceId)) {
    throw new ConfigError('RELATA_INSTANCE_ID', 'may hold letters, digits and . _ : - only');
  }
  return { enabled: ['on', 'true', '1'].includes(rawEnabled), ttlMs, renewEveryMs, instanceId };
}
