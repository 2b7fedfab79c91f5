import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rebuildLowerBound } from '../../bench/rebuild-lower-bound';
import Database from '../../src/shared/sqlite/better-sqlite3';
import { startTestApp } from '../support/test-app';
import { describeWhen } from '../support/skips';
import { testServers } from '../support/test-stores';

/**
 * The rebuild lower-bound loop of `npm run bench` (bench/rebuild-lower-bound.ts) goes over every
 * event of the log, including the encrypted ones (it decrypts them), and writes one document per
 * stream: the counts are taken from the event file itself.
 */
// The loop reads the embedded event and key files, as the benchmark's data set is made of.
const { eventStoreUrl, mongodbUrl } = testServers();

describeWhen(
  eventStoreUrl === null && mongodbUrl === null,
  'the lower-bound loop reads the embedded event and key files; EVENTSTORE_URL or MONGODB_URL is set',
)('rebuild lower-bound loop', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-lower-bound-'));
  });

  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads, decrypts and folds every event of the log into one document per stream', async () => {
    const app = await startTestApp({}, { dataDir });
    for (const name of ['Ada Lovelace', 'Alan Turing', 'Grace Hopper']) {
      const created = await app.request('POST', '/customers', {
        name,
        email: `${name.split(' ')[0].toLowerCase()}@example.com`,
        kind: 'prospect',
        acquisitionChannel: 'web',
      });
      expect(created.status).toBe(201);
    }
    await app.close();

    const events = new Database(path.join(dataDir, 'events.sqlite'), { readonly: true });
    const expected = events.prepare('SELECT COUNT(*) AS events, COUNT(DISTINCT stream_name) AS streams FROM events').get() as {
      events: number;
      streams: number;
    };
    events.close();

    const measured = await rebuildLowerBound(dataDir, path.join(dataDir, 'scratch.sqlite'));
    expect({ events: measured.events, documents: measured.documents }).toEqual({ events: expected.events, documents: expected.streams });
    expect(fs.existsSync(path.join(dataDir, 'scratch.sqlite'))).toBe(false);
  });
});
