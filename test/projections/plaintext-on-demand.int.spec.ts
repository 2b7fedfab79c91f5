import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/shared/clock';
import type { RecordedEvent } from '../../src/shared/event-store/event-store.port';
import { HashChainingEventStore } from '../../src/shared/event-store/hash-chaining-event-store';
import { EncryptingEventStore } from '../../src/shared/privacy/encrypting-event-store';
import type { KeyLookup, KeyStore } from '../../src/shared/privacy/key-store.port';
import { ERASED, type PersonalDataSpec } from '../../src/shared/privacy/personal-data';
import { SqliteKeyStore } from '../../src/shared/privacy/sqlite-key-store';
import type { ProjectionDefinition } from '../../src/shared/projections/projection';
import { ProjectionRunner, type ProjectionRunnerLogger } from '../../src/shared/projections/projection-runner';
import type { Document } from '../../src/shared/read-store/read-store.port';
import { testEvent, testEventId } from '../support/test-event';
import { openTestStores, type TestStores } from '../support/test-stores';

const directory = mkdtempSync(join(tmpdir(), 'relata-plaintext-on-demand-'));
let dirs = 0;
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A fresh data dir for each test's stores. */
function nextDataDir(): string {
  dirs += 1;
  return join(directory, `stores-${dirs}`);
}

const runners: ProjectionRunner[] = [];

