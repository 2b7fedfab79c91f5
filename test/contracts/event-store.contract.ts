import { randomUUID } from 'node:crypto';
import {
  EventMetadata,
  EventStore,
  ExpectedRevision,
  NewEvent,
  Position,
  RecordedEvent,
  WrongExpectedRevisionError,
} from '../../src/shared/event-store/event-store.port';
import { comparePositions } from '../../src/shared/event-store/position';

export interface EventStoreContractFixture {
  store: EventStore;
  teardown: () => Promise<void>;
}

export interface EventStoreContractOptions {
  /** Pass describeWithEnv(...) (test/support/skips.ts) to make the suite conditional on a reachable server, with its reason. */
  describeFn?: jest.Describe;
}

/**
 * Behaviour every EventStore adapter must have. Written only against the port, and safe against
 * a shared server: each test uses its own streams (and event types where subscriptions filter),
 * never assumes the log is empty, and only looks at events after the head it saw first.
 */
export function eventStoreContract(
  adapterName: string,
  factory: () => Promise<EventStoreContractFixture>,
  options: EventStoreContractOptions = {},
): void {
  const describeFn = options.describeFn ?? describe;

  describeFn(`EventStore contract: ${adapterName}`, () => {
    let store: EventStore;
    let teardown: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ store, teardown } = await factory());
    });

    afterAll(async () => {
      await teardown?.();
    });

    describe('appendToStream expected revisions', () => {
      it("'any' creates a missing stream and appends to an existing one, with 0-based revisions", async () => {
        const stream = uniqueStream('any');

        const first = await store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: 'any' });
        const second = await store.appendToStream(stream, [newEvent()]);

        expect(first.nextExpectedRevision).toBe(1n);
        expect(second.nextExpectedRevision).toBe(2n);
        const events = await store.readStream(stream);
        expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expect(first.position).toBe(events[1].position);
        expect(second.position).toBe(events[2].position);
      });

      it("'no_stream' succeeds on a missing stream and fails on an existing one", async () => {
        const stream = uniqueStream('no-stream');

        const result = await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(0n);

        await expectWrongRevision(store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' }), stream, 'no_stream', 0n);
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it("'stream_exists' fails on a missing stream and succeeds on an existing one", async () => {
        const stream = uniqueStream('stream-exists');

        await expectWrongRevision(
          store.appendToStream(stream, [newEvent()], { expectedRevision: 'stream_exists' }),
          stream,
          'stream_exists',
          'no_stream',
        );
        expect(await store.readStream(stream)).toEqual([]);

        await store.appendToStream(stream, [newEvent()]);
        const result = await store.appendToStream(stream, [newEvent()], { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1n);
      });

      it('an exact revision succeeds when it is the current one and fails otherwise', async () => {
        const stream = uniqueStream('exact');

        await expectWrongRevision(store.appendToStream(stream, [newEvent()], { expectedRevision: 0n }), stream, 0n, 'no_stream');

        await store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        const result = await store.appendToStream(stream, [newEvent()], { expectedRevision: 1n });
        expect(result.nextExpectedRevision).toBe(2n);

        await expectWrongRevision(store.appendToStream(stream, [newEvent()], { expectedRevision: 1n }), stream, 1n, 2n);
        await expectWrongRevision(store.appendToStream(stream, [newEvent()], { expectedRevision: 5n }), stream, 5n, 2n);
        expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0n, 1n, 2n]);
      });

      it('the error is typed and carries the stream, the expectation and the actual revision', async () => {
        const stream = uniqueStream('error');
        await store.appendToStream(stream, [newEvent()]);

        const error = await store.appendToStream(stream, [newEvent()], { expectedRevision: 3n }).then(
          () => undefined,
          (e: unknown) => e,
        );

        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', streamName: stream, expected: 3n, actual: 0n });
      });
    });

    describe('recorded events', () => {
      it('keep id, type, data and metadata verbatim and carry stream name, revision and position', async () => {
        const stream = uniqueStream('recorded');
        const metadata: EventMetadata = {
          actor: 'user:alice',
          correlationId: randomUUID(),
          causationId: randomUUID(),
          occurredAt: '2025-12-24T18:30:00.000Z',
          recordedAt: '2026-01-01T00:00:00.123Z',
          schemaVersion: 3,
          integrity: { previousHash: 'abc123', algorithm: 'sha256' },
        };
        const event: NewEvent = {
          id: randomUUID(),
          type: 'ContractCustomerRegistered',
          data: { name: 'Zoë Ñúñez 🙂', tags: ['vip', 'b2b'], credit: 1234.5, address: { city: 'Köln' }, vat: null },
          metadata,
        };

        const result = await store.appendToStream(stream, [event]);

        const [recorded] = await store.readStream(stream);
        expect(recorded).toEqual({ ...event, streamName: stream, revision: 0n, position: result.position });
        expect(typeof recorded.position).toBe('bigint');
        expect(typeof recorded.revision).toBe('bigint');
      });
    });

    describe('idempotent appends', () => {
      it('appending the same batch again with the same expectation returns the same result and stores nothing', async () => {
        const stream = uniqueStream('idempotent');
        const batch = [newEvent(), newEvent(), newEvent()];

        const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });

        expect(again).toEqual(first);
        expect((await store.readStream(stream)).map((e) => e.id)).toEqual(batch.map((e) => e.id));
      });

      it('a batch appended at an exact revision is idempotent when retried at that revision or with any', async () => {
        const stream = uniqueStream('idempotent-exact');
        const opening = newEvent();
        const batch = [newEvent(), newEvent()];
        await store.appendToStream(stream, [opening], { expectedRevision: 'no_stream' });

        const first = await store.appendToStream(stream, batch, { expectedRevision: 0n });
        const retried = await store.appendToStream(stream, batch, { expectedRevision: 0n });
        const retriedWithAny = await store.appendToStream(stream, batch, { expectedRevision: 'any' });

        expect(first.nextExpectedRevision).toBe(2n);
        expect(retried).toEqual(first);
        expect(retriedWithAny).toEqual(first);
        const events = await store.readStream(stream);
        expect(events.map((e) => e.id)).toEqual([opening, ...batch].map((e) => e.id));
        const later = await readAllAfter(store, first.position, first.position);
        expect(later.filter((e) => e.streamName === stream)).toEqual([]);
      });
    });

    describe('readStream', () => {
      let stream: string;
      let ids: string[];

      beforeAll(async () => {
        stream = uniqueStream('windows');
        const batch = Array.from({ length: 5 }, () => newEvent());
        ids = batch.map((e) => e.id);
        await store.appendToStream(stream, batch.slice(0, 2));
        await store.appendToStream(stream, batch.slice(2));
      });

      const revisionsOf = (events: RecordedEvent[]): bigint[] => events.map((e) => e.revision);

      it('reads forwards from revision 0 by default', async () => {
        const events = await store.readStream(stream);
        expect(revisionsOf(events)).toEqual([0n, 1n, 2n, 3n, 4n]);
        expect(events.map((e) => e.id)).toEqual(ids);
        expect(events.every((e) => e.streamName === stream)).toBe(true);
      });

      it('reads forwards within inclusive fromRevision/toRevision bounds and maxCount', async () => {
        expect(revisionsOf(await store.readStream(stream, { fromRevision: 2n }))).toEqual([2n, 3n, 4n]);
        expect(revisionsOf(await store.readStream(stream, { fromRevision: 1n, toRevision: 3n }))).toEqual([1n, 2n, 3n]);
        expect(revisionsOf(await store.readStream(stream, { maxCount: 2 }))).toEqual([0n, 1n]);
        expect(revisionsOf(await store.readStream(stream, { fromRevision: 1n, maxCount: 2 }))).toEqual([1n, 2n]);
        expect(revisionsOf(await store.readStream(stream, { toRevision: 0n }))).toEqual([0n]);
        expect(await store.readStream(stream, { fromRevision: 5n })).toEqual([]);
      });

      it('reads backwards from the last event by default, within bounds and maxCount', async () => {
        expect(revisionsOf(await store.readStream(stream, { direction: 'backwards' }))).toEqual([4n, 3n, 2n, 1n, 0n]);
        expect(revisionsOf(await store.readStream(stream, { direction: 'backwards', fromRevision: 3n }))).toEqual([3n, 2n, 1n, 0n]);
        expect(revisionsOf(await store.readStream(stream, { direction: 'backwards', fromRevision: 3n, toRevision: 1n }))).toEqual([
          3n,
          2n,
          1n,
        ]);
        expect(revisionsOf(await store.readStream(stream, { direction: 'backwards', maxCount: 2 }))).toEqual([4n, 3n]);
      });

      it('reads an unknown stream as empty in both directions', async () => {
        const unknown = uniqueStream('unknown');
        expect(await store.readStream(unknown)).toEqual([]);
        expect(await store.readStream(unknown, { direction: 'backwards' })).toEqual([]);
      });
    });

    describe('global order', () => {
      it('gives every event a strictly increasing position in append order across streams', async () => {
        const streams = [uniqueStream('order-a'), uniqueStream('order-b'), uniqueStream('order-c')];
        const before = await store.headPosition();
        const appended: { stream: string; id: string; position: Position }[] = [];
        for (const stream of [streams[0], streams[1], streams[0], streams[2], streams[1], streams[2]]) {
          const event = newEvent();
          const result = await store.appendToStream(stream, [event]);
          appended.push({ stream, id: event.id, position: result.position });
        }
        const last = appended[appended.length - 1].position;

        expect(comparePositions(appended[0].position, before)).toBeGreaterThan(0);
        for (let i = 1; i < appended.length; i += 1) {
          expect(comparePositions(appended[i].position, appended[i - 1].position)).toBeGreaterThan(0);
        }
        const ours = (events: RecordedEvent[]): RecordedEvent[] => events.filter((e) => streams.includes(e.streamName));
        const all = ours(await readAllAfter(store, before, last));
        expect(all.map((e) => ({ stream: e.streamName, id: e.id, position: e.position }))).toEqual(appended);

        const afterThird = ours(await readAllAfter(store, appended[2].position, last));
        expect(afterThird.map((e) => e.id)).toEqual(appended.slice(3).map((e) => e.id));
      });

      it('readAll honours the limit and reads backwards strictly before a position', async () => {
        const stream = uniqueStream('order-backwards');
        const results = [];
        for (let i = 0; i < 4; i += 1) results.push(await store.appendToStream(stream, [newEvent()]));

        const limited = await store.readAll({ fromPosition: results[0].position, limit: 1 });
        expect(limited).toHaveLength(1);
        expect(comparePositions(limited[0].position, results[0].position)).toBeGreaterThan(0);

        const backwards = await readAllBackwardsBefore(store, results[3].position, results[0].position);
        const ours = backwards.filter((e) => e.streamName === stream);
        expect(ours.map((e) => e.revision)).toEqual([2n, 1n, 0n]);
        for (let i = 1; i < backwards.length; i += 1) {
          expect(comparePositions(backwards[i].position, backwards[i - 1].position)).toBeLessThan(0);
        }
      });

      it('headPosition advances past every append', async () => {
        const before = await store.headPosition();
        const result = await store.appendToStream(uniqueStream('head'), [newEvent()]);
        const after = await store.headPosition();

        expect(comparePositions(result.position, before)).toBeGreaterThan(0);
        expect(comparePositions(after, result.position)).toBeGreaterThanOrEqual(0);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, then goes live, in order, without duplicates, until stopped', async () => {
        const stream = uniqueStream('subscription');
        const other = uniqueStream('subscription-other');
        const ourStreams = [stream, other];
        const before = await store.headPosition();
        const caughtUp = [newEvent(), newEvent('ContractOtherType'), newEvent()];
        await store.appendToStream(stream, caughtUp.slice(0, 2));
        await store.appendToStream(other, caughtUp.slice(2));

        const subscription = store.subscribeToAll({ fromPosition: before });
        try {
          const iterator = subscription[Symbol.asyncIterator]();
          const accept = (e: RecordedEvent): boolean => ourStreams.includes(e.streamName);

          const firstPart = await take(iterator, caughtUp.length, accept);
          expect(firstPart.map((e) => e.id)).toEqual(caughtUp.map((e) => e.id));

          const live = [newEvent(), newEvent(), newEvent('ContractOtherType')];
          await store.appendToStream(other, live.slice(0, 1));
          await store.appendToStream(stream, live.slice(1));
          const secondPart = await take(iterator, live.length, accept);
          expect(secondPart.map((e) => e.id)).toEqual(live.map((e) => e.id));

          const sentinel = newEvent();
          await store.appendToStream(stream, [sentinel]);
          const [last] = await take(iterator, 1, accept);
          expect(last.id).toBe(sentinel.id);

          const delivered = [...firstPart, ...secondPart, last];
          const stored = (await readAllAfter(store, before, last.position)).filter(accept);
          expect(delivered).toEqual(stored);
          for (let i = 1; i < delivered.length; i += 1) {
            expect(comparePositions(delivered[i].position, delivered[i - 1].position)).toBeGreaterThan(0);
          }

          await subscription.stop();
          expect(await iterator.next()).toEqual({ done: true, value: undefined });
        } finally {
          await subscription.stop();
        }
      });

      it('delivers only events strictly after fromPosition', async () => {
        const stream = uniqueStream('subscription-from');
        const results = [];
        for (let i = 0; i < 4; i += 1) results.push(await store.appendToStream(stream, [newEvent()]));

        const subscription = store.subscribeToAll({ fromPosition: results[1].position });
        try {
          const delivered = await take(subscription[Symbol.asyncIterator](), 2, (e) => e.streamName === stream);
          expect(delivered.map((e) => e.revision)).toEqual([2n, 3n]);
        } finally {
          await subscription.stop();
        }
      });

      it('delivers only the requested event types, in catch-up and live', async () => {
        const suffix = randomUUID().replace(/-/g, '');
        const wanted = `ContractWanted${suffix}`;
        const alsoWanted = `ContractAlsoWanted${suffix}`;
        const unwanted = `ContractUnwanted${suffix}`;
        const stream = uniqueStream('subscription-types');
        const before = await store.headPosition();
        const caughtUp = [newEvent(unwanted), newEvent(wanted), newEvent(unwanted), newEvent(alsoWanted)];
        await store.appendToStream(stream, caughtUp);

        const subscription = store.subscribeToAll({ fromPosition: before, eventTypes: [wanted, alsoWanted] });
        try {
          const iterator = subscription[Symbol.asyncIterator]();
          const ours = (e: RecordedEvent): boolean => [wanted, alsoWanted, unwanted].includes(e.type);

          const firstPart = await take(iterator, 2, ours);
          expect(firstPart.map((e) => e.id)).toEqual([caughtUp[1].id, caughtUp[3].id]);

          const live = [newEvent(unwanted), newEvent(unwanted), newEvent(wanted)];
          await store.appendToStream(stream, live);
          const [secondPart] = await take(iterator, 1, ours);
          expect(secondPart.id).toBe(live[2].id);
        } finally {
          await subscription.stop();
        }
      });

      it('stop() ends a pending iteration and every later one', async () => {
        // A type nobody appends: the subscription is live with nothing to deliver.
        const subscription = store.subscribeToAll({
          fromPosition: await store.headPosition(),
          eventTypes: [`ContractNeverAppended${randomUUID().replace(/-/g, '')}`],
        });
        const iterator = subscription[Symbol.asyncIterator]();

        const pending = iterator.next();
        await letPendingWorkRun();
        await subscription.stop();

        await expect(withDeadline(pending, 'the pending next() after stop()')).resolves.toEqual({
          done: true,
          value: undefined,
        });
        await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
      });

      it('a for-await loop ends when the subscription is stopped', async () => {
        const stream = uniqueStream('subscription-loop');
        const before = await store.headPosition();
        await store.appendToStream(stream, [newEvent(), newEvent()]);

        const subscription = store.subscribeToAll({ fromPosition: before });
        const seen: bigint[] = [];
        const loop = (async () => {
          for await (const event of subscription) {
            if (event.streamName !== stream) continue;
            seen.push(event.revision);
            if (seen.length === 2) await subscription.stop();
          }
        })();

        await withDeadline(loop, 'the for-await loop to end');
        expect(seen).toEqual([0n, 1n]);
      });
    });

    describe('concurrent appenders', () => {
      it('with the same expected revision exactly one wins and the others get WrongExpectedRevisionError', async () => {
        const stream = uniqueStream('concurrent');
        await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
        const contenders = Array.from({ length: 10 }, () => newEvent());

        const outcomes = await Promise.allSettled(
          contenders.map((event) => store.appendToStream(stream, [event], { expectedRevision: 0n })),
        );

        const fulfilled = outcomes.filter((o) => o.status === 'fulfilled');
        const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(fulfilled).toHaveLength(1);
        expect(rejected).toHaveLength(9);
        for (const outcome of rejected) {
          expect(outcome.reason).toBeInstanceOf(WrongExpectedRevisionError);
          expect(outcome.reason).toMatchObject({ streamName: stream, expected: 0n, actual: 1n });
        }
        const events = await store.readStream(stream);
        expect(events).toHaveLength(2);
        const winner = contenders[outcomes.findIndex((o) => o.status === 'fulfilled')];
        expect(events[1].id).toBe(winner.id);
      });
    });
  });
}

