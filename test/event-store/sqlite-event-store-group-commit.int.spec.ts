import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NewEvent, type RecordedEvent, START, WrongExpectedRevisionError } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';

/** Concurrent appends share one transaction (group commit); each keeps its own check and outcome. */
describe('SqliteEventStore group commit', () => {
  const directory = mkdtempSync(join(tmpdir(), 'relata-group-commit-'));
  let files = 0;
  const opened: SqliteEventStore[] = [];
  const open = (filename = join(directory, `events-${(files += 1)}.db`)): SqliteEventStore => {
    const store = new SqliteEventStore({ filename, pollIntervalMs: 20 });
    opened.push(store);
    return store;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('commits concurrent appends to many streams, each with its own revision and a distinct position', async () => {
    const store = open();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => store.appendToStream(`s-${i}`, [event(), event()], { expectedRevision: 'no_stream' })),
    );

    expect(results.every((r) => r.nextExpectedRevision === 1n)).toBe(true);
    expect(new Set(results.map((r) => r.position)).size).toBe(30);
    const all = await store.readAll({ limit: 100 });
    expect(all).toHaveLength(60);
    expect(all.map((e) => e.position)).toEqual([...all.map((e) => e.position)].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('refuses only the appends whose expectation fails; the others of the same turn are stored', async () => {
    const store = open();
    await store.appendToStream('counter', [event()]);
    const winner = event('Won');
    const contenders = [winner, event('Lost'), event('Lost')].map((e) => store.appendToStream('counter', [e], { expectedRevision: 0n }));
    const bystander = store.appendToStream('other', [event()], { expectedRevision: 'no_stream' });

    const outcomes = await Promise.allSettled([...contenders, bystander]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    for (const refused of outcomes.filter((o) => o.status === 'rejected')) {
      expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
    }
    const counter = await store.readStream('counter');
    expect(counter.map((e) => e.type)).toEqual(['Test', 'Won']);
    expect(counter[1].id).toBe(winner.id);
    expect(await store.readStream('other')).toHaveLength(1);
  });

  it('groups appends issued from separate callbacks of one event-loop turn (as HTTP requests are), counting groups and appends', async () => {
    const store = open();
    await store.appendToStream('taken', [event()]);
    const before = store.commitCounts();
    // Timers due together run in one timers phase, each followed by its own microtasks: a group
    // that closed at the first microtask checkpoint would commit each append alone.
    const issued = Array.from(
      { length: 20 },
      (_, i) =>
        new Promise<PromiseSettledResult<unknown>[]>((resolve) =>
          setTimeout(() => {
            const streamName = i === 7 ? 'taken' : `request-${i}`;
            void Promise.allSettled([store.appendToStream(streamName, [event()], { expectedRevision: 'no_stream' })]).then(resolve);
          }, 0),
        ),
    );
    const outcomes = (await Promise.all(issued)).flat();
    const after = store.commitCounts();

    expect(after.appends - before.appends).toBe(20);
    expect(after.groups - before.groups).toBeLessThan(20);
    // The append to a stream that exists fails alone; the others of its group are stored.
    expect(outcomes.map((o) => o.status)).toEqual(Array.from({ length: 20 }, (_, i) => (i === 7 ? 'rejected' : 'fulfilled')));
    expect((outcomes[7] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
    expect(
      outcomes
        .filter((o) => o.status === 'fulfilled')
        .map((o) => (o as PromiseFulfilledResult<{ nextExpectedRevision: bigint }>).value.nextExpectedRevision),
    ).toEqual(Array.from({ length: 19 }, () => 0n));
    expect(await store.readStream('taken')).toHaveLength(1);
    expect((await store.readAll({ limit: 100 })).map((e) => e.streamName).filter((name) => name.startsWith('request-'))).toHaveLength(19);
  });

  it('stores a batch sent twice in one turn once, and answers both with the same result', async () => {
    const store = open();
    const batch = [event(), event()];
    const [first, second] = await Promise.all([
      store.appendToStream('order-1', batch, { expectedRevision: 'no_stream' }),
      store.appendToStream('order-1', batch, { expectedRevision: 'no_stream' }),
    ]);

    expect(second).toEqual(first);
    expect(await store.readStream('order-1')).toHaveLength(2);
  });

  it('commits the appends still waiting when the store is closed', async () => {
    const filename = join(directory, 'closing.db');
    const store = open(filename);
    const pending = store.appendToStream('late', [event()]);
    await store.close();

    await expect(pending).resolves.toMatchObject({ nextExpectedRevision: 0n });
    expect(await open(filename).readStream('late')).toHaveLength(1);
  });

  it('delivers every event of a group commit to a live subscription, in position order', async () => {
    const store = open();
    const subscription = store.subscribeToAll({ fromPosition: START });
    const received: RecordedEvent[] = [];
    const consuming = (async () => {
      for await (const recorded of subscription) {
        received.push(recorded);
        if (received.length === 20) break;
      }
    })();

    await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendToStream(`live-${i}`, [event()])));
    await consuming;

    expect(received.map((e) => e.streamName).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `live-${i}`).sort());
    expect(received.map((e) => e.position)).toEqual([...received.map((e) => e.position)].sort((a, b) => (a < b ? -1 : 1)));
  });
});

function event(type = 'Test'): NewEvent {
  const now = '2026-01-01T00:00:00.000Z';
  return {
    id: randomUUID(),
    type,
    data: { value: 1 },
    metadata: { actor: 'test', correlationId: 'c', causationId: 'c', occurredAt: now, recordedAt: now, schemaVersion: 1 },
  };
}
