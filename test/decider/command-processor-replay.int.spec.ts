import { ManualClock } from '../../src/shared/clock';
import { CommandProcessor } from '../../src/shared/decider/command-processor';
import type { Decider } from '../../src/shared/decider/decider';
import type { RecordedEvent } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { SequentialIdGenerator } from '../../src/shared/ids';

/**
 * Idempotent replay of commands that append several events, on several streams with one
 * Idempotency-Key: a retry answers with every event the first request appended (ids, positions,
 * revisions), on that stream only, and appends nothing.
 */

type Command = { type: 'Record'; tags: readonly string[] };
type Event = { type: 'Tagged'; data: { tag: string } };

/** Records one event per tag: a command of n tags appends n events. */
const tagger: Decider<{ tags: number }, Command, Event> = {
  initialState: () => ({ tags: 0 }),
  evolve: (state) => ({ tags: state.tags + 1 }),
  decide: (command) => command.tags.map((tag) => ({ type: 'Tagged', data: { tag } })),
};

const tags = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('CommandProcessor: idempotent replay of multi-event commands', () => {
  const context = { actor: 'test', correlationId: 'corr', commandId: '' };
  let store: SqliteEventStore;
  let clock: ManualClock;
  const processor = () => new CommandProcessor(store, clock, new SequentialIdGenerator());
  const record = (p: CommandProcessor, streamName: string, eventTags: readonly string[], idempotencyKey?: string) =>
    p.handle({ decider: tagger, streamName, command: { type: 'Record', tags: eventTags }, context: { ...context, idempotencyKey } });

  beforeEach(() => {
    store = new SqliteEventStore({ filename: ':memory:' });
    clock = new ManualClock('2026-03-10T12:00:00.000Z');
  });
  afterEach(() => store.close());

  /** The events of the stream from `from` on, as stored. */
  const stored = async (streamName: string, from: number, count: number): Promise<RecordedEvent[]> =>
    store.readStream(streamName, { fromRevision: BigInt(from), maxCount: count });

  it('given a three-event request, when it is retried, then every one of its events comes back with its position and nothing is appended', async () => {
    const p = processor();
    await record(p, 'batch-1', ['before']);
    const first = await record(p, 'batch-1', tags('t', 3), 'key-1');
    const appended = await stored('batch-1', 1, 10);
    expect(appended.map((e) => e.data)).toEqual([{ tag: 't0' }, { tag: 't1' }, { tag: 't2' }]);
    expect(first).toMatchObject({ replayed: false, revision: 3n, position: appended[2].position });

    clock.advance(60_000);
    for (const retrying of [p, processor()]) {
      const retry = await record(retrying, 'batch-1', tags('t', 3), 'key-1');
      expect(retry).toMatchObject({ replayed: true, streamName: 'batch-1', revision: 3n, position: appended[2].position });
      expect(retry.events).toEqual(appended);
    }
    expect((await store.readAll()).length).toBe(4);
  });

  it('replays only the retried request, not the one after it', async () => {
    const p = processor();
    await record(p, 'batch-1', tags('a', 3), 'key-a');
    await record(p, 'batch-1', tags('b', 2), 'key-b');
    const [a, b] = [await stored('batch-1', 0, 3), await stored('batch-1', 3, 2)];
    for (const retrying of [p, processor()]) {
      expect((await record(retrying, 'batch-1', tags('a', 3), 'key-a')).events).toEqual(a);
      expect(await record(retrying, 'batch-1', tags('b', 2), 'key-b')).toMatchObject({ events: b, position: b[1].position, revision: 4n });
    }
  });

  it('replays a request of more events than one read page (64) in full', async () => {
    await record(processor(), 'batch-1', tags('t', 70), 'key-big');
    await record(processor(), 'batch-1', ['after']);
    const appended = await stored('batch-1', 0, 70);
    const retry = await record(processor(), 'batch-1', tags('t', 70), 'key-big');
    expect(retry.events).toEqual(appended);
    expect(retry).toMatchObject({ replayed: true, position: appended[69].position, revision: 70n });
  });

  it('given one key on two streams, then each stream gets its own events with their own ids, and each retry replays its own stream', async () => {
    const p = processor();
    const onA = await record(p, 'batch-a', tags('x', 2), 'shared-key');
    const onB = await record(p, 'batch-b', tags('x', 2), 'shared-key');
    expect([onA.replayed, onB.replayed]).toEqual([false, false]);
    const [a, b] = [await stored('batch-a', 0, 10), await stored('batch-b', 0, 10)];
    expect([a.length, b.length]).toEqual([2, 2]);
    expect(new Set([...a, ...b].map((e) => e.id)).size).toBe(4);

    for (const retrying of [p, processor()]) {
      expect(await record(retrying, 'batch-a', tags('x', 2), 'shared-key')).toMatchObject({
        replayed: true,
        events: a,
        position: a[1].position,
      });
      expect(await record(retrying, 'batch-b', tags('x', 2), 'shared-key')).toMatchObject({
        replayed: true,
        events: b,
        position: b[1].position,
      });
    }
    expect((await store.readAll()).length).toBe(4);
  });
});
