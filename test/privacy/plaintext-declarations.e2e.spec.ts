import { ALL_PROJECTIONS } from '../../src/all-projections';
import { PrefixedReadStore } from '../../src/audit/scratch-stores';
import { EVENT_STORE, type EventStore } from '../../src/shared/event-store/event-store.port';
import type { ProjectionDefinition } from '../../src/shared/projections/projection';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { READ_STORE, type Document, type ReadStore } from '../../src/shared/read-store/read-store.port';
import { startTestApp, type TestApp } from '../support/test-app';
import { MARK, runPersonalDataCycle } from './personal-data-cycle';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A projection that copies a personal field while declaring it reads none: what the comparison must catch. */
const misdeclared: ProjectionDefinition = {
  name: 'misdeclared-names',
  version: 1,
  needsPlaintext: false,
  eventTypes: ['CustomerRegistered'],
  collections: { names: {} },
  async handle(event, ctx) {
    const data = event.data as { customerId: string; name: string };
    await ctx.collection('names').replace(data.customerId, { name: data.name });
  },
};

type Dump = Record<string, Record<string, Document[]>>;

/**
 * A projection that declares it reads no personal field (needsPlaintext: false) is handed events with
 * those fields still encrypted. The declaration is right when its read model is the same either way:
 * built from the events as stored, and built from the same events decrypted. The personal-data cycle
 * fills every personal field of every event type with a distinctive value, so a handler that copies
 * or looks at one builds something else from the ciphertext.
 */
describe('projections declaring that they read no personal field', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    const department = await t.request('POST', '/departments', { name: 'Billing', supervisorId: 'sup-1' });
    expect(department.status).toBe(201);
    await runPersonalDataCycle(t, department.json.id as string);
    // A full customer and complaint cycle through HTTP: slow on a busy machine.
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  /** Every document of every collection of the projections, built from the whole log under `prefix`. */
  async function build(prefix: string, projections: ProjectionDefinition[]): Promise<Dump> {
    const runner = new ProjectionRunner({
      eventStore: t.app.get<EventStore>(EVENT_STORE),
      readStore: new PrefixedReadStore(t.app.get<ReadStore>(READ_STORE), prefix),
      clock: t.clock,
      projections,
      logger: quiet,
    });
    try {
      await runner.catchUp();
      const dump: Dump = {};
      for (const projection of projections) {
        dump[projection.name] = {};
        for (const logical of Object.keys(projection.collections)) {
          const docs: Document[] = [];
          for await (const { _position, ...doc } of runner.collection(projection.name, logical).findAll({}, { _id: 1 })) docs.push(doc);
          dump[projection.name][logical] = docs;
        }
      }
      return dump;
    } finally {
      await runner.stop();
    }
  }

  it('every projection says whether it reads personal fields', () => {
    expect(ALL_PROJECTIONS.filter((projection) => typeof projection.needsPlaintext !== 'boolean').map((p) => p.name)).toEqual([]);
  });

  it('build the same read model from the events as stored as from the events decrypted', async () => {
    const declaredSealed = [...ALL_PROJECTIONS.filter((projection) => projection.needsPlaintext === false), misdeclared];

    const fromStored = await build('sealed.', declaredSealed);
    const fromDecrypted = await build(
      'opened.',
      declaredSealed.map((projection) => ({ ...projection, needsPlaintext: true })),
    );

    // The comparison sees a personal field read from ciphertext...
    expect(fromDecrypted[misdeclared.name].names).toEqual([expect.objectContaining({ name: MARK.name })]);
    expect(fromStored[misdeclared.name].names).not.toEqual(fromDecrypted[misdeclared.name].names);
    // ...and no declared projection reads one (they did build something from the cycle).
    delete fromStored[misdeclared.name];
    delete fromDecrypted[misdeclared.name];
    const documents = Object.values(fromDecrypted).flatMap((collections) => Object.values(collections).flat());
    expect(documents.length).toBeGreaterThan(50);
    expect(fromStored).toEqual(fromDecrypted);
  });
});
