import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/shared/clock';
import type {
  AllSubscription,
  EventStore,
  NewEvent,
  Position,
  RecordedEvent,
  SubscribeOptions,
} from '../../src/shared/event-store/event-store.port';
import { SequentialIdGenerator } from '../../src/shared/ids';
import type { ProjectionDefinition } from '../../src/shared/projections/projection';
import {
  PROJECTIONS_META_COLLECTION,
  ProjectionMetaDocument,
  RETAIN_REPLACED_GENERATION_MS,
  ProjectionRunner,
  type ProjectionRunnerLogger,
} from '../../src/shared/projections/projection-runner';
import type { Document, ReadStore } from '../../src/shared/read-store/read-store.port';
import { openTestStores, type TestStores } from '../support/test-stores';
import { START, positionOf, positionValue } from '../../src/shared/event-store/position';

const directory = mkdtempSync(join(tmpdir(), 'relata-projection-runner-'));
let files = 0;

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

interface CountDocument extends Document {
  count: number;
}

interface CounterOptions {
  name?: string;
  version?: number;
  /** Added to the stream's count per event (a "logic change" between versions). */
  increment?: number;
  /** Throws for these events, after writing. */
  failOn?: (event: RecordedEvent) => boolean;
  /** Awaited first in every call to handle. */
  beforeHandle?: () => Promise<void>;
}

/** Counts `Counted` events per stream into counts/<streamName>; records every call to handle. */
function counterProjection(options: CounterOptions = {}): ProjectionDefinition & { handled: RecordedEvent[] } {
  const handled: RecordedEvent[] = [];
  return {
    name: options.name ?? 'test-counter',
    version: options.version ?? 1,
    eventTypes: ['Counted'],
    collections: { counts: { indexes: [{ keys: { count: 1 } }] }, marks: {} },
    handled,
    async handle(event, ctx) {
      await options.beforeHandle?.();
      handled.push(event);
      await ctx.collection<CountDocument>('counts').update(event.streamName, { $inc: { count: options.increment ?? 1 } }, { upsert: true });
      if (options.failOn?.(event)) {
        await ctx.collection('marks').replace(event.id, { note: 'written before the failure' });
        throw new Error(`cannot count event ${event.id}`);
      }
    },
  };
}

