import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { StreamPrefixedEventStore } from '../../src/shared/event-store/stream-prefixed-event-store';
import type { NewEvent } from '../../src/shared/event-store/event-store.port';
import { START } from '../../src/shared/event-store/position';
import { eventStoreContract } from '../contracts/event-store.contract';
import { SparsePositionEventStore } from '../support/sparse-position-event-store';
import { testEvent, testEventId } from '../support/test-event';

// Another installation writes to the same log all the time: the contract must still hold for this one.
eventStoreContract('sqlite behind a stream prefix, sharing its log', async () => {
  const shared = new SparsePositionEventStore(new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 20 }));
  const neighbour = new StreamPrefixedEventStore(shared, 'neighbour-');
  for (let i = 0; i < 700; i++) await neighbour.appendToStream(`n-${i % 7}`, [noted(i)]);
  return { store: new StreamPrefixedEventStore(shared, 'run-1-'), teardown: () => shared.close() };
});

let ids = 0;
const noted = (n: number): NewEvent => testEvent(testEventId((ids += 1)), 'Noted', { n });

describe('StreamPrefixedEventStore', () => {
  let shared: SqliteEventStore;
  beforeEach(() => {
    shared = new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 20 });
  });
  afterEach(() => shared.close());

  it('given two installations on one log, then each reads, subscribes to and finds the head of its own streams only, by their own names', async () => {
    const a = new StreamPrefixedEventStore(shared, 'a-');
    const b = new StreamPrefixedEventStore(shared, 'b-');
    await a.appendToStream('customer-1', [noted(1)]);
    for (let i = 0; i < 1200; i++) await b.appendToStream('customer-1', [noted(i)]);

    expect((await shared.readStream('a-customer-1')).map((e) => e.data)).toEqual([{ n: 1 }]);
    const [own] = await a.readAll();
    expect(await a.readAll()).toEqual([expect.objectContaining({ streamName: 'customer-1', data: { n: 1 } })]);
    expect(await a.readStream('customer-1')).toEqual([own]);
    expect(await a.headPosition()).toBe(own.position);
    expect(await a.readAll({ direction: 'backwards', limit: 5 })).toEqual([own]);
    expect(await a.readAll({ fromPosition: own.position })).toEqual([]);
    expect(await new StreamPrefixedEventStore(shared, 'c-').headPosition()).toBe(START);

    const subscription = a.subscribeToAll({ fromPosition: START });
    const later = a.appendToStream('customer-2', [noted(2)]);
    const seen = [];
    for await (const event of subscription) {
      seen.push(event);
      if (seen.length === 2) break;
    }
    await subscription.stop();
    expect(seen.map((e) => e.streamName)).toEqual(['customer-1', 'customer-2']);
    expect((await later).position).toBe(seen[1].position);
  });

  it('reports a wrong expected revision by the name the caller used', async () => {
    const a = new StreamPrefixedEventStore(shared, 'a-');
    await a.appendToStream('customer-1', [noted(1)]);
    await expect(a.appendToStream('customer-1', [noted(2)], { expectedRevision: 'no_stream' })).rejects.toMatchObject({
      code: 'WRONG_EXPECTED_REVISION',
      streamName: 'customer-1',
      actual: 0n,
    });
  });

  it('refuses an empty prefix or one that would name system streams', () => {
    expect(() => new StreamPrefixedEventStore(shared, '')).toThrow();
    expect(() => new StreamPrefixedEventStore(shared, '$ce-')).toThrow();
  });
});
