import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadId as mainThreadId } from 'node:worker_threads';
import { SystemClock } from '../../src/shared/clock';
import { LeaseCoordinator } from '../../src/shared/lease/lease-coordinator';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { InProcessProjector } from '../../src/shared/projections/projector';
import { ProjectorThread } from '../../src/shared/projections/projector-thread';
import { openTestStores, type TestStores } from '../support/test-stores';

/**
 * The projector thread's supervision, with a stand-in thread script that speaks the protocol and
 * crashes on demand (test/support/fixtures/projector-thread-fixture.js): what /ready and /metrics
 * read (health()) while the thread runs, after it crashed, once restarted, and after stop().
 */
const FIXTURE = path.join(__dirname, '..', 'support', 'fixtures', 'projector-thread-fixture.js');

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ProjectorThread', () => {
  let dataDir: string;
  let stores: TestStores;
  let projector: ProjectorThread;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-projector-thread-'));
    stores = await openTestStores(dataDir);
    const runner = new ProjectionRunner({
      eventStore: stores.eventStore,
      readStore: stores.readStore,
      clock: new SystemClock(),
      projections: [],
    });
    const lease = new LeaseCoordinator({ lease: null, renewEveryMs: 1000, passive: true });
    const logger = { log: () => undefined, warn: () => undefined, error: () => undefined };
    projector = new ProjectorThread({
      entry: FIXTURE,
      workerData: null,
      runner,
      lease,
      logger,
      local: new InProcessProjector('all', runner, lease, logger, []),
      restartDelayMs: 10,
    });
  });

  afterEach(async () => {
    await projector.stop();
    await stores.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers from the thread, reports a crash, and restarts the thread', async () => {
    await projector.start();
    const running = await until('the thread to start', () => (projector.health().alive ? projector.health() : undefined));
    expect(running).toMatchObject({ placement: 'thread', restarts: 0 });
    expect(running.threadId).not.toBe(mainThreadId);
    // The status comes from the thread itself, not from this thread's runner.
    expect(await projector.status()).toEqual([{ name: 'fixture', threadId: running.threadId }]);

    await expect(projector.rebuild('anything')).rejects.toThrow('the projector thread exited');
    expect(projector.health()).toMatchObject({ alive: false, threadId: null });

    const restarted = await until('the restart', () => (projector.health().alive ? projector.health() : undefined));
    expect(restarted.restarts).toBe(1);
    expect(restarted.threadId).not.toBe(running.threadId);
  });

  it('stops the thread on stop() and does not restart it', async () => {
    await projector.start();
    await until('the thread to start', () => (projector.health().alive ? true : undefined));
    await projector.stop();
    expect(projector.health()).toMatchObject({ alive: false, restarts: 0 });
    // This thread's runner answers once the thread is gone: no projection registered here.
    expect(await projector.status()).toEqual([]);
  });
});
