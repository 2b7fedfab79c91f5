import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, type KernelConfig } from './settings';
import { type Clock, SystemClock } from './clock';
import { DiscardingEventStore } from './event-store/discarding-event-store';
import type { EventStore } from './event-store/event-store.port';
import { HashChainingEventStore } from './event-store/hash-chaining-event-store';
import { SqliteEventStore } from './event-store/sqlite-event-store';
import { StreamPrefixedEventStore } from './event-store/stream-prefixed-event-store';
import { CachingKeyStore } from './privacy/caching-key-store';
import { EncryptingEventStore } from './privacy/encrypting-event-store';
import type { KeyStore } from './privacy/key-store.port';
import { parseMasterKey } from './privacy/key-wrapping';
import type { PersonalDataSpec } from './privacy/personal-data';
import { SqliteKeyStore } from './privacy/sqlite-key-store';
import { EmbeddedReadStore } from './read-store/embedded-read-store';
import type { ReadStore } from './read-store/read-store.port';

/*
 * The production adapters (and their drivers, @eventstore/db-client and mongodb) are loaded only
 * when configured: loading both costs about half a second of start-up that the embedded default
 * would pay for nothing. require() keeps the factories synchronous (eslint.config.mjs allows it in
 * this file alone).
 */
const productionAdapters = {
  eventStoreDb: () => require('./event-store/eventstoredb-event-store') as typeof import('./event-store/eventstoredb-event-store'),
  mongoReadStore: () => require('./read-store/mongo-read-store') as typeof import('./read-store/mongo-read-store'),
  mongoKeyStore: () => require('./privacy/mongo-key-store') as typeof import('./privacy/mongo-key-store'),
  mongoHelpers: () => require('./read-store/mongo-query-helpers') as typeof import('./read-store/mongo-query-helpers'),
};

/** Makes sure the data dir exists and can be written, or says which variable to fix. */
export function prepareDataDir(dataDir: string): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
    const probe = path.join(dataDir, `.write-probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError('RELATA_DATA_DIR', `(${dataDir}) cannot be written: ${reason}`);
  }
}

export interface EventStoreOptions {
  /**
   * Every feature's personal-data specs (ALL_PERSONAL_DATA from the composition root). Without
   * them the store still decrypts what it reads, but refuses to append.
   */
  personalData?: readonly PersonalDataSpec[];
  /** The key store to use; default: the one this configuration selects, closed with the event store. */
  keyStore?: KeyStore;
  clock?: Clock;
}

/**
 * The event store the application uses: the adapter (EventStoreDB when EVENTSTORE_URL is set,
 * else SQLite in the data dir) behind the hash chain (tamper evidence), behind field encryption
 * (privacy). Appends are encrypted, then chained; reads come back decrypted.
 */
export function createEventStore(config: KernelConfig, options: EventStoreOptions = {}): EventStore {
  const keyStore = options.keyStore ?? createKeyStore(config, options.clock ?? new SystemClock());
  return new EncryptingEventStore(createStoredEventStore(config), keyStore, options.personalData, options.keyStore === undefined);
}

/**
 * The events as stored: personal fields encrypted, hashes in the metadata. Appends through it are
 * chained but not encrypted (the kernel appends through createEventStore's layer); audit
 * verification reads through it, since the hashes cover the stored form.
 */
export function createStoredEventStore(config: KernelConfig): HashChainingEventStore {
  const adapter = createEventStoreAdapter(config);
  // Benchmark only (config.ts): the same command path with the store write switched off.
  return new HashChainingEventStore(config.benchDiscardWrites ? new DiscardingEventStore(adapter) : adapter);
}

/** The bare adapter: EventStoreDB when EVENTSTORE_URL is set, else the embedded SQLite store in the data dir. */
export function createEventStoreAdapter(config: KernelConfig): EventStore {
  const adapter = config.eventStoreUrl
    ? productionAdapters.eventStoreDb().EventStoreDbEventStore.fromConnectionString(config.eventStoreUrl)
    : embeddedEventStore(config);
  return config.eventStoreStreamPrefix ? new StreamPrefixedEventStore(adapter, config.eventStoreStreamPrefix) : adapter;
}

function embeddedEventStore(config: KernelConfig): EventStore {
  prepareDataDir(config.dataDir);
  return new SqliteEventStore({ filename: path.join(config.dataDir, 'events.sqlite') });
}

/** MongoDB when MONGODB_URL is set, else the embedded read store in the data dir. */
export async function createReadStore(config: KernelConfig): Promise<ReadStore> {
  if (config.mongodbUrl) return productionAdapters.mongoReadStore().MongoReadStore.connect(config.mongodbUrl);
  prepareDataDir(config.dataDir);
  return new EmbeddedReadStore({ filename: path.join(config.dataDir, 'read-store.sqlite') });
}

/**
 * The key store of the data keys (privacy): MongoDB collection `privacy_keys` when MONGODB_URL is
 * set (next to the read models), else `keys.sqlite` in the data dir; behind an in-memory cache.
 * RELATA_MASTER_KEY (optional, 32 bytes as hex or base64) wraps the data keys at rest.
 */
export function createKeyStore(config: KernelConfig, clock: Clock, env: NodeJS.ProcessEnv = process.env): KeyStore {
  let masterKey: Buffer | null;
  try {
    masterKey = parseMasterKey(env.RELATA_MASTER_KEY);
  } catch (error) {
    throw new ConfigError('RELATA_MASTER_KEY', (error as Error).message);
  }
  let inner: KeyStore;
  if (config.mongodbUrl) {
    const { DEFAULT_DB_NAME, databaseNameFromUrl } = productionAdapters.mongoHelpers();
    inner = productionAdapters
      .mongoKeyStore()
      .MongoKeyStore.create(config.mongodbUrl, databaseNameFromUrl(config.mongodbUrl) ?? DEFAULT_DB_NAME, {
        clock,
        masterKey,
      });
  } else {
    prepareDataDir(config.dataDir);
    inner = new SqliteKeyStore({ filename: path.join(config.dataDir, 'keys.sqlite'), clock, masterKey });
  }
  return new CachingKeyStore(inner, { clock, maxEntries: config.keyCacheEntries });
}
