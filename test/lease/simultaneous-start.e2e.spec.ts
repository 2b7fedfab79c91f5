import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from '../../src/shared/sqlite/better-sqlite3';
import { type ChildServer, startChildServer } from '../support/child-server';
import { TEST_JWT_SECRET } from '../support/test-app';

/**
 * Several server processes started at the same instant on a fresh data dir all set up the same
 * embedded stores: collections, indexes, projection metadata. Each must see what the others did
 * (and not decide from what it cached) so that every one of them starts, and each index exists once.
 */
jest.setTimeout(900_000);

const PROCESSES = 3;
const ROUNDS = Number(process.env.RELATA_SIMULTANEOUS_START_ROUNDS ?? 20);

interface IndexRow {
  collection: string;
  name: string;
  sqlName: string;
  keys: string;
}

/** The read store's declared indexes and SQLite's own, read from the file without any store. */
function indexesOf(dataDir: string): { declared: IndexRow[]; sqlite: string[] } {
  const db = new Database(path.join(dataDir, 'read-store.sqlite'), { readonly: true });
  try {
    const declared = db
      .prepare(
        `SELECT c.name AS collection, i.name AS name, i.sql_name AS sqlName, i.keys AS keys
         FROM _relata_indexes i JOIN _relata_collections c ON c.id = i.collection_id ORDER BY 1, 2`,
      )
      .all() as IndexRow[];
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

describe(`${PROCESSES} processes started at once on a fresh data dir`, () => {
  const roots: string[] = [];
  let servers: ChildServer[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill('SIGKILL')));
    for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
  });

  it(`all become healthy and create each index once (${ROUNDS} rounds)`, async () => {
    const env = { RELATA_JWT_SECRET: TEST_JWT_SECRET, RELATA_LEASE_TTL_MS: '1500', RELATA_LEASE_RENEW_MS: '300' };
    for (let round = 1; round <= ROUNDS; round += 1) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `relata-start-${round}-`));
      roots.push(dataDir);
      const started = await Promise.allSettled(
        Array.from({ length: PROCESSES }, () => startChildServer({ dataDir, env, readyTimeoutMs: 120_000 })),
      );
      servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const failures = started.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
      expect({ round, failures }).toEqual({ round, failures: [] });

      for (const server of servers) {
        const ready = await fetch(`${server.url}/ready`);
        expect({ round, url: server.url, status: ready.status }).toEqual({ round, url: server.url, status: 200 });
      }

      const { declared, sqlite } = indexesOf(dataDir);
      expect(declared.length).toBeGreaterThan(0);
      // One SQLite index per declared index, and no collection declares the same keys twice.
      expect(sqlite).toEqual(declared.map((row) => row.sqlName).sort());
      const keysPerCollection = declared.map((row) => `${row.collection} ${row.keys}`);
      expect(new Set(keysPerCollection).size).toBe(keysPerCollection.length);

      await Promise.all(servers.map((server) => server.kill('SIGKILL')));
      servers = [];
    }
  });
});
