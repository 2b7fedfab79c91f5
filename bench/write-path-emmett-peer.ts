import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { REPO_ROOT } from './write-path-child';

/**
 * Emmett's SQLite event store (@event-driven-io/emmett-sqlite, on the sqlite3 driver), the peer of
 * bench/event-store.bench.ts. It lives in bench/peer/ with pinned versions and is installed on
 * first use, so the project itself does not depend on it. Only the parts of its API the benchmark
 * calls are typed here (the project must type-check without the peer installed).
 */

export const PEER_DIR = path.join(REPO_ROOT, 'bench', 'peer');

interface EmmettEvent {
  type: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export interface EmmettSqliteEventStore {
  appendToStream(
    streamName: string,
    events: EmmettEvent[],
    options?: { expectedStreamVersion?: bigint | 'STREAM_DOES_NOT_EXIST' | 'STREAM_EXISTS' | 'NO_CONCURRENCY_CHECK' },
  ): Promise<{ nextExpectedStreamVersion: bigint; lastEventGlobalPosition: bigint }>;
  readStream(streamName: string): Promise<{ currentStreamVersion: bigint; events: unknown[]; streamExists: boolean }>;
}

export interface EmmettSqliteConnection {
  close(): void;
}

export interface EmmettSqliteModule {
  getSQLiteEventStore(options: { fileName: string }): EmmettSqliteEventStore;
  sqliteConnection(options: { fileName: string }): EmmettSqliteConnection;
  /** The batch reader of Emmett's consumers: the store itself has no read-all. */
  readMessagesBatch(
    connection: EmmettSqliteConnection,
    options: { after: bigint; batchSize: number },
  ): Promise<{ currentGlobalPosition: bigint; messages: { metadata: { globalPosition: bigint } }[]; areEventsLeft: boolean }>;
}

export interface EmmettPeer {
  module: EmmettSqliteModule;
  versions: { emmettSqlite: string; emmett: string; sqlite3: string; sqlite: string };
}

/** Installs the peer when bench/peer/node_modules is missing, then loads it; throws with the reason when it cannot. */
export async function loadEmmettPeer(log: (message: string) => void): Promise<EmmettPeer> {
  if (!fs.existsSync(path.join(PEER_DIR, 'node_modules'))) {
    log('event-store: installing the Emmett peer (npm install --prefix bench/peer; builds sqlite3 if no prebuilt binary fits)');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const installed = spawnSync(npm, ['install', '--prefix', PEER_DIR, '--no-audit', '--no-fund'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (installed.status !== 0) {
      throw new Error(
        `The Emmett peer could not be installed (npm install --prefix bench/peer exited with ${installed.status ?? installed.signal}): see the npm output above`,
      );
    }
  }
  const load = createRequire(path.join(PEER_DIR, 'package.json'));
  let sqlite3Version: string;
  try {
    // sqlite3 is a native addon: loading it is where a failed or missing build shows.
    load('sqlite3');
    sqlite3Version = installedVersion('sqlite3');
  } catch (error) {
    throw new Error(
      `The Emmett peer needs the sqlite3 native module, which could not be loaded (${(error as Error).message.split('\n')[0]}). ` +
        'sqlite3 did not compile or install here; remove bench/peer/node_modules and run again to retry the install.',
    );
  }
  const module = load('@event-driven-io/emmett-sqlite') as EmmettSqliteModule;
  const sqlite = await sqliteVersionOf(load);
  return {
    module,
    versions: {
      emmettSqlite: installedVersion('@event-driven-io/emmett-sqlite'),
      emmett: installedVersion('@event-driven-io/emmett'),
      sqlite3: sqlite3Version,
      sqlite,
    },
  };
}

/** Read from the file: these packages do not export their package.json. */
function installedVersion(name: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(PEER_DIR, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

interface Sqlite3Module {
  Database: new (filename: string) => {
    get(sql: string, callback: (error: Error | null, row: { v: string }) => void): void;
    close(): void;
  };
}

async function sqliteVersionOf(load: NodeJS.Require): Promise<string> {
  const sqlite3 = load('sqlite3') as Sqlite3Module;
  const db = new sqlite3.Database(':memory:');
  try {
    return await new Promise((resolve, reject) =>
      db.get('SELECT sqlite_version() AS v', (error, row) => (error ? reject(error) : resolve(row.v))),
    );
  } finally {
    db.close();
  }
}
