import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from '../../src/shared/sqlite/better-sqlite3';
import { AllSubscription, NewEvent, RecordedEvent, START, WrongExpectedRevisionError } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { eventStoreContract } from '../contracts/event-store.contract';
import { comparePositions } from '../../src/shared/event-store/position';

const directory = mkdtempSync(join(tmpdir(), 'relata-sqlite-event-store-'));
let databases = 0;
const newDatabaseFile = (): string => join(directory, `events-${(databases += 1)}.db`);

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

eventStoreContract('sqlite', async () => {
  const store = new SqliteEventStore({ filename: newDatabaseFile(), pollIntervalMs: 20 });
  return { store, teardown: () => store.close() };
});

describe('SqliteEventStore', () => {
  const opened: SqliteEventStore[] = [];
  const open = (filename: string, options: { pollIntervalMs?: number; subscriptionPageSize?: number } = {}) => {
    const store = new SqliteEventStore({ filename, ...options });
    opened.push(store);
    return store;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it('keeps events across close and reopen, and continues revisions and positions', async () => {
    const filename = newDatabaseFile();
    const first = open(filename);
    await first.appendToStream('customer-1', [event(), event()]);
    await first.appendToStream('customer-2', [event()]);
    const stored = await first.readAll();
    const head = await first.headPosition();
    await first.close();

    const reopened = open(filename);
    expect(await reopened.readAll()).toEqual(stored);
    expect(await reopened.headPosition()).toBe(head);
    const result = await reopened.appendToStream('customer-1', [event()], { expectedRevision: 1n });
    expect(result.nextExpectedRevision).toBe(2n);
    expect(comparePositions(result.position, head)).toBeGreaterThan(0);
  });

  it('puts the database file in WAL mode', async () => {
    const filename = newDatabaseFile();
    const store = open(filename);
    await store.appendToStream('customer-1', [event()]);

    // journal_mode=WAL is persistent in the file, so a fresh connection reports it.
    const raw = new Database(filename, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('delivers to a live subscription, in order and exactly once, events another connection appends', async () => {
    const filename = newDatabaseFile();
    const subscriber = open(filename, { pollIntervalMs: 10 });
    const otherWriter = open(filename);
    const subscription = subscriber.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    try {
      // The subscription is live and waiting: only the poll can see this other connection's append.
      const warmUp = iterator.next();
      await letPendingWorkRun();
      await otherWriter.appendToStream('warm-up', [event()]);
      expect((await withDeadline(warmUp)).value).toMatchObject({ streamName: 'warm-up' });

      const expectedIds: string[] = [];
      // Both connections write in turn; the other connection writes last, so the tail again needs the poll.
      const writers = [subscriber, otherWriter];
      for (let round = 0; round < 40; round += 1) {
        const batch = Array.from({ length: (round % 3) + 1 }, () => event());
        await writers[round % 2].appendToStream(`customer-${round % 5}`, batch);
        expectedIds.push(...batch.map((e) => e.id));
        // Let the subscription run between some writes so it reads while the other connection writes.
        if (round % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }

      const delivered: RecordedEvent[] = [];
      while (delivered.length < expectedIds.length) delivered.push(await nextWithin(iterator));

      expect(delivered.map((e) => e.id)).toEqual(expectedIds);
      expect(delivered).toEqual((await subscriber.readAll()).slice(1));
      for (let i = 1; i < delivered.length; i += 1) {
        expect(comparePositions(delivered[i].position, delivered[i - 1].position)).toBeGreaterThan(0);
      }
    } finally {
      await subscription.stop();
    }
  });

  it('wakes a live subscription on an append through the same instance without waiting for the poll', async () => {
    const store = open(newDatabaseFile(), { pollIntervalMs: 3_600_000 });
    const subscription = store.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    try {
      const pending = iterator.next();
      await letPendingWorkRun();
      const appended = event();
      await store.appendToStream('customer-1', [appended]);

      const result = await withDeadline(pending);
      expect(result.done).toBe(false);
      expect((result.value as RecordedEvent).id).toBe(appended.id);
    } finally {
      await subscription.stop();
    }
  });

  it('catches up across many pages, with and without a type filter', async () => {
    const store = open(newDatabaseFile(), { subscriptionPageSize: 7 });
    const appended: NewEvent[] = [];
    for (let i = 0; i < 12; i += 1) {
      const batch = Array.from({ length: (i % 4) + 1 }, (_, j) => event((i + j) % 3 === 0 ? 'Wanted' : 'Other'));
      await store.appendToStream(`customer-${i % 3}`, batch);
      appended.push(...batch);
    }
    const wanted = appended.filter((e) => e.type === 'Wanted');

    const all = store.subscribeToAll({ fromPosition: START });
    const filtered = store.subscribeToAll({ eventTypes: ['Wanted'] });
    try {
      expect((await takeN(all, appended.length)).map((e) => e.id)).toEqual(appended.map((e) => e.id));
      expect((await takeN(filtered, wanted.length)).map((e) => e.id)).toEqual(wanted.map((e) => e.id));

      const live = [event('Other'), event('Wanted')];
      await store.appendToStream('customer-9', live);
      expect((await takeN(filtered, 1)).map((e) => e.id)).toEqual([live[1].id]);
      expect((await takeN(all, 2)).map((e) => e.id)).toEqual(live.map((e) => e.id));
    } finally {
      await Promise.all([all.stop(), filtered.stop()]);
    }
  });

  it('close() ends live subscriptions at once, not at the next poll', async () => {
    const store = open(newDatabaseFile(), { pollIntervalMs: 3_600_000 });
    const subscription = store.subscribeToAll();
    const pending = subscription[Symbol.asyncIterator]().next();
    await letPendingWorkRun();

    await store.close();

    await expect(withDeadline(pending)).resolves.toEqual({ done: true, value: undefined });
  });

  it('an empty batch writes nothing and reports the current revision and position', async () => {
    const store = open(newDatabaseFile());

    expect(await store.appendToStream('customer-1', [], { expectedRevision: 'no_stream' })).toEqual({
      nextExpectedRevision: -1n,
      position: START,
    });
    await expect(store.appendToStream('customer-1', [], { expectedRevision: 'stream_exists' })).rejects.toThrow(WrongExpectedRevisionError);

    const written = await store.appendToStream('customer-1', [event(), event()]);
    await store.appendToStream('customer-2', [event()]);
    expect(await store.appendToStream('customer-1', [], { expectedRevision: 1n })).toEqual(written);
    await expect(store.appendToStream('customer-1', [], { expectedRevision: 0n })).rejects.toThrow(WrongExpectedRevisionError);
    expect(await store.readAll()).toHaveLength(3);
  });

  it('rejects a partial replay of a stored batch and appends a batch whose first id is new', async () => {
    const store = open(newDatabaseFile());
    const [a, b, c] = [event(), event(), event()];
    await store.appendToStream('customer-1', [a, b], { expectedRevision: 'no_stream' });

    await expect(store.appendToStream('customer-1', [a, c], { expectedRevision: 'any' })).rejects.toMatchObject({
      expected: 'any',
      actual: 1n,
    });
    await expect(store.appendToStream('customer-1', [a, b, c], { expectedRevision: 'no_stream' })).rejects.toThrow(
      WrongExpectedRevisionError,
    );
    expect((await store.readStream('customer-1')).map((e) => e.id)).toEqual([a.id, b.id]);

    // Not a replay (its first event is new): an ordinary append, even though b is already stored.
    const result = await store.appendToStream('customer-1', [c, b], { expectedRevision: 1n });
    expect(result.nextExpectedRevision).toBe(3n);
    // ... and retrying it is idempotent.
    expect(await store.appendToStream('customer-1', [c, b], { expectedRevision: 1n })).toEqual(result);
    expect(await store.appendToStream('customer-1', [c, b], { expectedRevision: 'stream_exists' })).toEqual(result);
    expect(await store.readStream('customer-1')).toHaveLength(4);
  });

  it('checks expectations against writes made through another connection', async () => {
    const filename = newDatabaseFile();
    const one = open(filename);
    const two = open(filename);
    await one.appendToStream('customer-1', [event()], { expectedRevision: 'no_stream' });

    await two.appendToStream('customer-1', [event()], { expectedRevision: 0n });

    await expect(one.appendToStream('customer-1', [event()], { expectedRevision: 0n })).rejects.toMatchObject({
      expected: 0n,
      actual: 1n,
    });
  });

  it('reads all events backwards from the end, and forwards 1000 at a time by default', async () => {
    const store = open(newDatabaseFile());
    await store.appendToStream(
      'bulk',
      Array.from({ length: 1100 }, () => event()),
    );
    const head = await store.headPosition();

    const backwards = await store.readAll({ direction: 'backwards', limit: 3 });
    expect(backwards.map((e) => e.revision)).toEqual([1099n, 1098n, 1097n]);
    expect(backwards[0].position).toBe(head);
    expect(await store.readAll()).toHaveLength(1000);
    expect(await store.readAll({ direction: 'backwards', fromPosition: START })).toEqual([]);
  });

  it('works in memory', async () => {
    const store = open(':memory:');
    const result = await store.appendToStream('customer-1', [event()]);
    expect(await store.headPosition()).toBe(result.position);
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

function event(type = 'CustomerTested'): NewEvent {
  return {
    id: randomUUID(),
    type,
    data: { value: randomUUID() },
    metadata: {
      actor: 'test',
      correlationId: randomUUID(),
      causationId: randomUUID(),
      occurredAt: '2026-01-01T00:00:00.000Z',
      recordedAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 1,
    },
  };
}

/** Lets a pending next() get as far as it can (here: waiting for an append) before the test goes on. */
function letPendingWorkRun(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function withDeadline<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out waiting for the subscription')), 10_000);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function nextWithin(iterator: AsyncIterator<RecordedEvent>): Promise<RecordedEvent> {
  const result = await withDeadline(iterator.next());
  if (result.done === true) throw new Error('subscription ended');
  return result.value;
}

async function takeN(subscription: AllSubscription, count: number): Promise<RecordedEvent[]> {
  const iterator = subscription[Symbol.asyncIterator]();
  const taken: RecordedEvent[] = [];
  while (taken.length < count) taken.push(await nextWithin(iterator));
  return taken;
}
