import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ChildServer, startChildServer } from '../support/child-server';
import { readStoreIndexesOnFile } from '../support/sqlite-files';
import { TEST_JWT_SECRET } from '../support/test-app';

/**
 * Several server processes started at the same instant on a fresh data dir all set up the same
 * embedded stores: collections, indexes, projection metadata. Each must see what the others did
 * (and not decide from what it cached) so that every one of them starts, and each index exists once.
 */
jest.setTimeout(900_000);

const PROCESSES = 3;
const ROUNDS = Number(process.env.RELATA_SIMULTANEOUS_START_ROUNDS ?? 20);

/** GET /ready until it answers 200 or the time is up: the last answer either way. */
async function readyWithin(url: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/ready`);
    const answer = { status: response.status, body: await response.json().catch(() => null) };
    if (answer.status === 200 || Date.now() >= deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 250));
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

      // Live (/health) comes before ready: the projector thread may still be starting, or a store
      // ping may time out on a busy machine. Each must become ready, and say why if it does not.
      for (const server of servers) {
        const ready = await readyWithin(server.url, 60_000);
        expect({ round, url: server.url, ...ready }).toEqual({ round, url: server.url, status: 200, body: expect.anything() });
      }

      const { declared, sqlite } = readStoreIndexesOnFile(path.join(dataDir, 'read-store.sqlite'));
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
