import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, type RelataConfig } from '../config/config';
import type { EventStore } from './event-store/event-store.port';
import { EventStoreDbEventStore } from './event-store/eventstoredb-event-store';
import { SqliteEventStore } from './event-store/sqlite-event-store';
import { EmbeddedReadStore } from './read-store/embedded-read-store';
import { MongoReadStore } from './read-store/mongo-read-store';
import type { ReadStore } from './read-store/read-store.port';

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

/** EventStoreDB when EVENTSTORE_URL is set, else the embedded SQLite store in the data dir. */
export function createEventStore(config: RelataConfig): EventStore {
  if (config.eventStoreUrl) return EventStoreDbEventStore.fromConnectionString(config.eventStoreUrl);
  prepareDataDir(config.dataDir);
  return new SqliteEventStore({ filename: path.join(config.dataDir, 'events.sqlite') });
}

/** MongoDB when MONGODB_URL is set, else the embedded read store in the data dir. */
export async function createReadStore(config: RelataConfig): Promise<ReadStore> {
  if (config.mongodbUrl) return MongoReadStore.connect(config.mongodbUrl);
  prepareDataDir(config.dataDir);
  return new EmbeddedReadStore({ filename: path.join(config.dataDir, 'read-store.sqlite') });
}
