import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/shared/clock';
import { LeaseCoordinator, type LeaseFollower } from '../../src/shared/lease/lease-coordinator';
import { ReadStoreLease } from '../../src/shared/lease/read-store-lease';
import type { ReadStore } from '../../src/shared/read-store/read-store.port';
import { dropTestStores, openTestReadStore } from './test-stores';

/** The lease TTL the lease specs run with (the manual clock moves past it; nothing waits for it). */
export const LEASE_TTL_MS = 15_000;

/** Two store instances on one store (file or database): what two processes on one data dir have. */
export interface TwoReadStores {
  dir: string;
  storeA: ReadStore;
  storeB: ReadStore;
  clock: ManualClock;
}

/**
 * Given two read store instances on one fresh data dir and a manual clock, for each test of the
 * calling describe block (opened before each, closed and removed after each). The fields are set
 * once beforeEach has run: read them inside tests, not at describe time.
 */
export function twoReadStoresOnOneDir(prefix: string): TwoReadStores {
  const stores = {} as TwoReadStores;
  beforeEach(async () => {
    stores.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    stores.storeA = await openTestReadStore(stores.dir);
    stores.storeB = await openTestReadStore(stores.dir);
    stores.clock = new ManualClock('2026-05-01T00:00:00.000Z');
  });
  afterEach(async () => {
    await stores.storeA.close();
    await stores.storeB.close();
    await dropTestStores(stores.dir);
    fs.rmSync(stores.dir, { recursive: true, force: true });
  });
  return stores;
}

/** A follower that records what the coordinator told it: start, stop, follow. */
export function recordingFollower(): LeaseFollower & { log: string[] } {
  const log: string[] = [];
  return {
    name: 'worker',
    log,
    onAcquired: async () => void log.push('start'),
    onLost: async () => void log.push('stop'),
    whileFollowing: async () => void log.push('follow'),
  };
}

/** A coordinator of the "workers" lease on this store, whose ticks the test drives (its own timer is an hour). */
export function testCoordinator(store: ReadStore, clock: ManualClock, owner: string, passive = false): LeaseCoordinator {
  const lease = new ReadStoreLease({ readStore: store, clock, name: 'workers', owner, ttlMs: LEASE_TTL_MS });
  return new LeaseCoordinator({ lease, renewEveryMs: 3_600_000, passive });
}