const DEADLINE_MS = 10_000;

function uniqueStream(purpose: string): string {
  return `contract_${purpose}-${randomUUID()}`;
}

function newEvent(type = 'ContractTested', data: unknown = { value: randomUUID() }): NewEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: {
      actor: 'test:contract',
      correlationId: randomUUID(),
      causationId: randomUUID(),
      occurredAt: '2026-01-01T00:00:00.000Z',
      recordedAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 1,
    },
  };
}

async function expectWrongRevision(
  append: Promise<unknown>,
  streamName: string,
  expected: ExpectedRevision,
  actual: bigint | 'no_stream',
): Promise<void> {
  const error = await append.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  expect(error).toMatchObject({ streamName, expected, actual });
}

/** All events after `from` up to at least `upTo`, paging through readAll (other writers may interleave). */
async function readAllAfter(store: EventStore, from: Position, upTo: Position): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let cursor = from;
  for (;;) {
    const page = await store.readAll({ fromPosition: cursor, limit: 500 });
    events.push(...page);
    if (page.length === 0 || page[page.length - 1].position >= upTo) return events;
    cursor = page[page.length - 1].position;
  }
}

/** Events strictly before `before`, newest first, down to and including `downTo`. */
async function readAllBackwardsBefore(store: EventStore, before: Position, downTo: Position): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let cursor = before;
  for (;;) {
    const page = await store.readAll({ fromPosition: cursor, direction: 'backwards', limit: 500 });
    events.push(...page.filter((e) => e.position >= downTo));
    if (page.length === 0 || page[page.length - 1].position <= downTo) return events;
    cursor = page[page.length - 1].position;
  }
}

/** The next `count` events that `accept`, failing if the subscription ends or stalls. */
async function take(
  iterator: AsyncIterator<RecordedEvent>,
  count: number,
  accept: (event: RecordedEvent) => boolean,
): Promise<RecordedEvent[]> {
  const taken: RecordedEvent[] = [];
  while (taken.length < count) {
    const result = await withDeadline(iterator.next(), `event ${taken.length + 1} of ${count}`);
    if (result.done === true) throw new Error(`subscription ended after ${taken.length} of ${count} events`);
    if (accept(result.value)) taken.push(result.value);
  }
  return taken;
}

/** Lets a pending next() get as far as it can (e.g. waiting for new events) before the test goes on. */
function letPendingWorkRun(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Fails instead of hanging when an awaited subscription step never comes. */
async function withDeadline<T>(promise: Promise<T>, waitingFor: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${waitingFor}`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
