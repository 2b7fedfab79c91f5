import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/shared/clock';
import type { NewEvent } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import type { ProjectionDefinition } from '../../src/shared/projections/projection';
import { physicalCollectionName, ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { EmbeddedReadStore } from '../../src/shared/read-store/embedded-read-store';

const directory = mkdtempSync(join(tmpdir(), 'relata-deferred-indexes-'));

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

let ids = 0;
function event(n: number): NewEvent {
  ids += 1;
  return {
    id: `00000000-0000-4000-8000-${ids.toString(16).padStart(12, '0')}`,
    type: 'Scored',
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

/** One document per event, with an indexed score. */
const scores: ProjectionDefinition = {
  name: 'scores',
  version: 1,
  eventTypes: ['Scored'],
  collections: { items: { indexes: [{ keys: { score: 1 }, name: 'by_score' }] } },
  async handle(e, ctx) {
    await ctx.collection('items').replace(e.id, { score: (e.data as { n: number }).n });
  },
};

/** Looks up the previous score before writing its own: a handler that queries its collection. */
function lookups(plans: Map<number, string>, readStore: EmbeddedReadStore): ProjectionDefinition {
  return {
    name: 'lookups',
    version: 1,
    eventTypes: ['Scored'],
    collections: { items: { indexes: [{ keys: { score: 1 }, name: 'by_score' }] } },
    async handle(e, ctx) {
      const n = (e.data as { n: number }).n;
      const items = ctx.collection('items');
      const previous = (await items.find({ score: n - 1 })).items[0];
      plans.set(n, readStore.explain(physicalCollectionName('lookups', 'items', 1), { score: n - 1 }));
      await items.replace(e.id, { score: n, previousFound: previous !== undefined });
    },
  };
}

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('ProjectionRunner: indexes of a generation built from the start of a long log', () => {
  it.each([
    ['deferred until caught up (long log)', 5],
    ['created up front (short log)', 1000],
  ])('ends with every declared index and every document: %s', async (_label, deferIndexesMinEvents) => {
    const file = join(directory, `${deferIndexesMinEvents}`);
    const eventStore = new SqliteEventStore({ filename: `${file}-events.sqlite` });
    const readStore = new EmbeddedReadStore({ filename: `${file}-read.sqlite` });
    try {
      for (let i = 0; i < 40; i++) await eventStore.appendToStream(`s-${i % 4}`, [event(i)]);
      const runner = new ProjectionRunner({
        eventStore,
        readStore,
        clock: new ManualClock(),
        projections: [scores],
        batchSize: 7,
        deferIndexesMinEvents,
        logger: silent,
      });
      await runner.catchUp();

      const items = runner.collection('scores', 'items');
      expect(await items.count()).toBe(40);
      const page = await items.find({ score: { $gte: 35 } }, { sort: { score: 1 } });
      expect(page.items.map((doc) => doc.score)).toEqual([35, 36, 37, 38, 39]);
      const plan = readStore.explain(physicalCollectionName('scores', 'items', 1), { score: { $gte: 35 } }, { sort: { score: 1 } });
      expect(plan).toMatch(/USING INDEX/);
      await runner.stop();
    } finally {
      await readStore.close();
      await eventStore.close();
    }
  });

  it('builds them before the first query of a handler, not at the end: otherwise every query scans', async () => {
    const file = join(directory, 'queried');
    const eventStore = new SqliteEventStore({ filename: `${file}-events.sqlite` });
    const readStore = new EmbeddedReadStore({ filename: `${file}-read.sqlite` });
    try {
      for (let i = 0; i < 40; i++) await eventStore.appendToStream(`s-${i % 4}`, [event(i)]);
      const plans = new Map<number, string>();
      const runner = new ProjectionRunner({
        eventStore,
        readStore,
        clock: new ManualClock(),
        projections: [lookups(plans, readStore)],
        batchSize: 7,
        deferIndexesMinEvents: 5,
        logger: silent,
      });
      await runner.catchUp();

      for (let n = 0; n < 40; n++) expect(plans.get(n)).toMatch(/USING INDEX/);
      const items = runner.collection('lookups', 'items');
      expect(await items.count({ previousFound: true })).toBe(39);
      await runner.stop();
    } finally {
      await readStore.close();
      await eventStore.close();
    }
  });
});
