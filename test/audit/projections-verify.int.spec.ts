import { ALL_PROJECTIONS } from '../../src/all-projections';
import { verifyProjections, VERIFY_PREFIX } from '../../src/audit/projections-verify';
import { projectionsVerifyMain, VERIFY_LEASE_NAME } from '../../src/cli/projections-verify';
import { ReadStoreLease } from '../../src/shared/lease/read-store-lease';
import { ManualClock, SystemClock } from '../../src/shared/clock';
import type { NewEvent } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import type { ProjectionDefinition } from '../../src/shared/projections/projection';
import {
  PARKED_EVENTS_COLLECTION,
  physicalCollectionName,
  type ProjectionMetaDocument,
  ProjectionRunner,
  PROJECTIONS_META_COLLECTION,
} from '../../src/shared/projections/projection-runner';
import { EmbeddedReadStore } from '../../src/shared/read-store/embedded-read-store';
import { READ_STORE, type ReadStore } from '../../src/shared/read-store/read-store.port';
import { startTestApp, type TestApp } from '../support/test-app';
import { testStoreEnv } from '../support/test-stores';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** Counts events per stream and keeps the last one's data: enough to make every kind of difference. */
const tally: ProjectionDefinition = {
  name: 'tally',
  version: 1,
  eventTypes: ['Ticked', 'Broken'],
  collections: { counts: { indexes: [{ keys: { count: 1 } }] }, empty: {} },
  async handle(event, ctx) {
    if (event.type === 'Broken') throw new Error('cannot apply');
    await ctx.collection('counts').update(event.streamName, { $inc: { count: 1 }, $set: { last: event.data } }, { upsert: true });
  },
};

describe('verifyProjections (one projection, embedded stores)', () => {
  let eventStore: SqliteEventStore;
  let readStore: EmbeddedReadStore;
  let runner: ProjectionRunner;
  const clock = new ManualClock('2026-03-10T14:00:00.000Z');
  let counter = 0;

  const append = async (stream: string, type = 'Ticked', data: object = { n: counter }) => {
    counter += 1;
    const event: NewEvent = {
      id: `00000000-0000-4000-8000-${counter.toString().padStart(12, '0')}`,
      type,
      data,
      metadata: {
        actor: 'spec',
        correlationId: 'c',
        causationId: 'c',
        occurredAt: clock.now().toISOString(),
        recordedAt: clock.now().toISOString(),
        schemaVersion: 1,
      },
    };
    return eventStore.appendToStream(stream, [event]);
  };
  const live = async () => {
    const meta = await readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get('tally');
    return readStore.collection(physicalCollectionName('tally', 'counts', meta?.generation ?? 1));
  };
  const verify = () => verifyProjections({ eventStore, readStore, projections: [tally], clock, logger: quiet, maxExamples: 2 });

  beforeEach(async () => {
    counter = 0;
    eventStore = new SqliteEventStore({ filename: ':memory:' });
    readStore = new EmbeddedReadStore({ filename: ':memory:' });
    runner = new ProjectionRunner({ eventStore, readStore, clock, projections: [tally], retryDelayMs: 1, logger: quiet });
    for (const stream of ['a', 'b', 'c', 'd']) await append(stream);
    await append('a');
    await append('x', 'Broken');
    await runner.catchUp();
  });
  afterEach(async () => {
    await runner.stop();
    await eventStore.close();
    await readStore.close();
  });

  it('finds a live read model equal to its rebuild, and leaves no scratch collection behind', async () => {
    const report = await verify();
    expect(report).toMatchObject({
      ok: true,
      projections: [
        {
          projection: 'tally',
          status: 'equal',
          generation: 1,
          collections: [
            { collection: 'counts', liveDocuments: 4, rebuiltDocuments: 4, differences: 0 },
            { collection: 'empty', liveDocuments: 0, differences: 0 },
            // The event both sides parked is no difference.
            { collection: '_parked', liveDocuments: 1, rebuiltDocuments: 1, differences: 0 },
          ],
        },
      ],
    });
    expect((await readStore.listCollections()).filter((name) => name.startsWith(VERIFY_PREFIX))).toEqual([]);
  });

  it('reports changed, missing and unexpected documents, listing the first few and counting all', async () => {
    const counts = await live();
    await counts.update('a', { $set: { count: 7, 'last.n': 99, extra: true } });
    await counts.delete('b');
    await counts.delete('c');
    await counts.delete('d');
    await counts.replace('zz', { count: 1 });
    await readStore.collection(PARKED_EVENTS_COLLECTION).deleteMany({});

    const report = await verify();
    expect(report.ok).toBe(false);
    const [tallyReport] = report.projections;
    expect(tallyReport.status).toBe('different');
    const [countsReport, , parked] = tallyReport.collections;
    expect(countsReport).toMatchObject({ collection: 'counts', liveDocuments: 2, rebuiltDocuments: 4, differences: 5 });
    expect(countsReport.examples).toEqual([
      {
        id: 'a',
        kind: 'changed',
        fields: [
          { path: 'count', live: 7, rebuilt: 2 },
          { path: 'extra', live: true, rebuilt: undefined },
          { path: 'last.n', live: 99, rebuilt: 4 },
        ],
      },
      { id: 'b', kind: 'missing' },
    ]);
    expect(parked).toMatchObject({
      collection: '_parked',
      liveDocuments: 0,
      rebuiltDocuments: 1,
      differences: 1,
      examples: [{ kind: 'missing' }],
    });
  });

  it('compares at the live checkpoint: events the live model has not reached yet are no difference', async () => {
    await runner.stop();
    await append('e');
    const report = await verify();
    expect(report.projections[0]).toMatchObject({ status: 'equal', collections: [{ liveDocuments: 4, rebuiltDocuments: 4 }, {}, {}] });
  });

  it('skips a projection whose live generation another version built, or that never ran', async () => {
    await readStore.collection(PROJECTIONS_META_COLLECTION).update('tally', { $set: { version: 0 } });
    const stale = await verify();
    expect(stale).toMatchObject({ ok: true, projections: [{ status: 'skipped', note: expect.stringContaining('rebuild is due') }] });
    await readStore.collection(PROJECTIONS_META_COLLECTION).delete('tally');
    expect((await verify()).projections[0]).toMatchObject({ status: 'skipped', note: expect.stringContaining('never run') });
    await expect(verifyProjections({ eventStore, readStore, projections: [tally], only: ['nope'] })).rejects.toThrow('nope');
  });
});

