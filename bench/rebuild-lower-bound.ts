import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../src/config/config';
import { SystemClock } from '../src/shared/clock';
import { ENCRYPTED_FIELDS } from '../src/shared/privacy/encrypting-event-store';
import { decryptField, deriveFieldKeys, type FieldKeys, isEncryptedValue, keyIdOf } from '../src/shared/privacy/field-cipher';
import { ERASED, valueAt, withValuesAt } from '../src/shared/privacy/personal-data';
import Database from '../src/shared/sqlite/better-sqlite3';
import { createKeyStore } from '../src/shared/stores';

/**
 * The machine's limit for a rebuild of the same log (issue 14.4): a tight loop that does only what
 * any rebuild must do per event, measured in the same `npm run bench` invocation as the real one:
 * 1. read and parse (the event row, its data and metadata JSON),
 * 2. decrypt the personal fields, every subject's key fetched and derived once (cached keys),
 * 3. fold into one document per stream in memory, then write every document in one bulk
 *    transaction into a fresh SQLite file,
 * 4. build the indexes afterwards.
 * No projection logic, no checkpoints, no position guards: a lower bound, not a rebuild.
 */

export interface LowerBoundMeasurement {
  events: number;
  documents: number;
  seconds: number;
  phases: { readParseDecryptFoldSeconds: number; bulkWriteSeconds: number; indexSeconds: number };
}

interface FoldedDocument {
  _id: string;
  events: number;
  lastType: string;
  lastPosition: number;
  data: Record<string, unknown>;
}

export async function rebuildLowerBound(dataDir: string, scratchFile: string): Promise<LowerBoundMeasurement> {
  const config = loadConfig({ RELATA_DATA_DIR: dataDir });
  const keyStore = createKeyStore(config, new SystemClock());
  const events = new Database(path.join(dataDir, 'events.sqlite'), { readonly: true });
  fs.rmSync(scratchFile, { force: true });
  const out = new Database(scratchFile);
  out.pragma('journal_mode = WAL');
  out.pragma('synchronous = NORMAL');
  try {
    const keys = new Map<string, FieldKeys | null>();
    const documents = new Map<string, FoldedDocument>();
    let count = 0;
    const started = process.hrtime.bigint();
    const rows = events.prepare('SELECT position, stream_name, event_id, type, data, metadata FROM events ORDER BY position');
    for (const row of rows.iterate() as Iterable<{
      position: number;
      stream_name: string;
      event_id: string;
      type: string;
      data: string;
      metadata: string;
    }>) {
      let data = JSON.parse(row.data) as unknown;
      const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
      const paths = metadata[ENCRYPTED_FIELDS];
      if (Array.isArray(paths) && paths.length > 0) {
        const replacements = new Map<string, unknown>();
        for (const fieldPath of paths as string[]) {
          const value = valueAt(data, fieldPath);
          if (!isEncryptedValue(value)) continue;
          const keyId = keyIdOf(value) ?? '';
          if (!keys.has(keyId)) {
            const lookup = await keyStore.get(keyId);
            keys.set(keyId, lookup.state === 'active' ? deriveFieldKeys(lookup.key) : null);
          }
          const fieldKeys = keys.get(keyId);
          replacements.set(
            fieldPath,
            fieldKeys ? decryptField(fieldKeys, { streamName: row.stream_name, eventId: row.event_id, path: fieldPath }, value) : ERASED,
          );
        }
        data = withValuesAt(data, replacements);
      }
      let document = documents.get(row.stream_name);
      if (document === undefined) {
        document = { _id: row.stream_name, events: 0, lastType: row.type, lastPosition: row.position, data: {} };
        documents.set(row.stream_name, document);
      }
      document.events += 1;
      document.lastType = row.type;
      document.lastPosition = row.position;
      if (typeof data === 'object' && data !== null) Object.assign(document.data, data);
      count += 1;
    }
    const folded = process.hrtime.bigint();

    out.exec('CREATE TABLE documents (id TEXT NOT NULL, body TEXT NOT NULL)');
    const insert = out.prepare('INSERT INTO documents (id, body) VALUES (?, ?)');
    out.transaction(() => {
      for (const document of documents.values()) insert.run(document._id, JSON.stringify(document));
    })();
    const written = process.hrtime.bigint();

    out.exec(
      "CREATE UNIQUE INDEX documents_id ON documents (id); CREATE INDEX documents_type ON documents (json_extract(body, '$.lastType'))",
    );
    const indexed = process.hrtime.bigint();

    const seconds = (from: bigint, to: bigint): number => Number(to - from) / 1e9;
    return {
      events: count,
      documents: documents.size,
      seconds: seconds(started, indexed),
      phases: {
        readParseDecryptFoldSeconds: seconds(started, folded),
        bulkWriteSeconds: seconds(folded, written),
        indexSeconds: seconds(written, indexed),
      },
    };
  } finally {
    events.close();
    out.close();
    await keyStore.close();
    fs.rmSync(scratchFile, { force: true });
    for (const suffix of ['-wal', '-shm']) fs.rmSync(scratchFile + suffix, { force: true });
  }
}