const SPECS: PersonalDataSpec[] = [{ eventType: 'Registered', subject: { path: 'customerId' }, fields: ['name', 'email'] }];
const ENCRYPTED_PER_REGISTRATION = SPECS[0].fields.length;
const quiet: ProjectionRunnerLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A key store that counts the lookups reads make (appends create keys through getOrCreate). */
class LookupCountingKeyStore implements KeyStore {
  lookups = 0;
  constructor(private readonly inner: KeyStore) {}
  getOrCreate(subjectId: string): Promise<Buffer> {
    return this.inner.getOrCreate(subjectId);
  }
  get(subjectId: string): Promise<KeyLookup> {
    this.lookups += 1;
    return this.inner.get(subjectId);
  }
  delete(subjectId: string): Promise<boolean> {
    return this.inner.delete(subjectId);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

interface NameDoc extends Document {
  name: unknown;
}

/**
 * Copies the name of each event it handles (Registered by default) into names/<customerId, else event
 * id>; keeps every event it was handed. needsPlaintext undefined: left out of the definition.
 */
function nameCopy(
  name: string,
  needsPlaintext: boolean | undefined,
  eventType = 'Registered',
): ProjectionDefinition & { seen: RecordedEvent[] } {
  const seen: RecordedEvent[] = [];
  const handle: ProjectionDefinition['handle'] = async (event, ctx) => {
    seen.push(event);
    const data = event.data as { customerId?: string; name?: unknown };
    await ctx.collection<NameDoc>('names').replace(data.customerId ?? event.id, { name: data.name ?? null });
  };
  const definition: ProjectionDefinition = { name, version: 1, eventTypes: [eventType], collections: { names: {} }, handle };
  if (needsPlaintext !== undefined) definition.needsPlaintext = needsPlaintext;
  return Object.assign(definition, { seen });
}

describe('projections read personal fields in the clear only when they declare they need them', () => {
  let stores: TestStores;
  let keys: LookupCountingKeyStore;
  let eventStore: EncryptingEventStore;

  beforeEach(async () => {
    stores = await openTestStores(nextDataDir());
    keys = new LookupCountingKeyStore(new SqliteKeyStore({ filename: ':memory:', clock: new ManualClock() }));
    eventStore = new EncryptingEventStore(new HashChainingEventStore(stores.eventStore), keys, SPECS);
    // Given three registrations (two personal fields each) and an event with no personal data.
    for (const [n, customer] of [
      ['c-1', 'Ana Lima'],
      ['c-2', 'Rui Costa'],
      ['c-3', 'Eva Mota'],
    ].entries()) {
      await eventStore.appendToStream(`customer-${customer[0]}`, [
        testEvent(testEventId(n + 1), 'Registered', { customerId: customer[0], name: customer[1], email: `${customer[0]}@example.com` }),
      ]);
    }
    await eventStore.appendToStream('other', [testEvent(testEventId(9), 'Counted', { n: 1 })]);
    keys.lookups = 0;
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await keys.close();
    await stores.close();
  });

  const runnerFor = (projections: ProjectionDefinition[]): ProjectionRunner => {
    const runner = new ProjectionRunner({ eventStore, readStore: stores.readStore, clock: new ManualClock(), projections, logger: quiet });
    runners.push(runner);
    return runner;
  };

  const names = async (runner: ProjectionRunner, projection: string): Promise<Record<string, unknown>> => {
    const out: Record<string, unknown> = {};
    for await (const doc of runner.collection<NameDoc>(projection, 'names').findAll({}, { _id: 1 })) out[doc._id] = doc.name;
    return out;
  };

  it('hands a projection that does not need plaintext the events as stored, without a single key lookup', async () => {
    const sealed = nameCopy('sealed-names', false);
    const runner = runnerFor([sealed]);

    await runner.catchUp();

    expect(keys.lookups).toBe(0);
    expect(sealed.seen).toHaveLength(3);
    const stored = Object.values(await names(runner, 'sealed-names'));
    expect(stored).toHaveLength(3);
    for (const name of stored) expect(name).toMatch(/^enc:v1:c-\d:/);
  });

  it('decrypts for a projection that needs plaintext (declared, or by default), each event once for all of them', async () => {
    const declared = nameCopy('declared-names', true);
    const byDefault = nameCopy('default-names', undefined);
    const sealed = nameCopy('sealed-names', false);
    const runner = runnerFor([declared, byDefault, sealed]);

    await runner.catchUp();

    const clear = { 'c-1': 'Ana Lima', 'c-2': 'Rui Costa', 'c-3': 'Eva Mota' };
    expect(await names(runner, 'declared-names')).toEqual(clear);
    expect(await names(runner, 'default-names')).toEqual(clear);
    expect(Object.values(await names(runner, 'sealed-names'))).not.toContain('Ana Lima');
    // One lookup per encrypted field of each registration: the second projection reuses the first's decryption.
    expect(keys.lookups).toBe(3 * ENCRYPTED_PER_REGISTRATION);
  });

  it('decrypts only the events a projection handles: the others cost no lookup', async () => {
    const counted = nameCopy('counted', true, 'Counted');
    const runner = runnerFor([counted]);

    await runner.catchUp();

    expect(counted.seen.map((event) => event.type)).toEqual(['Counted']);
    expect(await names(runner, 'counted')).toEqual({ [testEventId(9)]: null });
    expect(keys.lookups).toBe(0);
  });

  it('reads a forgotten subject as erased once the key is deleted and the runner has dropped what it decrypted', async () => {
    const declared = nameCopy('declared-names', true);
    const runner = runnerFor([declared]);
    await runner.start();
    await runner.catchUp();
    expect((await names(runner, 'declared-names'))['c-2']).toBe('Rui Costa');

    await keys.delete('c-2');
    runner.dropCachedEvents();
    await runner.rebuild('declared-names');

    expect(await names(runner, 'declared-names')).toEqual({ 'c-1': 'Ana Lima', 'c-2': ERASED, 'c-3': 'Eva Mota' });
  });

  it('holds back a projection whose events cannot be decrypted (wrong key store) without parking them, while the others go on', async () => {
    const emptyKeys = new SqliteKeyStore({ filename: ':memory:', clock: new ManualClock() });
    eventStore = new EncryptingEventStore(new HashChainingEventStore(stores.eventStore), emptyKeys, SPECS);
    const declared = nameCopy('declared-names', true);
    const sealed = nameCopy('sealed-names', false);
    const runner = new ProjectionRunner({
      eventStore,
      readStore: stores.readStore,
      clock: new ManualClock(),
      projections: [declared, sealed],
      retryDelayMs: 5,
      logger: quiet,
    });
    runners.push(runner);
    try {
      await runner.start();
      const head = await eventStore.headPosition();
      expect(await runner.waitForPosition('sealed-names', head, 10_000)).toBe(true);
      let failing = (await runner.status()).find((status) => status.name === 'declared-names');
      while (failing?.state !== 'failed') {
        await new Promise((resolve) => setTimeout(resolve, 10));
        failing = (await runner.status()).find((status) => status.name === 'declared-names');
      }

      expect(failing).toMatchObject({ position: null, parked: [] });
      expect(declared.seen).toEqual([]);
      expect(Object.keys(await names(runner, 'sealed-names'))).toEqual(['c-1', 'c-2', 'c-3']);
    } finally {
      await runner.stop();
      await emptyKeys.close();
    }
  });
});
