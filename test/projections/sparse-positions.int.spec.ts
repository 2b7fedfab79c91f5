import { verifyProjections } from '../../src/audit/projections-verify';
import { ManualClock } from '../../src/shared/clock';
import type { NewEvent, RecordedEvent } from '../../src/shared/event-store/event-store.port';
import { positionOf, positionValue } from '../../src/shared/event-store/position';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import type { ProjectionDefinition } from '../../src/shared/projections/projection';
import { physicalCollectionName, ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { EmbeddedReadStore } from '../../src/shared/read-store/embedded-read-store';
import { SparsePositionEventStore, type SparsePositionOptions } from '../support/sparse-position-event-store';
import { testEvent, testEventId } from '../support/test-event';

/*
 * The projection runner and projections:verify on a log whose positions are byte offsets hundreds
 * apart (as on EventStoreDB), not the consecutive numbers of the embedded store.
 */

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
const clock = new ManualClock('2026-05-04T09:00:00.000Z');
const BY_SCORE = { score: { $gte: 35 } };

let ids = 0;
const scored = (n: number): NewEvent => testEvent(testEventId((ids += 1)), 'Scored', { n }, clock.now().toISOString());

/** One document per event with an indexed score; `onEvent` sees each event before it is applied. */
function scores(version: number, onEvent: (event: RecordedEvent) => void = () => undefined): ProjectionDefinition {
  return {
    name: 'scores',
    version,
    eventTypes: ['Scored'],
    collections: { items: { indexes: [{ keys: { score: 1 }, name: 'by_score' }] } },
    async handle(event, ctx) {
      onEvent(event);
      await ctx.collection('items').replace(event.id, { score: (event.data as { n: number }).n });
    },
  };
}

describe('positions that are byte offsets (a log like EventStoreDB)', () => {
  let embedded: SqliteEventStore;
  let readStore: EmbeddedReadStore;
  const runners: ProjectionRunner[] = [];

  const sparse = async (options: SparsePositionOptions = {}, events = 40): Promise<SparsePositionEventStore> => {
    const store = new SparsePositionEventStore(embedded, options);
    for (let i = 0; i < events; i++) await store.appendToStream(`s-${i % 4}`, [scored(i)]);
    return store;
  };
  const runner = (eventStore: SparsePositionEventStore, projection: ProjectionDefinition, deferIndexesMinEvents: number) => {
    const created = new ProjectionRunner({
      eventStore,
      readStore,
      clock,
      projections: [projection],
      batchSize: 7,
      deferIndexesMinEvents,
      logger: quiet,
    });
    runners.push(created);
    return created;
  };
  const usesIndex = (generation: number): boolean =>
    /USING INDEX/.test(readStore.explain(physicalCollectionName('scores', 'items', generation), BY_SCORE, { sort: { score: 1 } }));

  beforeEach(() => {
    embedded = new SqliteEventStore({ filename: ':memory:' });
    readStore = new EmbeddedReadStore({ filename: ':memory:' });
  });
  afterEach(async () => {
    for (const created of runners.splice(0)) await created.stop();
    await readStore.close();
    await embedded.close();
  });

  it('the fake log is sparse, and refuses to read from a position that is no record', async () => {
    const store = await sparse({}, 3);
    const [first, second, third] = await store.readAll();
    expect(positionValue(second.position) - positionValue(first.position)).toBeGreaterThanOrEqual(300n);
    await expect(store.readAll({ fromPosition: first.position })).resolves.toEqual([second, third]);
    await expect(store.readAll({ fromPosition: positionOf(positionValue(second.position) - 1n) })).rejects.toThrow('InvalidPosition');
  });

  it('given a short log, when a generation is built from the first event, then its indexes exist from the first write', async () => {
    const store = await sparse();
    const indexedWhenApplied: boolean[] = [];
    // 40 events, far fewer than 1000, over more than 12,000 bytes of log.
    const built = runner(
      store,
      scores(1, () => indexedWhenApplied.push(usesIndex(1))),
      1000,
    );
    await built.catchUp();

    expect(indexedWhenApplied).toHaveLength(40);
    expect(indexedWhenApplied.every(Boolean)).toBe(true);
  });

  it('given a long log under a steady stream of appends, when a projection is rebuilt, then readers switch to a generation with its indexes', async () => {
    // Another writer's events, of a type the projection does not handle.
    const store = await sparse({ appendOnHeadLook: () => ({ ...scored(0), type: 'Noted' }) });
    await runner(store, scores(1), 5).catchUp();

    const rebuilt = runner(store, scores(2), 5);
    await rebuilt.rebuild('scores');

    expect(usesIndex(2)).toBe(true);
    const items = rebuilt.collection('scores', 'items');
    expect((await items.find(BY_SCORE, { sort: { score: 1 } })).items.map((doc) => doc.score)).toEqual([35, 36, 37, 38, 39]);
  });

  it('given a projection checkpointed on a sparse log, when projections:verify compares it with a rebuild, then both are equal', async () => {
    const store = await sparse();
    await runner(store, scores(1), 1000).catchUp();

    const report = await verifyProjections({ eventStore: store, readStore, projections: [scores(1)], clock, logger: quiet });

    expect(report).toMatchObject({
      ok: true,
      projections: [
        {
          projection: 'scores',
          status: 'equal',
          collections: [{ collection: 'items', liveDocuments: 40, rebuiltDocuments: 40, differences: 0 }, {}],
        },
      ],
    });
  });
});
