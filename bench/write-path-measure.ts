/**
 * A focused measurement of the projection write path, outside `npm run bench`: every projection
 * rebuilt from a small seeded log into an empty read store, counting the documents written.
 * Prints events/s and document writes per event (checkpoint writes apart), as JSON.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/write-path-measure.js --dir /tmp/wp [--customers 2000] [--batch 500]
 *
 * The data set (about ten events per customer) is generated into <dir>/gen on the first run and
 * reused after, so runs of different code read the same log.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_PROJECTIONS } from '../src/all-projections';
import { loadConfig } from '../src/config/config';
import { SystemClock } from '../src/shared/clock';
import { ProjectionRunner } from '../src/shared/projections/projection-runner';
import type { Collection, ReadStore, ReadStoreTransaction } from '../src/shared/read-store/read-store.port';
import { createEventStore, createReadStore } from '../src/shared/stores';
import { BENCH_SEED, generateDataSet } from './data-generator';

const META_COLLECTION = '_projections';

interface WriteCounts {
  documents: number;
  checkpoints: number;
}

/** The collection with its write calls counted. */
function counted(collection: Collection, counts: WriteCounts): Collection {
  const count = (): void => {
    if (collection.name === META_COLLECTION) counts.checkpoints += 1;
    else counts.documents += 1;
  };
  return new Proxy(collection, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'update' || property === 'replace' || property === 'delete') {
        return (...args: unknown[]) => {
          count();
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

/** The read store with the writes of its transactions counted (what the runner writes). */
function countingReadStore(store: ReadStore, counts: WriteCounts): ReadStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'withTransaction') {
        return <R>(fn: (tx: ReadStoreTransaction) => Promise<R>): Promise<R> =>
          target.withTransaction((tx) => fn({ collection: (name) => counted(tx.collection(name) as Collection, counts) as never }));
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function argValue(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const dir = path.resolve(argValue('--dir') ?? '/tmp/relata-write-path');
  const customers = Number(argValue('--customers') ?? 2000);
  const batchSize = Number(argValue('--batch') ?? 500);
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  const generated = path.join(dir, 'gen');
  const manifest = path.join(dir, 'gen.json');
  if (!fs.existsSync(manifest)) {
    fs.rmSync(generated, { recursive: true, force: true });
    const dataSet = await generateDataSet(generated, { customers, seed: BENCH_SEED, log });
    fs.writeFileSync(manifest, JSON.stringify({ events: dataSet.events, dataDir: dataSet.dataDir }));
  }
  const { events, dataDir } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { events: number; dataDir: string };

  // A copy of the data dir without its read store: the rebuild starts from nothing.
  const run = path.join(dir, `run-${process.pid}`);
  fs.cpSync(dataDir, run, { recursive: true });
  const config = loadConfig({ RELATA_DATA_DIR: run });
  for (const name of fs.readdirSync(run)) {
    if (name.startsWith('read')) fs.rmSync(path.join(run, name), { recursive: true, force: true });
  }
  const eventStore = createEventStore(config);
  const readStore = await createReadStore(config);
  const counts: WriteCounts = { documents: 0, checkpoints: 0 };
  try {
    const runner = new ProjectionRunner({
      eventStore,
      readStore: countingReadStore(readStore, counts),
      clock: new SystemClock(),
      projections: ALL_PROJECTIONS,
      batchSize,
      logger: { log: () => undefined, warn: log, error: log },
    });
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await runner.catchUp();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuSeconds = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1e6;
    await runner.stop();
    process.stdout.write(
      `${JSON.stringify({
        events,
        projections: ALL_PROJECTIONS.length,
        batchSize,
        seconds: Number(seconds.toFixed(2)),
        eventsPerSecond: Math.round(events / seconds),
        cpuMicrosPerEvent: Math.round((cpuSeconds * 1e6) / events),
        documentWrites: counts.documents,
        writesPerEvent: Number((counts.documents / events).toFixed(3)),
        checkpointWrites: counts.checkpoints,
      })}\n`,
    );
  } finally {
    await readStore.close();
    await eventStore.close();
    fs.rmSync(run, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
