import { execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { ManualClock } from '../../src/shared/clock';
import { deterministicUuid } from '../../src/shared/ids';
import { EventStoreDbEventStore } from '../../src/shared/event-store/eventstoredb-event-store';
import type { EventStore, NewEvent, Position } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { StreamPrefixedEventStore } from '../../src/shared/event-store/stream-prefixed-event-store';
import type { ProjectionDefinition } from '../../src/shared/projections/projection';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { MongoReadStore } from '../../src/shared/read-store/mongo-read-store';
import { EmbeddedReadStore } from '../../src/shared/read-store/embedded-read-store';
import type { ReadStore } from '../../src/shared/read-store/read-store.port';
import { describeWhen, describeWithEnv } from '../support/skips';
import { testEvent } from '../support/test-event';
import { withDatabase } from '../support/test-stores';

/*
 * Faults of the production stores, against real servers (the CI jobs that run them). Reported as
 * skipped elsewhere: no server can run on a development machine without Docker.
 * - MONGODB_URL (a replica set started with --setParameter enableTestCommands=1): the failCommand
 *   fail point answers the runner's writes with WriteConflict / TransientTransactionError.
 * - EVENTSTORE_URL and EVENTSTORE_RESTART_COMMAND (e.g. `docker restart <container>`): the server
 *   restarts under a live subscription.
 * Either way every event must take effect exactly once: none parked, none skipped, none twice.
 */

const mongoUrl = process.env.MONGODB_URL;
const eventStoreUrl = process.env.EVENTSTORE_URL;
const restartEventStore = process.env.EVENTSTORE_RESTART_COMMAND;
const APP_NAME = 'relata-fault-test';
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
const clock = new ManualClock('2026-05-04T09:00:00.000Z');

const run = randomUUID();

/** Ids derived from the number: appending the same event again after a lost answer stores nothing new. */
const tallied = (n: number): NewEvent =>
  testEvent(deterministicUuid(`fault-test:${run}:${n}`), 'Tallied', { n }, clock.now().toISOString());

/** Counts events per stream, reading before writing (a read and a write per event, as most projections). */
const tally: ProjectionDefinition = {
  name: 'tally',
  version: 1,
  eventTypes: ['Tallied'],
  collections: { counts: {} },
  async handle(event, ctx) {
    const counts = ctx.collection<{ _id: string; n: number; seen: number[] }>('counts');
    const current = await counts.get(event.streamName);
    await counts.replace(event.streamName, { n: (current?.n ?? 0) + 1, seen: [...(current?.seen ?? []), (event.data as { n: number }).n] });
  },
};

async function appendTallies(store: EventStore, from: number, count: number): Promise<Position> {
  let last: Position | undefined;
  for (let i = from; i < from + count; i++) last = (await store.appendToStream(`s-${i % 3}`, [tallied(i)])).position;
  return last as Position;
}

/** Every event once: stream s-k holds the numbers ≡ k (mod 3), in order; nothing parked. */
async function expectEveryEventOnce(runner: ProjectionRunner, total: number): Promise<void> {
  const [status] = await runner.status();
  expect(status.parked).toEqual([]);
  const counts = runner.collection<{ _id: string; n: number; seen: number[] }>('tally', 'counts');
  for (let k = 0; k < 3; k++) {
    const expected = Array.from({ length: total }, (_, i) => i).filter((i) => i % 3 === k);
    expect(await counts.get(`s-${k}`)).toMatchObject({ n: expected.length, seen: expected });
  }
}

describeWithEnv('MONGODB_URL', 'no MongoDB server to put a fail point on')(
  'MongoDB: write conflicts inside projection handlers (failCommand fail point)',
  () => {
    const dbName = `relata_faults_${randomUUID().slice(0, 8)}`;
    let admin: MongoClient;
    let readStore: ReadStore;
    let eventStore: SqliteEventStore;

    beforeAll(async () => {
      admin = await MongoClient.connect(mongoUrl as string);
      readStore = await MongoReadStore.connect(withDatabase(mongoUrl as string, dbName), { clientOptions: { appName: APP_NAME } });
      eventStore = new SqliteEventStore({ filename: ':memory:' });
    });
    afterAll(async () => {
      await admin?.db('admin').command({ configureFailPoint: 'failCommand', mode: 'off' });
      await readStore?.close();
      await admin?.db(dbName).dropDatabase();
      await admin?.close();
      await eventStore?.close();
    });

    it('given updates failing with WriteConflict more often than the runner retries an event, then the driver reruns the transactions and every event takes effect once', async () => {
      await appendTallies(eventStore, 0, 30);
      const runner = new ProjectionRunner({
        eventStore,
        readStore,
        clock,
        projections: [tally],
        batchSize: 10,
        maxAttempts: 3,
        retryDelayMs: 1,
        logger: quiet,
      });
      await admin.db('admin').command({
        configureFailPoint: 'failCommand',
        mode: { times: 6 },
        data: { failCommands: ['update'], errorCode: 112, errorLabels: ['TransientTransactionError'], appName: APP_NAME },
      });

      await runner.catchUp();

      const off = await admin.db('admin').command({ configureFailPoint: 'failCommand', mode: 'off' });
      expect(off.count).toBe(6);
      await expectEveryEventOnce(runner, 30);
      await runner.stop();
    });
  },
);

describeWhen(
  Boolean(eventStoreUrl && restartEventStore),
  'EVENTSTORE_URL or EVENTSTORE_RESTART_COMMAND is not set (no EventStoreDB server this run may restart)',
)('EventStoreDB: the server restarts under a live subscription', () => {
  let eventStore: EventStore;
  let readStore: EmbeddedReadStore;

  beforeAll(() => {
    eventStore = new StreamPrefixedEventStore(
      EventStoreDbEventStore.fromConnectionString(eventStoreUrl as string),
      `faults-${randomUUID().slice(0, 8)}-`,
    );
    readStore = new EmbeddedReadStore({ filename: ':memory:' });
  });
  afterAll(async () => {
    await readStore?.close();
    await eventStore?.close();
  });

  it('given a live runner, when the server restarts between appends, then the runner resubscribes and every event takes effect once', async () => {
    const runner = new ProjectionRunner({ eventStore, readStore, clock, projections: [tally], retryDelayMs: 50, logger: quiet });
    await runner.start();
    const before = await appendTallies(eventStore, 0, 20);
    expect(await runner.waitForPosition('tally', before, 30_000)).toBe(true);

    execSync(restartEventStore as string, { stdio: 'ignore', timeout: 120_000 });
    let after: Position | undefined;
    for (let attempt = 0; after === undefined; attempt++) {
      try {
        await eventStore.ping();
        after = await appendTallies(eventStore, 20, 20);
      } catch (error) {
        if (attempt > 60) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }

    expect(await runner.waitForPosition('tally', after, 60_000)).toBe(true);
    await expectEveryEventOnce(runner, 40);
    await runner.stop();
  }, 240_000);
});
