import type { EventStore, NewEvent, ReadAllOptions, RecordedEvent } from '../../src/shared/event-store/event-store.port';
import { START } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { SharedLogReader } from '../../src/shared/projections/shared-log-reader';
import { positionOf } from '../../src/shared/event-store/position';

let ids = 0;
function event(n: number): NewEvent {
  ids += 1;
  return {
    id: `00000000-0000-4000-8000-${ids.toString(16).padStart(12, '0')}`,
    type: 'Counted',
    data: { n },
    metadata: {
      actor: 't',
      correlationId: 'c',
      causationId: 'c',
      occurredAt: '2026-01-01T00:00:00.000Z',
      recordedAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 1,
    },
  };
}

/** The store, counting how many times the log is read through readAll. */
function counting(store: EventStore): EventStore & { readAllCalls: number } {
  const wrapped = Object.create(store) as EventStore & { readAllCalls: number };
  wrapped.readAllCalls = 0;
  wrapped.readAll = (options?: ReadAllOptions) => {
    wrapped.readAllCalls += 1;
    return store.readAll(options);
  };
  return wrapped;
}

async function take(iterator: AsyncIterator<RecordedEvent>, n: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  while (out.length < n) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

describe('SharedLogReader', () => {
  let store: SqliteEventStore;

  beforeEach(async () => {
    store = new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 5 });
    for (let i = 0; i < 25; i++) await store.appendToStream(`s-${i % 3}`, [event(i)]);
  });

  afterEach(async () => {
    await store.close();
  });

  it('reads each page of the log once for every subscription catching up from the same place', async () => {
    const log = counting(store);
    const reader = new SharedLogReader(log, { pageSize: 10 });
    const subscriptions = [reader.subscribe(START), reader.subscribe(START), reader.subscribe(START)];
    const received = await Promise.all(subscriptions.map((s) => take(s[Symbol.asyncIterator](), 25)));
    await Promise.all(subscriptions.map((s) => s.stop()));

    for (const events of received) expect(events.map((e) => (e.data as { n: number }).n)).toEqual([...Array(25).keys()]);
    // Pages of 10, 10 and 5 events: three reads in all, not three per subscription.
    expect(log.readAllCalls).toBe(3);
  });

  it('starts after the given position and goes on with events appended after catching up', async () => {
    const reader = new SharedLogReader(store, { pageSize: 10 });
    const subscription = reader.subscribe(positionOf(20n));
    const iterator = subscription[Symbol.asyncIterator]();
    const caughtUp = await take(iterator, 5);
    expect(caughtUp.map((e) => e.position)).toEqual([21n, 22n, 23n, 24n, 25n]);

    await store.appendToStream('s-live', [event(100), event(101)]);
    const live = await take(iterator, 2);
    expect(live.map((e) => (e.data as { n: number }).n)).toEqual([100, 101]);
    await subscription.stop();
  });

  it('does not serve a stale short page to a subscription that starts after more events arrived', async () => {
    const reader = new SharedLogReader(store, { pageSize: 100 });
    const first = reader.subscribe(START);
    expect(await take(first[Symbol.asyncIterator](), 25)).toHaveLength(25);
    await first.stop();

    await store.appendToStream('s-more', [event(200)]);
    const second = reader.subscribe(START);
    const events = await take(second[Symbol.asyncIterator](), 26);
    await second.stop();
    expect(events).toHaveLength(26);
    expect((events[25].data as { n: number }).n).toBe(200);
  });
});