const silentLogger: ProjectionRunnerLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('ProjectionRunner', () => {
  let clock: ManualClock;
  let ids: SequentialIdGenerator;
  let stores: TestStores;
  let eventStore: EventStore;
  let readStore: ReadStore;
  const runners: ProjectionRunner[] = [];

  // Embedded files, or EventStoreDB and MongoDB when EVENTSTORE_URL / MONGODB_URL are set.
  beforeEach(async () => {
    files += 1;
    clock = new ManualClock('2026-03-01T10:00:00.000Z');
    ids = new SequentialIdGenerator();
    stores = await openTestStores(join(directory, `stores-${files}`));
    ({ eventStore, readStore } = stores);
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await stores.close();
  });

  const newRunner = (
    projections: ProjectionDefinition[],
    options: { batchSize?: number; maxAttempts?: number; housekeepingMs?: number } = {},
  ): ProjectionRunner => {
    const runner = new ProjectionRunner({
      eventStore,
      readStore,
      clock,
      projections,
      retryDelayMs: 5,
      logger: silentLogger,
      ...options,
    });
    runners.push(runner);
    return runner;
  };

  const newEvent = (type: string, data: Record<string, unknown> = {}): NewEvent => {
    const now = clock.now().toISOString();
    return {
      id: ids.next(),
      type,
      data,
      metadata: {
        actor: 'test',
        correlationId: 'correlation',
        causationId: 'causation',
        occurredAt: now,
        recordedAt: now,
        schemaVersion: 1,
      },
    };
  };

  const count = (stream: string, times = 1, data: Record<string, unknown> = {}): Promise<Position> =>
    eventStore
      .appendToStream(
        stream,
        Array.from({ length: times }, () => newEvent('Counted', data)),
      )
      .then((result) => result.position);

  const countOf = async (runner: ProjectionRunner, stream: string): Promise<number | undefined> =>
    (await runner.collection<CountDocument>('test-counter', 'counts').get(stream))?.count;

  const meta = (name = 'test-counter'): Promise<ProjectionMetaDocument | null> =>
    readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get(name);

  const allDocuments = async (runner: ProjectionRunner, logical = 'counts'): Promise<Document[]> => {
    const docs: Document[] = [];
    for await (const doc of runner.collection('test-counter', logical).findAll()) docs.push(doc);
    return docs;
  };

  it('catches up on existing events, then applies live ones, and stores the checkpoint', async () => {
    await count('counter-a', 3);
    await count('counter-b', 2);
    await eventStore.appendToStream('other-1', [newEvent('Ignored')]);
    const runner = newRunner([counterProjection()]);

    await runner.start();
    await runner.catchUp();

    expect(await countOf(runner, 'counter-a')).toBe(3);
    expect(await countOf(runner, 'counter-b')).toBe(2);
    // The checkpoint moves past events the projection does not handle too.
    const head = await eventStore.headPosition();
    expect(runner.position('test-counter')).toBe(head);
    expect((await meta())?.position).toBe(head.toString());

    const live = await count('counter-a', 2);
    expect(await runner.waitForPosition('test-counter', live, 5000)).toBe(true);
    expect(await countOf(runner, 'counter-a')).toBe(5);
    expect((await meta())?.position).toBe(live.toString());
    const [status] = await runner.status();
    expect(status).toMatchObject({
      name: 'test-counter',
      version: 1,
      generation: 1,
      position: live.toString(),
      lagEvents: 0,
      lagSeconds: 0,
      state: 'live',
      parked: [],
    });
  });

  it('reports the lag in events and in seconds of the oldest unprocessed event', async () => {
    await count('counter-a', 3);
    clock.advance(30_000);
    await count('counter-b', 1);
    clock.advance(15_000);
    const runner = newRunner([counterProjection()]);

    const [before] = await runner.status();
    expect(before).toMatchObject({ position: null, lagEvents: 4, lagSeconds: 45, state: 'stopped' });

    await runner.start();
    await runner.catchUp();
    const [after] = await runner.status();
    expect(after).toMatchObject({ lagEvents: 0, lagSeconds: 0, state: 'live' });
  });

  it('counts nothing twice across a restart', async () => {
    await count('counter-a', 3);
    const first = newRunner([counterProjection()]);
    await first.start();
    await first.catchUp();
    await first.stop();

    await count('counter-a', 2);
    const definition = counterProjection();
    const second = newRunner([definition]);
    await second.start();
    await second.catchUp();

    expect(await countOf(second, 'counter-a')).toBe(5);
    // Only the two new events were delivered to the restarted runner.
    expect(definition.handled).toHaveLength(2);
  });

  it('keeps counts right when events are delivered again (checkpoint moved back)', async () => {
    await count('counter-a', 3);
    await count('counter-b', 2);
    const first = newRunner([counterProjection()]);
    await first.start();
    await first.catchUp();
    await first.stop();

    // As if the checkpoint had not been stored: every event is redelivered.
    await readStore.collection(PROJECTIONS_META_COLLECTION).update('test-counter', { $set: { position: null } });
    const definition = counterProjection();
    const second = newRunner([definition]);
    await second.start();
    await second.catchUp();

    expect(definition.handled).toHaveLength(5);
    expect(await countOf(second, 'counter-a')).toBe(3);
    expect(await countOf(second, 'counter-b')).toBe(2);
  });

  it('rolls back the writes of an event whose handler throws after writing', async () => {
    await count('counter-a', 2);
    await count('counter-a', 1, { fail: true });
    await count('counter-b', 1, { fail: true });
    await count('counter-a', 1);
    const failOn = (event: RecordedEvent): boolean => (event.data as { fail?: boolean }).fail === true;
    const runner = newRunner([counterProjection({ failOn })], { maxAttempts: 2 });

    await runner.start();
    await runner.catchUp();

    expect(await countOf(runner, 'counter-a')).toBe(3);
    expect(await countOf(runner, 'counter-b')).toBeUndefined();
    expect(await allDocuments(runner, 'marks')).toEqual([]);
  });

  it('parks a poison event, goes on with later events, and leaves other projections alone', async () => {
    await count('counter-a', 1);
    const poison = await count('counter-a', 1, { poison: true });
    await count('counter-a', 1);
    const isPoison = (event: RecordedEvent): boolean => (event.data as { poison?: boolean }).poison === true;
    const failing = counterProjection({ failOn: isPoison });
    const healthy = counterProjection({ name: 'healthy-counter' });
    const runner = newRunner([failing, healthy], { maxAttempts: 3 });

    await runner.start();
    await runner.catchUp();

    expect(await countOf(runner, 'counter-a')).toBe(2);
    expect(failing.handled.filter(isPoison)).toHaveLength(3);
    expect((await runner.collection<CountDocument>('healthy-counter', 'counts').get('counter-a'))?.count).toBe(3);

    const live = await count('counter-a', 1);
    expect(await runner.waitForPosition('test-counter', live, 5000)).toBe(true);
    expect(await runner.waitForPosition('healthy-counter', live, 5000)).toBe(true);
    expect(await countOf(runner, 'counter-a')).toBe(3);

    const statuses = await runner.status();
    const failingStatus = statuses.find((status) => status.name === 'test-counter');
    const healthyStatus = statuses.find((status) => status.name === 'healthy-counter');
    expect(failingStatus?.parked).toEqual([
      {
        projection: 'test-counter',
        eventId: expect.any(String),
        eventType: 'Counted',
        streamName: 'counter-a',
        position: poison.toString(),
        error: expect.stringContaining('cannot count event'),
        attempts: 3,
        parkedAt: clock.now().toISOString(),
      },
    ]);
    expect(failingStatus?.state).toBe('live');
    expect(healthyStatus?.parked).toEqual([]);
    expect(healthyStatus?.position).toBe(live.toString());
  });

  it('rebuilds into a new generation when the version changes, switching readers once caught up', async () => {
    await count('counter-a', 3);
    await count('counter-b', 1);
    const v1 = newRunner([counterProjection({ version: 1 })]);
    await v1.start();
    await v1.catchUp();
    await v1.stop();

    // Hold back the rebuild (it is the only loop reading from the start) until the checks below.
    const gate = holdSubscriptions(eventStore, (options) => options.fromPosition === START);
    const v2 = newRunner([counterProjection({ version: 2, increment: 10 })]);
    try {
      await v2.start();

      expect(await countOf(v2, 'counter-a')).toBe(3);
      const [during] = await v2.status();
      expect(during).toMatchObject({ version: 1, generation: 1, state: 'rebuilding', rebuild: { generation: 2 } });
      expect(await readStore.listCollections()).toEqual(expect.arrayContaining(['test-counter.counts__g1', 'test-counter.counts__g2']));
    } finally {
      gate.open();
    }

    await v2.rebuild('test-counter');

    expect(await countOf(v2, 'counter-a')).toBe(30);
    expect(await countOf(v2, 'counter-b')).toBe(10);
    const [after] = await v2.status();
    expect(after).toMatchObject({ version: 2, generation: 2, state: 'live' });
    expect(after.rebuild).toBeUndefined();
    const collections = await readStore.listCollections();
    expect(collections).toContain('test-counter.counts__g2');

    const live = await count('counter-a', 1);
    expect(await v2.waitForPosition('test-counter', live, 5000)).toBe(true);
    expect(await countOf(v2, 'counter-a')).toBe(40);
  });

  it('resumes an interrupted rebuild where it stopped, and catchUp() waits for its switch', async () => {
    await count('counter-a', 6);
    await count('counter-b', 4);
    const v1 = newRunner([counterProjection({ version: 1 })]);
    await v1.catchUp();

    let calls = 0;
    let stopping: Promise<void> | undefined;
    let requested!: () => void;
    const stopRequested = new Promise<void>((resolve) => {
      requested = resolve;
    });
    const interrupted = counterProjection({
      version: 2,
      increment: 10,
      beforeHandle: async () => {
        calls += 1;
        // Not awaited here: stop() waits for this very batch to commit.
        if (calls === 3) {
          stopping = interruptedRunner.stop();
          requested();
        }
      },
    });
    const interruptedRunner = newRunner([interrupted], { batchSize: 2 });
    await interruptedRunner.start();
    await stopRequested;
    await stopping;
    const [halfway] = await interruptedRunner.status();
    expect(halfway).toMatchObject({ version: 1, generation: 1, rebuild: { generation: 2 } });
    expect(interrupted.handled).toHaveLength(4);

    const resumed = counterProjection({ version: 2, increment: 10 });
    const runner = newRunner([resumed], { batchSize: 2 });
    await runner.start();
    await runner.catchUp();

    expect(resumed.handled).toHaveLength(6);
    expect(await countOf(runner, 'counter-a')).toBe(60);
    expect(await countOf(runner, 'counter-b')).toBe(40);
    expect((await runner.status())[0]).toMatchObject({ version: 2, generation: 2, state: 'live' });
  });

  it('rebuilds on demand into the same documents while live events keep coming', async () => {
    await count('counter-a', 3);
    await count('counter-b', 2);
    const runner = newRunner([counterProjection()], { batchSize: 2 });
    await runner.start();
    await runner.catchUp();
    const before = await allDocuments(runner);

    const rebuilt = runner.rebuild('test-counter');
    const live = await count('counter-c', 2);
    await rebuilt;
    expect(await runner.waitForPosition('test-counter', live, 5000)).toBe(true);

    const [status] = await runner.status();
    expect(status).toMatchObject({ generation: 2, version: 1, position: live.toString() });
    expect(await allDocuments(runner)).toEqual([...before, expect.objectContaining({ _id: 'counter-c', count: 2 })]);
  });

  it('keeps a replaced generation for the readers that still hold it, and drops it once its retention has passed', async () => {
    await count('counter-a', 3);
    const runner = newRunner([counterProjection()], { housekeepingMs: 10 });
    await runner.start();
    await runner.catchUp();
    const heldByAReader = runner.collection<CountDocument>('test-counter', 'counts');

    await runner.rebuild('test-counter');
    expect((await runner.status())[0]).toMatchObject({ generation: 2 });
    expect(await heldByAReader.get('counter-a')).toMatchObject({ count: 3 });
    // A restart decides deterministically what to keep (prepare() drops what nobody may read any more).
    clock.advance(RETAIN_REPLACED_GENERATION_MS - 1);
    await runner.stop();
    const restarted = newRunner([counterProjection()], { housekeepingMs: 10 });
    await restarted.start();
    expect(await readStore.listCollections()).toEqual(expect.arrayContaining(['test-counter.counts__g1', 'test-counter.counts__g2']));
    expect(await heldByAReader.get('counter-a')).toMatchObject({ count: 3 });

    clock.advance(1);
    await until(async () => (await readStore.listCollections()).every((name) => !name.endsWith('__g1')));
    expect(await readStore.listCollections()).toContain('test-counter.counts__g2');
    await until(
      async () =>
        (await readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get('test-counter'))?.retired?.length === 0,
    );
    expect(await countOf(restarted, 'counter-a')).toBe(3);
  });

  it('rebuilds when another process requests it, and drops generations left behind by a crash at start', async () => {
    await count('counter-a', 2);
    const first = newRunner([counterProjection()]);
    await first.catchUp();
    // A generation no meta document mentions, as a crash between a switch and its record would leave.
    await readStore.collection('test-counter.counts__g7').replace('stray', { count: 1 });

    const runner = newRunner([counterProjection()], { housekeepingMs: 10 });
    await runner.start();
    expect((await readStore.listCollections()).filter((name) => name.endsWith('__g7'))).toEqual([]);

    await readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).update('test-counter', {
      $set: { rebuildRequested: { requestedAt: clock.now().toISOString(), by: 'relata projections rebuild' } },
    });
    await until(async () => (await runner.status())[0].generation === 2);
    const meta = await readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get('test-counter');
    expect(meta?.rebuildRequested).toBeUndefined();
    expect(meta?.retired).toEqual([{ generation: 1, replacedAt: clock.now().toISOString() }]);
    expect(await countOf(runner, 'counter-a')).toBe(2);
  });

  it('catches up and rebuilds without start() (command line use)', async () => {
    await count('counter-a', 3);
    const cli = newRunner([counterProjection()]);

    await cli.catchUp();
    expect(await countOf(cli, 'counter-a')).toBe(3);
    const before = await allDocuments(cli);

    await cli.rebuild();
    expect(cli.position('test-counter')).toBe(await eventStore.headPosition());
    expect((await cli.status())[0]).toMatchObject({ generation: 2, state: 'stopped', lagEvents: 0 });
    expect(await allDocuments(cli)).toEqual(before);
  });

  it('waitForPosition resolves once the event is projected, and false for a position never reached', async () => {
    const runner = newRunner([counterProjection()]);
    await runner.start();

    const position = await count('counter-a', 1);
    expect(await runner.waitForPosition('test-counter', position, 5000)).toBe(true);
    expect(await countOf(runner, 'counter-a')).toBe(1);

    // A position beyond the embedded log's head (made from its value: only a test may).
    const never = positionOf(positionValue(position) + 1000n);
    expect(await runner.waitForPosition('test-counter', never, 30)).toBe(false);
  });

  it('stop() lets the batch in flight commit with its checkpoint, and can be called twice', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const handling = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const runner = newRunner([
      counterProjection({
        beforeHandle: async () => {
          entered();
          await released;
          // Still busy a little after the release, so a stop() that did not wait would return first.
          await new Promise((resolve) => setTimeout(resolve, 20));
          order.push('handled');
        },
      }),
    ]);
    const order: string[] = [];
    await runner.start();
    const position = await count('counter-a', 1);
    await handling;

    const stopping = [runner.stop(), runner.stop()].map((stop) => stop.then(() => order.push('stopped')));
    release();
    await Promise.all(stopping);

    expect(order).toEqual(['handled', 'stopped', 'stopped']);

    expect((await meta())?.position).toBe(position.toString());
    expect(await countOf(runner, 'counter-a')).toBe(1);
    expect((await runner.status())[0].state).toBe('stopped');
  });

  it('applies many events in far fewer transactions than events', async () => {
    for (let i = 0; i < 50; i += 1) await count(`counter-${i % 5}`, 100);
    const transactions = jest.spyOn(readStore, 'withTransaction');
    const runner = newRunner([counterProjection()]);

    await runner.start();
    await runner.catchUp();

    for (let i = 0; i < 5; i += 1) expect(await countOf(runner, `counter-${i}`)).toBe(1000);
    expect(transactions.mock.calls.length).toBeLessThan(50);
  });
});

/**
 * Holds back the subscriptions selected by `when` until open() is called: the real subscription,
 * with its first deliveries delayed.
 */
function holdSubscriptions(store: EventStore, when: (options: SubscribeOptions) => boolean): { open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const subscribe = store.subscribeToAll.bind(store);
  jest.spyOn(store, 'subscribeToAll').mockImplementation((options: SubscribeOptions = {}): AllSubscription => {
    const subscription = subscribe(options);
    if (!when(options)) return subscription;
    const iterator = subscription[Symbol.asyncIterator]();
    let stopped!: () => void;
    const stopping = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    const stop = async (): Promise<void> => {
      stopped();
      await subscription.stop();
    };
    return {
      stop,
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          await Promise.race([opened, stopping]);
          return iterator.next();
        },
        return: async () => {
          await stop();
          return { done: true, value: undefined };
        },
      }),
    };
  });
  return { open };
}

/** Polls until the probe holds (what another loop or timer does has no completion to await). */
async function until(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
