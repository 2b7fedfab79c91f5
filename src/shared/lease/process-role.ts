import { ConfigError, type Env, onOffSetting, optionalSetting } from '../settings';

/**
 * What a process does (RELATA_ROLE):
 * - `all` (default): serves HTTP and runs the worker part (projections, SLA scheduler,
 *   segmentation, webhooks) under the worker lease. Started by main.ts, the worker part runs in a
 *   worker thread of its own, so projections never run on the HTTP event loop;
 * - `api`: serves HTTP only; never takes the worker lease, reads what a `worker` process commits;
 * - `worker`: runs the worker part under the lease; its HTTP listener answers only /health, /ready
 *   and /metrics.
 */
export type ProcessRole = 'all' | 'api' | 'worker';

export const PROCESS_ROLES: readonly ProcessRole[] = ['all', 'api', 'worker'];

export function loadProcessRole(env: Env = process.env): ProcessRole {
  const raw = optionalSetting(env, 'RELATA_ROLE')?.toLowerCase() ?? 'all';
  if (!(PROCESS_ROLES as readonly string[]).includes(raw)) {
    throw new ConfigError('RELATA_ROLE', `must be all, api or worker (got "${raw}")`);
  }
  return raw as ProcessRole;
}

/**
 * RELATA_PROJECTOR_THREAD (on|off, default on): whether `all` runs its worker part in a worker
 * thread. Off: on the main thread, as before roles existed (for a platform where threads misbehave).
 */
export function loadProjectorThread(env: Env = process.env): boolean {
  return onOffSetting(env, 'RELATA_PROJECTOR_THREAD', true);
}
