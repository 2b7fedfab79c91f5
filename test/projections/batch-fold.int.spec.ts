import { ManualClock } from '../../src/shared/clock';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import type { Position } from '../../src/shared/event-store/event-store.port';
import type { ProjectionDefinition } from '../../src/shared/projections/projection';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { EmbeddedReadStore } from '../../src/shared/read-store/embedded-read-store';
import type { Document } from '../../src/shared/read-store/read-store.port';
import { testEvent, testEventId } from '../support/test-event';

/*
 * The runner folds a batch of events into the documents they touch (src/shared/projections/batch-fold.ts):
 * each document is read once and written once per batch, with the same results as applying the
 * events one by one.
 */

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

interface Tally extends Document {
  n: number;
  seen: number[];
}

/** Per stream: a count, and the sequence of every event (an update with $inc and $push per event). */
const tallies: ProjectionDefinition = {
  name: 'tallies',
  version: 1,
  eventTypes: ['Tallied'],
  collections: { counts: {} },
  async handle(event, ctx) {
    const { seq } = event.data as { seq: number };
    await ctx.collection<Tally>('counts').update(event.streamName, { $inc: { n: 1 }, $push: { seen: seq } }, { upsert: true });
  },
};

/** One row per event, and a summary whose `rows` is counted by a query on the rows of the same batch. */
const rowsWithSummary: ProjectionDefinition = {
  name: 'rows',
  version: 1,
  eventTypes: ['Tallied'],
  collections: { rows: { indexes: [{ keys: { stream: 1 } }] }, summary: {} },
  async handle(event, ctx) {
    const rows = ctx.collection('rows');
    await rows.replace(event.id, { stream: event.streamName });
    const inStream = await rows.count({ stream: event.streamName });
    const firstPage = await rows.find({ stream: event.streamName }, { limit: 1000 });
    await ctx.collection('summary').replace(event.streamName, { rows: inStream, listed: firstPage.items.length });
  },
};

/** Tags must be unique: a second event with the same tag fails on the unique index. */
const uniqueTags: ProjectionDefinition = {
  name: 'tags',
  version: 1,
  eventTypes: ['Tallied'],
  collections: { tags: { indexes: [{ keys: { tag: 1 }, unique: true }] } },
  async handle(event, ctx) {
    const { tag } = event.data as { tag?: string };
    if (tag !== undefined) await ctx.collection('tags').replace(event.id, { tag });
  },
};

describe('batch folding in the projection runner', () => {
  let eventStore: SqliteEventStore;
  let readStore: EmbeddedReadStore;
  const clock = new ManualClock('2026-05-04T09:00:00.000Z');
  let ids = 0;

  beforeEach(() => {
    eventStore = new SqliteEventStore({ filename: ':memory:' });
    readStore = new EmbeddedReadStore({ filename: ':memory:' });
  });
  afterEach(async () => {
    await readStore.close();
    await eventStore.close();
  });

  const append = async (stream: string, data: Record<string, unknown>) => {
    ids += 1;
    return (await eventStore.appendToStream(stream, [testEvent(testEventId(ids), 'Tallied', data)])).position;
  };

  const runOnce = async (projection: ProjectionDefinition, batchSize = 500) => {
    const batches: Array<{ documents: number; events: number }> = [];
    const runner = new ProjectionRunner({
      eventStore,
      readStore,
      clock,
      projections: [projection],
      batchSize,
      retryDelayMs: 1,
      maxAttempts: 1,
      logger: quiet,
      onBatchWritten: (documents, events) => batches.push({ documents, events }),
    });
    await runner.catchUp();
    const status = (await runner.status())[0];
    return { runner, batches, status };
  };

  it('given 300 events on 3 streams in one batch, then each stream document is written once with every event applied in order', async () => {
    const last = new Map<string, Position>();
    for (let seq = 0; seq < 300; seq += 1) last.set(`s-${seq % 3}`, await append(`s-${seq % 3}`, { seq }));

    const { runner, batches } = await runOnce(tallies);

    expect(batches).toEqual([{ documents: 3, events: 300 }]);
    for (let stream = 0; stream < 3; stream += 1) {
      const doc = await runner.collection<Tally>('tallies', 'counts').get(`s-${stream}`);
      const expected = Array.from({ length: 100 }, (_, i) => i * 3 + stream);
      expect(doc).toMatchObject({ n: 100, seen: expected });
      // Readers that cache by `_position` still see the position of the last event that changed it.
      expect(doc?._position).toBe(String(last.get(`s-${stream}`)));
    }
  });

  it('given batches of 7 events, then the documents are the same as with one batch', async () => {
    for (let seq = 0; seq < 50; seq += 1) await append(`s-${seq % 4}`, { seq });

    const { runner, batches } = await runOnce(tallies, 7);

    expect(batches.reduce((sum, batch) => sum + batch.events, 0)).toBe(50);
    expect(batches.every((batch) => batch.documents <= 4)).toBe(true);
    const docs = (await runner.collection<Tally>('tallies', 'counts').find({})).items;
    expect(docs.map((doc) => [doc._id, doc.n, doc.seen.length])).toEqual([
      ['s-0', 13, 13],
      ['s-1', 13, 13],
      ['s-2', 12, 12],
      ['s-3', 12, 12],
    ]);
  });

  it('given queries in a handler, then they see the documents written earlier in the same batch', async () => {
    for (let seq = 0; seq < 10; seq += 1) await append(seq < 6 ? 'a' : 'b', { seq });

    const { runner, batches } = await runOnce(rowsWithSummary);

    expect(batches).toHaveLength(1);
    const summary = (await runner.collection('rows', 'summary').find({})).items.map(({ _id, rows, listed }) => ({ _id, rows, listed }));
    expect(summary).toEqual([
      { _id: 'a', rows: 6, listed: 6 },
      { _id: 'b', rows: 4, listed: 4 },
    ]);
  });

  it('given a duplicate on a unique index, then the event that caused it is parked and the rest of the batch is applied', async () => {
    await append('a', { tag: 'red' });
    await append('a', { tag: 'blue' });
    await append('b', { tag: 'red' });
    await append('b', { tag: 'green' });

    const { runner, status } = await runOnce(uniqueTags);

    expect(status.parked.map((parked) => parked.eventId)).toEqual([testEventId(ids - 1)]);
    const tags = (await runner.collection('tags', 'tags').find({})).items.map((doc) => doc.tag).sort();
    expect(tags).toEqual(['blue', 'green', 'red']);
  });

  it('given the events delivered again (checkpoint lost), then the documents are unchanged', async () => {
    for (let seq = 0; seq < 20; seq += 1) await append(`s-${seq % 2}`, { seq });
    const first = await runOnce(tallies);
    await first.runner.stop();
    await readStore.collection('_projections').update('tallies', { $set: { position: null } });

    const { runner } = await runOnce(tallies);

    const docs = (await runner.collection<Tally>('tallies', 'counts').find({})).items;
    expect(docs.map((doc) => doc.n)).toEqual([10, 10]);
  });
});
