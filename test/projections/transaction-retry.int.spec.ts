import { MongoServerError } from 'mongodb';
import { ManualClock } from '../../src/shared/clock';
import type { NewEvent } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import type { ProjectionDefinition } from '../../src/shared/projections/projection';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { EmbeddedReadStore } from '../../src/shared/read-store/embedded-read-store';
import { isRetryableTransactionError, type TransactionBudget } from '../../src/shared/read-store/transaction-retry';
import { DriverRulesReadStore } from '../support/driver-rules-read-store';
import { testEvent, testEventId } from '../support/test-event';

/*
 * What the runner does with MongoDB's transaction rules: the read store here follows the driver's
 * withTransaction rule for errors, over the embedded store (no server can run here; the same
 * scenario runs against a real server with a fail point in test/reliability/mongo-faults.spec.ts).
 */

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** What the server answers a write that collides with another transaction's. */
function writeConflict(): MongoServerError {
  return new MongoServerError({
    code: 112,
    codeName: 'WriteConflict',
    errmsg: 'Caused by :: Write conflict during plan execution and yielding is disabled.',
    errorLabels: ['TransientTransactionError'],
  });
}

let ids = 0;
const tallied = (stream: number): NewEvent => testEvent(testEventId((ids += 1)), 'Tallied', { stream });

/** Counts events per stream (two operations per event: a read and a write); `before` may throw. */
function tally(before: (eventId: string) => void = () => undefined): ProjectionDefinition {
  return {
    name: 'tally',
    version: 1,
    eventTypes: ['Tallied'],
    collections: { counts: {} },
    async handle(event, ctx) {
      before(event.id);
      const counts = ctx.collection<{ _id: string; n: number }>('counts');
      const current = await counts.get(event.streamName);
      await counts.replace(event.streamName, { n: (current?.n ?? 0) + 1 });
    },
  };
}

describe('projection handlers on MongoDB transactions', () => {
  let eventStore: SqliteEventStore;
  let embedded: EmbeddedReadStore;
  const clock = new ManualClock('2026-05-04T09:00:00.000Z');

  beforeEach(async () => {
    eventStore = new SqliteEventStore({ filename: ':memory:' });
    embedded = new EmbeddedReadStore({ filename: ':memory:' });
    for (let i = 0; i < 12; i++) await eventStore.appendToStream(`s-${i % 3}`, [tallied(i % 3)]);
  });
  afterEach(async () => {
    await embedded.close();
    await eventStore.close();
  });

  const run = async (readStore: DriverRulesReadStore, projection: ProjectionDefinition, batchSize = 500) => {
    const runner = new ProjectionRunner({
      eventStore,
      readStore,
      clock,
      projections: [projection],
      batchSize,
      retryDelayMs: 1,
      logger: quiet,
    });
    await runner.catchUp();
    const status = await runner.status();
    const counts = runner.collection<{ _id: string; n: number }>('tally', 'counts');
    const result = { parked: status[0].parked, counts: Object.fromEntries((await counts.find({})).items.map((doc) => [doc._id, doc.n])) };
    await runner.stop();
    return result;
  };

  it('recognises the labels the driver retries on, and nothing else', () => {
    expect(isRetryableTransactionError(writeConflict())).toBe(true);
    expect(
      isRetryableTransactionError(new MongoServerError({ errmsg: 'commit unknown', errorLabels: ['UnknownTransactionCommitResult'] })),
    ).toBe(true);
    expect(isRetryableTransactionError(new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key' }))).toBe(false);
    expect(isRetryableTransactionError(new Error('TransientTransactionError'))).toBe(false);
    expect(isRetryableTransactionError(undefined)).toBe(false);
  });

  it('given a handler that hits write conflicts on one event more often than the runner retries, then the driver reruns the transaction and no event is parked or skipped', async () => {
    const readStore = new DriverRulesReadStore(embedded);
    const conflicted = new Set<string>();
    let conflicts = 0;
    const fourth = testEventId(ids - 8);
    const projection = tally((eventId) => {
      // Five conflicts on the 4th event: more than maxAttempts (3) would tolerate for a handler error.
      if (eventId === fourth && conflicts < 5) {
        conflicts += 1;
        conflicted.add(eventId);
        throw writeConflict();
      }
    });

    const { parked, counts } = await run(readStore, projection);

    expect(conflicted).toEqual(new Set([fourth]));
    expect(readStore.retried).toBe(5);
    expect(parked).toEqual([]);
    expect(counts).toEqual({ 's-0': 4, 's-1': 4, 's-2': 4 });
  });

  it('given a handler error without a retry label, then it is still retried by the runner and parked after maxAttempts', async () => {
    const readStore = new DriverRulesReadStore(embedded);
    const broken = testEventId(ids - 8);
    const projection = tally((eventId) => {
      if (eventId === broken) throw new MongoServerError({ code: 2, codeName: 'BadValue', errmsg: 'bad value' });
    });

    const { parked, counts } = await run(readStore, projection);

    expect(readStore.retried).toBe(0);
    expect(parked.map((p) => p.eventId)).toEqual([broken]);
    expect(counts).toEqual({ 's-0': 3, 's-1': 4, 's-2': 4 });
  });

  it.each<[string, TransactionBudget, number]>([
    ['4 operations', { operations: 4, milliseconds: 60_000 }, 6],
    ['no time at all', { operations: 1_000_000, milliseconds: 0 }, 12],
  ])(
    'given a transaction budget of %s, then a batch is committed in transactions within it, each event once',
    async (_label, budget, transactions) => {
      const readStore = new DriverRulesReadStore(embedded, budget);

      const { parked, counts } = await run(readStore, tally());

      // The first transaction is the runner's own (it creates the projection's meta document).
      expect(readStore.committed - 1).toBe(transactions);
      expect(parked).toEqual([]);
      expect(counts).toEqual({ 's-0': 4, 's-1': 4, 's-2': 4 });
    },
  );
});
