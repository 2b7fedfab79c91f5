import 'reflect-metadata';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { ALL_PROJECTIONS } from '../all-projections';
import { SystemClock } from '../shared/clock';
import { type EventStore, formatPosition, parsePosition, type Position, START } from '../shared/event-store/event-store.port';
import { type ProjectionMetaDocument, PROJECTIONS_META_COLLECTION, ProjectionRunner } from '../shared/projections/projection-runner';
import { pendingRebuilds, requestRebuilds } from '../shared/projections/rebuild-requests';
import type { ReadStore } from '../shared/read-store/read-store.port';
import { createEventStore, createReadStore } from '../shared/stores';
import { type CliIo, configOrExplain, consoleIo } from './cli-io';
import { cliLease, type HeldLease } from './cli-lease';
import { ConfigError } from '../config/config';
import { type LeaseConfig, loadLeaseConfig } from '../shared/lease/lease-config';
import { WORKER_LEASE_NAME } from '../shared/lease/worker-lease';

/** How often a handed-over rebuild is checked on. */
const REQUEST_POLL_MS = 250;

export const PROJECTIONS_REBUILD_USAGE = `Usage: relata projections rebuild [NAME] [--quiet]
       npm run projections:rebuild [-- NAME]

Rebuilds one projection (all when NAME is omitted) from the first event into fresh collections,
switches readers over once it has caught up, and exits. Readers keep reading the old collections
meanwhile. On a terminal a progress line shows the position reached, the log's head and the time taken.
  NAME      a projection name (see: relata projections status)
  --quiet   no progress line
Uses the server's stores (EVENTSTORE_URL, MONGODB_URL, RELATA_DATA_DIR). While a server runs the
projections (it holds the worker lease), the rebuild is handed to it and this command waits for
the switch; otherwise this command holds the lease and rebuilds itself. Readers keep answering
from the replaced collections, which are dropped a while after the switch.

Examples:
  relata projections rebuild customer-profile
  relata projections rebuild`;

/** A progress line from the stored rebuild checkpoints, redrawn on a timer while the rebuild runs. */
function watchRebuild(readStore: ReadStore, eventStore: EventStore, names: string[], io: CliIo): () => void {
  if (!io.stdout.isTTY) return () => undefined;
  const started = Date.now();
  let head = START;
  void eventStore.headPosition().then((position) => (head = position));
  const timer = setInterval(() => {
    void (async () => {
      let lowest: Position | null = null;
      const metas = readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
      for (const name of names) {
        const meta = await metas.get(name);
        const reached = meta?.rebuild?.position != null ? parsePosition(meta.rebuild.position) : meta?.rebuild ? START : head;
        if (lowest === null || reached < lowest) lowest = reached;
      }
      const at = lowest ?? START;
      const seconds = Math.round((Date.now() - started) / 1000);
      // Positions are opaque (byte offsets on EventStoreDB): no percentage or rate can be made of them.
      const shown = at === START ? 'the start of the log' : `position ${formatPosition(at)}`;
      io.stdout.write(`\rRebuilding: at ${shown}, head ${formatPosition(head)} | ${seconds} s\x1b[K`);
    })().catch(() => undefined);
  }, 500);
  timer.unref();
  return () => {
    clearInterval(timer);
    io.stdout.write('\r\x1b[K');
  };
}

// Long because it is the command's script in order: arguments, configuration, stores, the rebuild
// with its progress line, the report, and closing the stores whatever happened.
/** `relata projections rebuild [NAME]`; resolves to the exit code. */
export async function projectionsRebuildCli(argv: string[], io: CliIo = consoleIo()): Promise<number> {
  let name: string | undefined;
  let quiet: boolean;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { quiet: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      io.stdout.write(`${PROJECTIONS_REBUILD_USAGE}\n`);
      return 0;
    }
    if (positionals.length > 1) throw new Error(`Unexpected argument ${positionals[1]}`);
    name = positionals[0];
    quiet = values.quiet === true;
    if (name !== undefined && !ALL_PROJECTIONS.some((p) => p.name === name)) {
      throw new Error(`Unknown projection "${name}". Known: ${ALL_PROJECTIONS.map((p) => p.name).join(', ')}`);
    }
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${PROJECTIONS_REBUILD_USAGE}\n`);
    return 2;
  }
  const config = configOrExplain(io.env, 'rebuild', (line) => void io.stderr.write(`${line}\n`));
  if (config === null) return 1;
  let leaseConfig: LeaseConfig;
  try {
    leaseConfig = loadLeaseConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 1;
  }
  const clock = new SystemClock();
  const eventStore = createEventStore(config);
  const readStore = await createReadStore(config);
  const log = (message: string): void => void io.stderr.write(`${message}\n`);
  const runner = new ProjectionRunner({
    eventStore,
    readStore,
    clock,
    projections: ALL_PROJECTIONS,
    logger: { log: () => undefined, warn: log, error: log },
  });
  const started = Date.now();
  const names = name === undefined ? ALL_PROJECTIONS.map((p) => p.name) : [name];
  const stopWatching = quiet ? () => undefined : watchRebuild(readStore, eventStore, names, io);
  let lease: HeldLease | null = null;
  try {
    if (!leaseConfig.enabled) {
      await runner.rebuild(name);
    } else {
      // Only the lease holder runs projections: the server when one runs, else this process.
      const workers = cliLease(readStore, clock, leaseConfig, WORKER_LEASE_NAME, 'projections-rebuild');
      const onLost = (): void => {
        io.stderr.write('The worker lease was lost: stopping the rebuild\n');
        void runner.stop();
      };
      lease = await workers.tryAcquire(onLost);
      if (lease !== null) {
        await runner.rebuild(name);
      } else {
        log(`The projections run in ${workers.holder()}: it rebuilds ${name ?? 'all projections'}; waiting for it to switch readers over.`);
        const requested = await requestRebuilds(
          readStore,
          names,
          clock,
          `relata projections rebuild (${os.hostname()}, pid ${process.pid})`,
        );
        for (;;) {
          const pending = await pendingRebuilds(readStore, requested);
          if (pending.length === 0) break;
          lease = await workers.tryAcquire(onLost);
          if (lease !== null) {
            log(`${workers.holder()} no longer runs the projections: rebuilding ${pending.join(', ')} here.`);
            for (const projection of pending) await runner.rebuild(projection);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, REQUEST_POLL_MS));
        }
      }
    }
    stopWatching();
    for (const status of await runner.status()) {
      if (names.includes(status.name))
        io.stdout.write(`${status.name}: v${status.version} generation ${status.generation} at position ${status.position ?? '-'}\n`);
    }
    io.stdout.write(`Rebuilt ${name ?? 'all projections'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  } catch (error) {
    stopWatching();
    io.stderr.write(`Rebuild failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await runner.stop();
    await lease?.release().catch(() => undefined);
    await eventStore.close();
    await readStore.close();
  }
}

if (require.main === module) {
  projectionsRebuildCli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
