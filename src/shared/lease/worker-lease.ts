import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Clock } from '../clock';
import type { ProjectionRunner } from '../projections/projection-runner';
import type { ReadStore } from '../read-store/read-store.port';
import type { LeaseConfig } from './lease-config';
import { LeaseCoordinator, type LeaseCoordinatorLogger, type LeaseFollower } from './lease-coordinator';
import { localProcessAlive, ReadStoreLease } from './read-store-lease';

/** Injection token of the deployment's single-active-worker LeaseCoordinator. */
export const WORKER_LEASE = Symbol('WORKER_LEASE');

/** The name (document id) of the lease the projections and schedulers run under. */
export const WORKER_LEASE_NAME = 'relata-workers';

/** The projection runner as a lease follower: runs only in the holder; elsewhere it follows the stored checkpoints. */
export function projectionRunnerFollower(runner: ProjectionRunner): LeaseFollower {
  return {
    name: 'projections',
    onAcquired: () => runner.start(),
    onLost: () => runner.stop(),
    whileFollowing: () => runner.follow(),
  };
}

/**
 * Where a pid names the same process as here: the host name, the kernel's boot id and this
 * process's pid namespace. Containers may share a host name (compose `hostname:`, host networking)
 * while each has its own pid namespace, in which the other's pid is no process at all: with the
 * name alone, one would take a live holder in the other container for a crashed one and take the
 * lease from it. Without /proc (not Linux), the host name alone.
 */
export function localProcessHost(read: (file: string) => string = readProcFile): string {
  const parts = [os.hostname()];
  for (const file of ['/proc/sys/kernel/random/boot_id', '/proc/self/ns/pid']) {
    try {
      parts.push(read(file).trim());
    } catch {
      // Not available here: the parts that are still tell hosts apart as before.
    }
  }
  return parts.join('/');
}

function readProcFile(file: string): string {
  return file.includes('/ns/') ? fs.readlinkSync(file) : fs.readFileSync(file, 'utf8');
}

/** The coordinator for this process: with the lease when configured, else one that is always active. */
export function createWorkerLease(options: {
  config: LeaseConfig | undefined;
  readStore: ReadStore;
  clock: Clock;
  runner: ProjectionRunner;
  logger?: LeaseCoordinatorLogger;
  /** RELATA_ROLE=api (or the HTTP thread of `all` with a projector thread): never takes the lease. */
  passive?: boolean;
}): LeaseCoordinator {
  const { config } = options;
  const lease =
    config?.enabled === true
      ? new ReadStoreLease({
          readStore: options.readStore,
          clock: options.clock,
          name: WORKER_LEASE_NAME,
          owner: config.instanceId,
          ttlMs: config.ttlMs,
          host: localProcessHost(),
          pid: process.pid,
          isLocalProcessAlive: localProcessAlive,
        })
      : null;
  const coordinator = new LeaseCoordinator({
    lease,
    renewEveryMs: config?.renewEveryMs ?? 5000,
    logger: options.logger,
    passive: options.passive,
  });
  coordinator.register(projectionRunnerFollower(options.runner));
  return coordinator;
}
