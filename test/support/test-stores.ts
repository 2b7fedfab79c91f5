import { createHash } from 'node:crypto';
import { loadConfig, type RelataConfig } from '../../src/config/config';
import type { EventStore } from '../../src/shared/event-store/event-store.port';
import type { ReadStore } from '../../src/shared/read-store/read-store.port';
import { createEventStoreAdapter, createReadStore } from '../../src/shared/stores';
import { SKIP_REASON_MARK } from './skips';

/*
 * The stores the suite runs on. Unset (the default, and every machine without servers): the
 * embedded stores in the test's data dir. With EVENTSTORE_URL and/or MONGODB_URL set (the CI jobs
 * that start EventStoreDB and MongoDB), the same tests run on those servers instead.
 *
 * Each data dir gets its own stream prefix on EventStoreDB and its own MongoDB database, named
 * after a hash of the dir: tests running side by side never see each other's data, and a test that
 * restarts the application on the same dir finds what it wrote before.
 */

/** The servers the environment names (validated as the application validates them). */
export function testServers(env: NodeJS.ProcessEnv = process.env): { eventStoreUrl: string | null; mongodbUrl: string | null } {
  const { eventStoreUrl, mongodbUrl } = loadConfig({ EVENTSTORE_URL: env.EVENTSTORE_URL, MONGODB_URL: env.MONGODB_URL });
  return { eventStoreUrl, mongodbUrl };
}

/** A short name for a data dir, the same every time for the same dir. */
function isolationTag(dataDir: string): string {
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
}

/** The MongoDB database of a data dir's tests. */
export function testDatabaseName(dataDir: string): string {
  return `relata_t_${isolationTag(dataDir)}`;
}

/** A MongoDB URL with another database in its path (options such as replicaSet kept). */
export function withDatabase(mongodbUrl: string, dbName: string): string {
  // Not WHATWG URL: a MongoDB URL may list several hosts (h1:27017,h2:27017), which it cannot parse.
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(mongodbUrl);
  if (match === null) throw new Error('MONGODB_URL is not a mongodb:// or mongodb+srv:// URL');
  return `${match[1]}/${dbName}${match[2] ?? ''}`;
}

/** Config overrides that put a data dir's application on the servers the environment names (none: embedded). */
export function testStoreConfig(dataDir: string, env: NodeJS.ProcessEnv = process.env): Partial<RelataConfig> {
  const { eventStoreUrl, mongodbUrl } = testServers(env);
  return {
    ...(eventStoreUrl === null ? {} : { eventStoreUrl, eventStoreStreamPrefix: `t${isolationTag(dataDir)}-` }),
    ...(mongodbUrl === null ? {} : { mongodbUrl: withDatabase(mongodbUrl, testDatabaseName(dataDir)) }),
  };
}

/** The same selection as environment variables, for the server or a CLI started as a child process. */
export function testStoreEnv(dataDir: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const config = testStoreConfig(dataDir, env);
  return {
    ...(config.eventStoreUrl
      ? { EVENTSTORE_URL: config.eventStoreUrl, RELATA_EVENTSTORE_STREAM_PREFIX: config.eventStoreStreamPrefix as string }
      : {}),
    ...(config.mongodbUrl ? { MONGODB_URL: config.mongodbUrl } : {}),
  };
}

/**
 * Removes what a data dir's tests left on the servers: its MongoDB database. (EventStoreDB streams
 * stay: deleting them only writes tombstones, and nothing reads another prefix's streams.)
 */
export async function dropTestStores(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { mongodbUrl } = testServers(env);
  if (mongodbUrl === null) return;
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(mongodbUrl);
  try {
    await client.db(testDatabaseName(dataDir)).dropDatabase();
  } finally {
    await client.close();
  }
}

export interface TestStores {
  eventStore: EventStore;
  readStore: ReadStore;
  /** Closes both, and drops what they left on the servers. */
  close(): Promise<void>;
}

/**
 * The bare event store adapter and the read store for a spec that drives components itself (the
 * projection runner, the lease): on the servers the environment names, else embedded files in dataDir.
 */
export async function openTestStores(dataDir: string): Promise<TestStores> {
  const config = loadConfig({ RELATA_DATA_DIR: dataDir, ...testStoreEnv(dataDir) });
  const eventStore = createEventStoreAdapter(config);
  const readStore = await createReadStore(config);
  return {
    eventStore,
    readStore,
    async close() {
      await eventStore.close();
      await readStore.close();
      await dropTestStores(dataDir);
    },
  };
}

/** A read store on a data dir's store (another instance on the same dir shares it, as two processes do). */
export function openTestReadStore(dataDir: string): Promise<ReadStore> {
  return createReadStore(loadConfig({ RELATA_DATA_DIR: dataDir, ...testStoreEnv(dataDir) }));
}

/**
 * `it` for a test that reads or alters the embedded stores' files in the data dir (a tampered
 * SQLite row, a scan of the files for plaintext): on the servers there are no such files, so there
 * it is reported as skipped; everything else in its file still runs on the servers.
 */
export const itOnEmbeddedFiles: jest.It = (() => {
  const { eventStoreUrl, mongodbUrl } = testServers();
  if (eventStoreUrl === null && mongodbUrl === null) return it;
  // Skipped with its reason in the name, so that test/support/skip-reporter.js lists why.
  const skipped = (name: string, fn?: jest.ProvidesCallback, timeout?: number) =>
    // eslint-disable-next-line jest/no-disabled-tests -- a reasoned skip: there are no such files on the servers
    it.skip(`${name} ${SKIP_REASON_MARK} the stores are servers: no embedded store files in the data dir]`, fn, timeout);
  return Object.assign(skipped, it);
})();
