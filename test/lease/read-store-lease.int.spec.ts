import { LeaseCoordinator } from '../../src/shared/lease/lease-coordinator';
import { loadLeaseConfig } from '../../src/shared/lease/lease-config';
import { LEASES_COLLECTION, type LeaseDocument, ReadStoreLease } from '../../src/shared/lease/read-store-lease';
import type { ReadStore } from '../../src/shared/read-store/read-store.port';
import { LEASE_TTL_MS, recordingFollower, testCoordinator, twoReadStoresOnOneDir } from '../support/lease-spec';

const TTL = LEASE_TTL_MS;

describe('ReadStoreLease', () => {
  const s = twoReadStoresOnOneDir('relata-lease-');

  const lease = (store: ReadStore, owner: string, extra: Partial<ConstructorParameters<typeof ReadStoreLease>[0]> = {}) =>
    new ReadStoreLease({ readStore: store, clock: s.clock, name: 'workers', owner, ttlMs: TTL, ...extra });
  const stored = () => s.storeA.collection<LeaseDocument>(LEASES_COLLECTION).get('workers');

  it('is acquired by the first owner, with token 1 and an expiry one TTL ahead', async () => {
    const a = lease(s.storeA, 'a');
    expect(await a.acquireOrRenew()).toBe(true);
    expect(a.held()).toBe(true);
    expect(a.token()).toBe(1);
    expect(await stored()).toMatchObject({ owner: 'a', token: 1, expiresAt: '2026-05-01T00:00:15.000Z' });
  });

  it('is exclusive: a second owner is refused while it is valid, and sees who holds it', async () => {
    const a = lease(s.storeA, 'a');
    const b = lease(s.storeB, 'b');
    await a.acquireOrRenew();
    s.clock.advance(TTL - 1);
    expect(await b.acquireOrRenew()).toBe(false);
    expect(b.held()).toBe(false);
    expect(await b.confirm()).toBe(false);
    expect(b.view()).toMatchObject({ held: false, holder: 'a', token: 1 });
  });

  it('lets exactly one of two simultaneous contenders win', async () => {
    // One store instance (it serialises its transactions); across processes SQLite's write lock does.
    // Two instances in one thread would wait on each other synchronously, hence not here.
    const results = await Promise.all([lease(s.storeA, 'a').acquireOrRenew(), lease(s.storeA, 'b').acquireOrRenew()]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('is renewed by its holder, which pushes the expiry out without a new token', async () => {
    const a = lease(s.storeA, 'a');
    const b = lease(s.storeB, 'b');
    await a.acquireOrRenew();
    for (let i = 0; i < 6; i += 1) {
      s.clock.advance(5000);
      expect(await a.acquireOrRenew()).toBe(true);
      expect(await b.acquireOrRenew()).toBe(false);
    }
    expect(await stored()).toMatchObject({ owner: 'a', token: 1, expiresAt: '2026-05-01T00:00:45.000Z' });
  });

  it('is taken over only after its expiry, with a higher token', async () => {
    const a = lease(s.storeA, 'a');
    const b = lease(s.storeB, 'b');
    await a.acquireOrRenew();
    s.clock.advance(TTL - 1);
    expect(await b.acquireOrRenew()).toBe(false);
    s.clock.advance(1);
    expect(await b.acquireOrRenew()).toBe(true);
    expect(b.token()).toBe(2);
    expect(await stored()).toMatchObject({ owner: 'b', token: 2 });
    // The old holder cannot renew its way back in.
    expect(await a.acquireOrRenew()).toBe(false);
    expect(a.held()).toBe(false);
  });

  it('fences: the holder stops believing it holds the lease a safety margin before anyone may take it', async () => {
    const a = lease(s.storeA, 'a');
    const b = lease(s.storeB, 'b');
    await a.acquireOrRenew();
    expect(await a.confirm()).toBe(true);
    // Renewals fail (say the store is unreachable): past TTL - margin, a stops; b may not start yet.
    s.clock.advance(TTL - TTL / 3);
    expect(a.held()).toBe(false);
    expect(await a.confirm()).toBe(false);
    expect(await b.acquireOrRenew()).toBe(false);
    s.clock.advance(TTL / 3);
    expect(await b.acquireOrRenew()).toBe(true);
    expect(await a.confirm()).toBe(false);
  });

  it('detects a takeover on confirm() even while it still looks valid locally', async () => {
    const a = lease(s.storeA, 'a');
    await a.acquireOrRenew();
    // Someone rewrote the document (e.g. an operator, or a holder with a clock far ahead).
    await s.storeB.collection<LeaseDocument>(LEASES_COLLECTION).update('workers', { $set: { owner: 'b', token: 2 } });
    expect(a.held()).toBe(true);
    expect(await a.confirm()).toBe(false);
    expect(a.held()).toBe(false);
  });

  it('is released on shutdown: another owner takes it at once, with a higher token', async () => {
    const a = lease(s.storeA, 'a');
    const b = lease(s.storeB, 'b');
    await a.acquireOrRenew();
    await a.release();
    expect(a.held()).toBe(false);
    expect(await b.acquireOrRenew()).toBe(true);
    expect(b.token()).toBe(2);
  });

  it('a release by a holder that already lost the lease changes nothing', async () => {
    const a = lease(s.storeA, 'a');
    const b = lease(s.storeB, 'b');
    await a.acquireOrRenew();
    s.clock.advance(TTL);
    await b.acquireOrRenew();
    await a.release();
    expect(await stored()).toMatchObject({ owner: 'b', token: 2, expiresAt: '2026-05-01T00:00:30.000Z' });
  });

  it('is taken at once from a holder on this host whose process is gone (a crash)', async () => {
    const a = lease(s.storeA, 'a', { host: 'h1', pid: 101 });
    await a.acquireOrRenew();
    const alive = new Set([101]);
    const b = lease(s.storeB, 'b', { host: 'h1', pid: 202, isLocalProcessAlive: (pid) => alive.has(pid) });
    expect(await b.acquireOrRenew()).toBe(false);
    alive.delete(101);
    expect(await b.acquireOrRenew()).toBe(true);
    // A holder on another host is never judged by pid.
    const c = lease(s.storeA, 'c', { host: 'h2', pid: 303, isLocalProcessAlive: () => false });
    expect(await c.acquireOrRenew()).toBe(false);
  });
});

describe('LeaseCoordinator', () => {
  const s = twoReadStoresOnOneDir('relata-lease-');

  it('runs the followers in the holder only, and moves them when the lease changes hands', async () => {
    const a = testCoordinator(s.storeA, s.clock, 'a');
    const b = testCoordinator(s.storeB, s.clock, 'b');
    const workA = recordingFollower();
    const workB = recordingFollower();
    a.register(workA);
    b.register(workB);
    await a.start();
    await b.start();
    expect(workA.log).toEqual(['start']);
    expect(workB.log).toEqual(['follow']);
    expect(await a.shouldRun()).toBe(true);
    expect(await b.shouldRun()).toBe(false);
    expect(a.status()).toMatchObject({ enabled: true, active: true, holder: 'a' });
    expect(b.status()).toMatchObject({ enabled: true, active: false, holder: 'a' });

    // a stops renewing (hung); once its lease has expired, b takes over; a then stops its work.
    s.clock.advance(TTL);
    await b.tick();
    expect(workB.log).toEqual(['follow', 'start']);
    expect(await a.shouldRun()).toBe(false);
    await a.tick();
    expect(workA.log).toEqual(['start', 'stop', 'follow']);

    // A graceful stop of b hands the lease to a without waiting for the expiry.
    await b.stop();
    expect(workB.log).toEqual(['follow', 'start', 'stop']);
    await a.tick();
    expect(workA.log).toEqual(['start', 'stop', 'follow', 'start']);
    await a.stop();
  });

  it('without a lease, starts the followers at once and lets every check pass', async () => {
    const single = new LeaseCoordinator({ lease: null, renewEveryMs: 1000 });
    const work = recordingFollower();
    single.register(work);
    await single.start();
    expect(await single.shouldRun()).toBe(true);
    expect(single.status()).toEqual({ enabled: false, active: true });
    await single.stop();
    expect(work.log).toEqual(['start', 'stop']);
  });
});

describe('loadLeaseConfig', () => {
  it('defaults to on, a 15 s TTL renewed every 5 s', () => {
    expect(loadLeaseConfig({})).toMatchObject({ enabled: true, ttlMs: 15_000, renewEveryMs: 5000 });
  });

  it('reads the variables and refuses a renewal slower than half the TTL', () => {
    expect(loadLeaseConfig({ RELATA_LEASE: 'off', RELATA_LEASE_TTL_MS: '3000', RELATA_INSTANCE_ID: 'api-1' })).toEqual({
      enabled: false,
      ttlMs: 3000,
      renewEveryMs: 1000,
      instanceId: 'api-1',
    });
    expect(() => loadLeaseConfig({ RELATA_LEASE_TTL_MS: '3000', RELATA_LEASE_RENEW_MS: '2000' })).toThrow(/RELATA_LEASE_RENEW_MS/);
    expect(() => loadLeaseConfig({ RELATA_LEASE: 'maybe' })).toThrow(/RELATA_LEASE/);
  });
});
