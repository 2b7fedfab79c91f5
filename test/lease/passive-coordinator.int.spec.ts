import { LeaseCoordinator } from '../../src/shared/lease/lease-coordinator';
import { loadProcessRole, loadProjectorThread } from '../../src/shared/lease/process-role';
import { LEASE_TTL_MS, recordingFollower, testCoordinator, twoReadStoresOnOneDir } from '../support/lease-spec';

const TTL = LEASE_TTL_MS;

/**
 * RELATA_ROLE=api (and the HTTP thread of `all`): a passive coordinator never takes the worker
 * lease, even when it is free, never starts its followers and fails every check; it follows the
 * holder and tells whether one is alive (what /ready of an api process reports).
 */
describe('passive LeaseCoordinator', () => {
  const s = twoReadStoresOnOneDir('relata-passive-lease-');

  it('never takes a free lease, follows the holder, and sees it go', async () => {
    const api = testCoordinator(s.storeA, s.clock, 'api', true);
    const apiWork = recordingFollower();
    api.register(apiWork);
    await api.start();
    // Nobody holds the lease: the api still does not take it.
    expect(apiWork.log).toEqual(['follow']);
    expect(await api.shouldRun()).toBe(false);
    expect(api.isActive()).toBe(false);
    expect(api.status()).toMatchObject({ enabled: true, active: false, passive: true, holderAlive: false, holder: null });

    const worker = testCoordinator(s.storeB, s.clock, 'worker', false);
    const workerWork = recordingFollower();
    worker.register(workerWork);
    await worker.start();
    expect(workerWork.log).toEqual(['start']);
    await api.tick();
    expect(api.status()).toMatchObject({ active: false, holderAlive: true, holder: 'worker' });
    expect(api.workerHolderAlive()).toBe(true);

    // The worker hangs: once its lease has expired the api sees no live holder, and still does not take over.
    s.clock.advance(TTL);
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
    const work = recordingFollower();
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
