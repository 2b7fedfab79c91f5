import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ALL_PROJECTIONS } from '../../src/all-projections';
import { projectionsRebuildCli } from '../../src/cli/projections-rebuild';
import { loadConfig } from '../../src/config/config';
import { SystemClock } from '../../src/shared/clock';
import type { EventStore } from '../../src/shared/event-store/event-store.port';
import { type LeaseDocument, LEASES_COLLECTION, ReadStoreLease } from '../../src/shared/lease/read-store-lease';
import { WORKER_LEASE_NAME } from '../../src/shared/lease/worker-lease';
import { type ProjectionMetaDocument, PROJECTIONS_META_COLLECTION, ProjectionRunner } from '../../src/shared/projections/projection-runner';
import type { ReadStore } from '../../src/shared/read-store/read-store.port';
import { createEventStore, createReadStore } from '../../src/shared/stores';
import { captureIo } from './cli-capture';

/**
 * `relata projections rebuild` and the worker lease: the process holding it (a server) is the only
 * one that runs projections, so the command rebuilds itself only while it holds the lease, and
 * otherwise has the holder do it.
 */
describe('relata projections rebuild and the worker lease', () => {
  const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };
  let dataDir: string;
  let eventStore: EventStore;
  let readStore: ReadStore;
  const clock = new SystemClock();

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-rebuild-cli-'));
    const config = loadConfig({ RELATA_DATA_DIR: dataDir });
    eventStore = createEventStore(config);
    readStore = await createReadStore(config);
  });

  afterEach(async () => {
    await eventStore.close();
    await readStore.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const metaOf = (name: string): Promise<ProjectionMetaDocument | null> =>
    readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get(name);

  /** A server: holds the worker lease and runs the projections. */
  async function startServerLike(owner: string): Promise<{ runner: ProjectionRunner; lease: ReadStoreLease; stop(): Promise<void> }> {
    const lease = new ReadStoreLease({ readStore, clock, name: WORKER_LEASE_NAME, owner, ttlMs: 60_000 });
    expect(await lease.acquireOrRenew()).toBe(true);
    const runner = new ProjectionRunner({ eventStore, readStore, clock, projections: ALL_PROJECTIONS, housekeepingMs: 20, logger: silent });
    await runner.start();
    return {
      runner,
      lease,
      async stop() {
        await runner.stop();
        await lease.release();
      },
    };
  }

  it('rebuilds in this process, under the worker lease, when no process holds it; then gives the lease up', async () => {
    const io = captureIo({ RELATA_DATA_DIR: dataDir });
    expect(await projectionsRebuildCli(['customer-profile', '--quiet'], io)).toBe(0);

    expect(io.out()).toMatch(/customer-profile: v\d+ generation 2/);
    expect(io.err()).not.toContain('The projections run in');
    const lease = await readStore.collection<LeaseDocument>(LEASES_COLLECTION).get(WORKER_LEASE_NAME);
    expect(lease?.owner).toMatch(/^projections-rebuild-/);
    expect(Date.parse(lease?.expiresAt ?? '')).toBeLessThanOrEqual(Date.now());
  });

  it('hands the rebuild to the process holding the worker lease and returns once it has switched', async () => {
    const server = await startServerLike('server-1');
    try {
      const io = captureIo({ RELATA_DATA_DIR: dataDir });
      expect(await projectionsRebuildCli(['customer-profile', '--quiet'], io)).toBe(0);

      expect(io.err()).toContain('The projections run in server-1: it rebuilds customer-profile; waiting for it to switch readers over.');
      expect(io.out()).toMatch(/customer-profile: v\d+ generation 2/);
      // The server's own readers read the new generation; the replaced one is still there for the others.
      const status = (await server.runner.status()).find((projection) => projection.name === 'customer-profile');
      expect(status).toMatchObject({ generation: 2 });
      expect(await readStore.listCollections()).toEqual(
        expect.arrayContaining(['customer-profile.customers__g1', 'customer-profile.customers__g2']),
      );
      expect((await metaOf('customer-profile'))?.rebuildRequested).toBeUndefined();
      expect(server.lease.held()).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('rebuilds itself when the holder gives the lease up before taking the request up', async () => {
    const holder = new ReadStoreLease({ readStore, clock, name: WORKER_LEASE_NAME, owner: 'stuck-server', ttlMs: 60_000 });
    expect(await holder.acquireOrRenew()).toBe(true);
    // Projections started once, as any server does before a rebuild can be asked of it.
    await new ProjectionRunner({ eventStore, readStore, clock, projections: ALL_PROJECTIONS, logger: silent }).catchUp();

    const io = captureIo({ RELATA_DATA_DIR: dataDir });
    const rebuilt = projectionsRebuildCli(['complaint-details', '--quiet'], io);
    for (let tries = 0; (await metaOf('complaint-details'))?.rebuildRequested === undefined; tries += 1) {
      if (tries > 500) throw new Error('the rebuild was never requested');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await holder.release();

    expect(await rebuilt).toBe(0);
    expect(io.err()).toContain('stuck-server no longer runs the projections: rebuilding complaint-details here.');
    expect(await metaOf('complaint-details')).toMatchObject({ generation: 2, retired: [{ generation: 1 }] });
    expect((await metaOf('complaint-details'))?.rebuildRequested).toBeUndefined();
  });

  it('refuses an unknown projection before touching the stores', async () => {
    const io = captureIo({ RELATA_DATA_DIR: dataDir });
    expect(await projectionsRebuildCli(['no-such-projection'], io)).toBe(2);
    expect(io.err()).toContain('Unknown projection "no-such-projection"');
    expect(await readStore.listCollections()).toEqual([]);
  });
});
