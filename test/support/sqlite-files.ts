import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { EventStore } from '../../src/shared/event-store/event-store.port';
import Database from '../../src/shared/sqlite/better-sqlite3';

/*
 * SQLite files as another process (or a disk fault) sees them: read without any store's cache, or
 * damaged on purpose. For specs of the embedded stores; never for data a test then reads through a store.
 */

const PAGE = 4096;

/**
 * Overwrites four pages in the middle of a closed SQLite file with garbage (never page 1, the
 * header and schema): what a torn disk write or a bad sector leaves behind.
 */
export function overwriteMiddlePages(file: string): void {
  const size = fs.statSync(file).size;
  const handle = fs.openSync(file, 'r+');
  try {
    fs.writeSync(handle, Buffer.alloc(PAGE * 4, 0xa5), 0, PAGE * 4, Math.floor(size / 2 / PAGE) * PAGE);
  } finally {
    fs.closeSync(handle);
  }
}

/** Appends `count` one-event streams note-0, note-1, ... of ~600 bytes each: enough pages that the middle ones hold events. */
export async function appendNotes(store: Pick<EventStore, 'appendToStream'>, count: number, at: string): Promise<void> {
  const metadata = { actor: 'system:test', correlationId: 'c', causationId: 'c', occurredAt: at, recordedAt: at, schemaVersion: 1 };
  for (let i = 0; i < count; i++) {
    await store.appendToStream(`note-${i}`, [{ id: randomUUID(), type: 'Noted', data: { text: 'n'.repeat(600) }, metadata }]);
  }
}

export interface ReadStoreIndexRow {
  collection: string;
  name: string;
  sqlName: string;
  keys: string;
}

/** The read store's declared indexes (its catalog) and SQLite's own, read from the file without any store. */
export function readStoreIndexesOnFile(filename: string): { declared: ReadStoreIndexRow[]; sqlite: string[] } {
  const db = new Database(filename, { readonly: true });
  try {
    const declared = db
      .prepare(
        `SELECT c.name AS collection, i.name AS name, i.sql_name AS sqlName, i.keys AS keys
         FROM _relata_indexes i JOIN _relata_collections c ON c.id = i.collection_id ORDER BY 1, 2`,
      )
      .all() as ReadStoreIndexRow[];
    const sqlite = (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'c\\_%' ESCAPE '\\' ORDER BY name`).all() as Array<{
        name: string;
      }>
    ).map((row) => row.name);
    return { declared, sqlite };
  } finally {
    db.close();
  }
}
