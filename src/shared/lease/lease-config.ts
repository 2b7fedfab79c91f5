import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { ConfigError, type Env, integerSetting, onOffSetting } from '../settings';

/** The single-active-worker lease (projections, SLA scheduler, segmentation, webhooks). */
export interface LeaseConfig {
  enabled: boolean;
  ttlMs: number;
  renewEveryMs: number;
  /** This process's owner id in the lease: unique per process. */
  instanceId: string;
}

/**
 * RELATA_LEASE (on|off, default on), RELATA_LEASE_TTL_MS (default 15000), RELATA_LEASE_RENEW_MS
 * (default a third of the TTL, at most half of it) and RELATA_INSTANCE_ID (default host-pid-random).
 */
export function loadLeaseConfig(env: Env = process.env): LeaseConfig {
  const ttlMs = integerSetting(env, 'RELATA_LEASE_TTL_MS', 15_000, 200, 600_000);
  const renewEveryMs = integerSetting(env, 'RELATA_LEASE_RENEW_MS', Math.floor(ttlMs / 3), 50, Math.floor(ttlMs / 2));
  const instanceId = env.RELATA_INSTANCE_ID?.trim() || `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9._:-]{1,200}$/.test(instanceId)) {
    throw new ConfigError('RELATA_INSTANCE_ID', 'may hold letters, digits and . _ : - only');
  }
  return { enabled: onOffSetting(env, 'RELATA_LEASE', true), ttlMs, renewEveryMs, instanceId };
}