describe('projections:verify on the application (every projection)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    const ana = await t.request('POST', '/customers', {
      name: 'Ana Lima',
      email: 'ana@example.com',
      kind: 'prospect',
      acquisitionChannel: 'web',
      phone: '+351 910 000 000',
    });
    await t.request('POST', `/customers/${ana.json.id}/purchases`, {
      lines: [{ product: 'CD', quantity: 1, amount: 20 }],
      margin: 5,
      occurredAt: '2026-03-01T10:00:00.000Z',
    });
    await t.request('POST', '/customers', {
      name: 'Bruno Reis',
      email: 'bruno@example.com',
      kind: 'customer',
      acquisitionChannel: 'referral',
      referredBy: ana.json.id,
    });
    await t.request('POST', '/complaints', {
      customerId: ana.json.id,
      channel: 'email',
      category: 'billing',
      description: 'Charged twice for March',
    });
    await t.request('POST', '/departments', { name: 'Billing' });
    await t.app.get(ProjectionRunner).catchUp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds every live read model equal to its rebuild; a corrupted document is reported, by the function and by the CLI', async () => {
    const readStore = t.app.get<ReadStore>(READ_STORE);
    const clean = await verifyProjections({ eventStore: t.eventStore, readStore, projections: ALL_PROJECTIONS, logger: quiet });
    expect(clean.projections.filter((p) => p.status !== 'equal').map((p) => [p.projection, p.status, p.note])).toEqual([]);
    expect(clean.ok).toBe(true);
    expect(clean.projections.map((p) => p.projection)).toEqual(ALL_PROJECTIONS.map((p) => p.name));

    const out: string[] = [];
    const err: string[] = [];
    const output = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    const env = { RELATA_DATA_DIR: t.dataDir, ...testStoreEnv(t.dataDir) };
    expect(await projectionsVerifyMain([], output, env)).toBe(0);
    expect(out.join('\n')).toContain('Every read model verified matches a rebuild from the log.');

    // Someone edits a read model by hand.
    const meta = await readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get('customer-profile');
    const customers = readStore.collection(physicalCollectionName('customer-profile', 'customers', meta?.generation ?? 1));
    const [ana] = (await customers.find({ name: 'Ana Lima' })).items;
    await customers.update(ana._id, { $set: { phone: '+351 999 999 999' } });

    const corrupted = await verifyProjections({
      eventStore: t.eventStore,
      readStore,
      projections: ALL_PROJECTIONS,
      only: ['customer-profile'],
      logger: quiet,
    });
    expect(corrupted.ok).toBe(false);
    expect(corrupted.projections[0].collections.find((c) => c.collection === 'customers')?.examples).toEqual([
      { id: ana._id, kind: 'changed', fields: [{ path: 'phone', live: '+351 999 999 999', rebuilt: '+351 910 000 000' }] },
    ]);

    out.length = 0;
    expect(await projectionsVerifyMain(['customer-profile', '--max', '5'], output, env)).toBe(1);
    const printed = out.join('\n');
    expect(printed).toContain('customer-profile v');
    expect(printed).toContain('DIFFERS from the log');
    expect(printed).toContain(`${ana._id}: differs`);
    expect(printed).toContain('phone: live "+351 999 999 999", rebuilt "+351 910 000 000"');
    expect(await projectionsVerifyMain(['no-such-projection'], output, env)).toBe(2);
    expect(err.join('\n')).toContain('Unknown projection');
  });

  it('refuses to start while another verification holds the verification lease, writing nothing', async () => {
    const readStore = t.app.get<ReadStore>(READ_STORE);
    const other = new ReadStoreLease({
      readStore,
      clock: new SystemClock(),
      name: VERIFY_LEASE_NAME,
      owner: 'verify-elsewhere',
      ttlMs: 60_000,
    });
    expect(await other.acquireOrRenew()).toBe(true);
    const out: string[] = [];
    const err: string[] = [];
    const output = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    try {
      expect(await projectionsVerifyMain([], output, { RELATA_DATA_DIR: t.dataDir })).toBe(1);
      expect(err.join('\n')).toContain('Cannot verify: another verification is running (verify-elsewhere); run one at a time.');
      expect(out).toEqual([]);
      expect((await readStore.listCollections()).filter((name) => name.startsWith(VERIFY_PREFIX))).toEqual([]);
    } finally {
      await other.release();
    }
    expect(await projectionsVerifyMain(['department-webhooks'], output, { RELATA_DATA_DIR: t.dataDir })).toBe(0);
  });
});
