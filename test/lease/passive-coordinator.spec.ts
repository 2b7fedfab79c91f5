import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/shared/clock';
import { LeaseCoordinator, type LeaseFollower } from '../../src/shared/lease/lease-coordinator';
import { loadProcessRole, loadProjectorThread } from '../../src/shared/lease/process-role';
import { ReadStoreLease } from '../../src/shared/lease/read-store-lease';
import type { ReadStore } from '../../src/shared/read-store/read-store.port';
import { dropTestStores, openTestReadStore } from '../support/test-stores';

const TTL = 15_000;

/**
 * RELATA_ROLE=api (and the HTTP thread of `all`): a passive coordinator never takes the worker
 * lease, even when it is free, never starts its followers and fails every check; it follows the
 * holder and tells whether one is alive (what /ready of an api process reports).
 */
describe('passive LeaseCoordinator', () => {
  let dir: string;
  let storeA: ReadStore;
  let storeB: ReadStore;
  let clock: ManualClock;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-passive-lease-'));
    storeA = await openTestReadStore(dir);
    storeB = await openTestReadStore(dir);
    clock = new ManualClock('2026-05-01T00:00:00.000Z');
  });

  afterEach(async () => {
    await storeA.close();
    await storeB.close();
    await dropTestStores(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function recorder(): LeaseFollower & { log: string[] } {
    const log: string[] = [];
    return {
      name: 'worker',
      log,
      onAcquired: async () => void log.push('start'),
      onLost: async () => void log.push('stop'),
      whileFollowing: async () => void log.push('follow'),
    };
  }

  function coordinator(store: ReadStore, owner: string, passive: boolean): LeaseCoordinator {
    const lease = new ReadStoreLease({ readStore: store, clock, name: 'workers', owner, ttlMs: TTL });
    // A long timer: the test drives the ticks.
    return new LeaseCoordinator({ lease, renewEveryMs: 3_600_000, passive });
  }

  it('never takes a free lease, follows the holder, and sees it go', async () => {
    const api = coordinator(storeA, 'api', true);
    const apiWork = recorder();
    api.register(apiWork);
    await api.start();
    // Nobody holds the lease: the api still does not take it.
    expect(apiWork.log).toEqual(['follow']);
    expect(await api.shouldRun()).toBe(false);
    expect(api.isActive()).toBe(false);
    expect(api.status()).toMatchObject({ enabled: true, active: false, passive: true, holderAlive: false, holder: null });

    const worker = coordinator(storeB, 'worker', false);
    const workerWork = recorder();
    worker.register(workerWork);
    await worker.start();
    expect(workerWork.log).toEqual(['start']);
    await api.tick();
    expect(api.status()).toMatchObject({ active: false, holderAlive: true, holder: 'worker' });
    expect(api.workerHolderAlive()).toBe(true);

    // The worker hangs: once its lease has expired the api sees no live holder, and still does not take over.
    clock.advance(TTL);
    await api.tick();
    expect(api.workerHolderAlive()).toBe(false);
    expect(apiWork.log).toEqual(['follow', 'follow', 'follow']);
    expect(await api.shouldRun()).toBe(false);

    await worker.stop();
    await api.stop();
    expect(apiWork.log).not.toContain('start');
  });

  it('without a lease to look at, never runs anything and cannot tell whether a worker is alive', async () => {
    const api = new LeaseCoordinator({ lease: null, renewEveryMs: 3_600_000, passive: true });
    const work = recorder();
    api.register(work);
    await api.start();
    expect(await api.shouldRun()).toBe(false);
    expect(api.status()).toEqual({ enabled: false, active: false, passive: true, holderAlive: null });
    await api.stop();
    expect(work.log).toEqual(['follow']);
  });
});

describe('loadProcessRole', () => {
  it('defaults to all and accepts api and worker', () => {
    expect(loadProcessRole({})).toBe('all');
    expect(loadProcessRole({ RELATA_ROLE: ' API ' })).toBe('api');
    expect(loadProcessRole({ RELATA_ROLE: 'worker' })).toBe('worker');
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => loadProcessRole({ RELATA_ROLE: 'projector' })).toThrow(/RELATA_ROLE must be all, api or worker/);
    expect(() => loadProjectorThread({ RELATA_PROJECTOR_THREAD: 'maybe' })).toThrow(/RELATA_PROJECTOR_THREAD/);
    expect(loadProjectorThread({})).toBe(true);
    expect(loadProjectorThread({ RELATA_PROJECTOR_THREAD: 'off' })).toBe(false);
  });
});
