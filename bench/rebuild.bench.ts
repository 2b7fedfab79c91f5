/**
 * Projection rebuild: every projection built from the whole log (about 1M events) into a fresh,
 * empty read store, as after a lost read store or a first start on an imported log. Runs in a
 * child process so the peak RSS measured is the rebuild's alone. The events are read through the
 * application's store stack (decryption of personal fields included).
 *
 * Targets (issue 6): >= 100,000 events/s (events in the log / wall time), peak RSS <= 500 MB.
 * Issue 14.4: the same invocation runs the rebuild lower-bound loop (bench/rebuild-lower-bound.ts)
 * on the same log in another child, and reports the rebuild's rate against it (target >= 0.7 x).
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_PROJECTIONS } from '../src/all-projections';
import { loadConfig } from '../src/config/config';
import { SystemClock } from '../src/shared/clock';
import { ProjectionRunner } from '../src/shared/projections/projection-runner';
import { createEventStore, createReadStore } from '../src/shared/stores';
import { type Benchmark, type BenchReport, table } from './bench-kit';
import { benchDataSetOptions, ensureDataSet } from './data-generator';
import { type LowerBoundMeasurement, rebuildLowerBound } from './rebuild-lower-bound';

const TARGET_EVENTS_PER_SECOND = 100_000;
const TARGET_PEAK_RSS_MB = 500;
const TARGET_LOWER_BOUND_RATIO = 0.7;

export interface RebuildMeasurement {
  events: number;
  seconds: number;
  peakRssMb: number;
  projections: number;
}

/** In the child: rebuild every projection of the data dir's log into its (empty) read store. */
export async function rebuildAll(dataDir: string): Promise<RebuildMeasurement> {
  const config = loadConfig({ RELATA_DATA_DIR: dataDir });
  const eventStore = createEventStore(config);
  const readStore = await createReadStore(config);
  try {
    const events = Number(await eventStore.headPosition());
    const runner = new ProjectionRunner({ eventStore, readStore, clock: new SystemClock(), projections: ALL_PROJECTIONS });
    const started = process.hrtime.bigint();
    await runner.catchUp();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await runner.stop();
    return { events, seconds, peakRssMb: peakRssMb(), projections: ALL_PROJECTIONS.length };
  } finally {
    await readStore.close();
    await eventStore.close();
  }
}

/** Highest resident set size of this process so far (VmHWM where /proc has it). */
function peakRssMb(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // Not Linux: resourceUsage below.
  }
  return process.resourceUsage().maxRSS / 1024;
}

function runChild<T = RebuildMeasurement>(dataDir: string, log: (message: string) => void, mode = '--child'): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, __filename, mode, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) log(`  child: ${line}`);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) resolve(JSON.parse(line) as T);
      else reject(new Error(`rebuild child exited with ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

export const benchmark: Benchmark = {
  name: 'rebuild',
  title: 'Projection rebuild',
  async run(context): Promise<BenchReport> {
    const dataSet = await ensureDataSet(benchDataSetOptions(context));
    const runs = 1;
    const measurements: RebuildMeasurement[] = [];
    const bounds: LowerBoundMeasurement[] = [];
    for (let i = 0; i < runs; i++) {
      // A fresh read store each time: only the event log and the keys are copied.
      const dataDir = path.join(context.workDir, `run-${i}`);
      fs.mkdirSync(dataDir, { recursive: true });
      for (const file of fs.readdirSync(dataSet.dataDir).filter((f) => f.startsWith('events.sqlite') || f.startsWith('keys.sqlite'))) {
        fs.copyFileSync(path.join(dataSet.dataDir, file), path.join(dataDir, file));
      }
      context.log(`rebuild ${i + 1}/${runs} of ${dataSet.events} events`);
      const m = await runChild(dataDir, context.log);
      context.log(
        `  ${m.events} events in ${m.seconds.toFixed(1)} s: ${Math.round(m.events / m.seconds)} events/s, peak RSS ${m.peakRssMb.toFixed(0)} MB`,
      );
      measurements.push(m);
      context.log('  the lower-bound loop on the same log');
      const bound = await runChild<LowerBoundMeasurement>(dataDir, context.log, '--lower-bound');
      context.log(
        `  lower bound: ${bound.events} events in ${bound.seconds.toFixed(1)} s: ${Math.round(bound.events / bound.seconds)} events/s`,
      );
      bounds.push(bound);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    const best = measurements.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const rate = best.events / best.seconds;
    const peak = Math.max(...measurements.map((m) => m.peakRssMb));
    const body = [
      `Every projection (${best.projections}) rebuilt from the log of ${dataSet.customers.toLocaleString('en')} customers ` +
        `(${best.events.toLocaleString('en')} events) into an empty embedded read store, in a child process; events read through ` +
        'the application stack (personal fields decrypted). Best of the runs counts for the rate; the highest peak RSS of all runs for memory.',
      '',
      table(
        ['Run', 'Events', 'Wall time (s)', 'Events/s', 'Peak RSS (MB)'],
        measurements.map((m, i) => [i + 1, m.events, m.seconds.toFixed(1), Math.round(m.events / m.seconds), m.peakRssMb.toFixed(0)]),
      ),
      '',
      'The lower bound (bench/rebuild-lower-bound.ts), in its own child on the same log in the same run: read and parse every event, ' +
        'decrypt its personal fields with keys fetched once per subject, fold one document per stream in memory, write them in one ' +
        'bulk transaction, build the indexes afterwards. No projection logic, checkpoints or guards.',
      '',
      table(
        [
          'Run',
          'Events',
          'Documents',
          'Read+parse+decrypt+fold (s)',
          'Bulk write (s)',
          'Index build (s)',
          'Total (s)',
          'Events/s',
          'Rebuild vs bound',
        ],
        bounds.map((b, i) => [
          i + 1,
          b.events,
          b.documents,
          b.phases.readParseDecryptFoldSeconds.toFixed(2),
          b.phases.bulkWriteSeconds.toFixed(2),
          b.phases.indexSeconds.toFixed(2),
          b.seconds.toFixed(2),
          Math.round(b.events / b.seconds),
          `${(measurements[i].events / measurements[i].seconds / (b.events / b.seconds)).toFixed(2)} x`,
        ]),
      ),
    ].join('\n');
    const bestBound = bounds.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const boundRatio = rate / (bestBound.events / bestBound.seconds);
    const rateMet = rate >= TARGET_EVENTS_PER_SECOND;
    return {
      body,
      targets: [
        {
          name: 'rebuild rate',
          target: `>= ${TARGET_EVENTS_PER_SECOND.toLocaleString('en')} events/s`,
          measured: `${Math.round(rate).toLocaleString('en')} events/s`,
          met: rateMet,
          note: rateMet ? undefined : `${((1 - rate / TARGET_EVENTS_PER_SECOND) * 100).toFixed(0)}% short`,
        },
        {
          name: 'rebuild rate vs the lower-bound loop (same run)',
          target: `>= ${TARGET_LOWER_BOUND_RATIO} x`,
          measured: `${boundRatio.toFixed(2)} x (${Math.round(rate).toLocaleString('en')} vs ${Math.round(bestBound.events / bestBound.seconds).toLocaleString('en')} events/s)`,
          met: boundRatio >= TARGET_LOWER_BOUND_RATIO,
          note:
            boundRatio >= TARGET_LOWER_BOUND_RATIO ? undefined : `${((1 - boundRatio / TARGET_LOWER_BOUND_RATIO) * 100).toFixed(0)}% short`,
        },
        {
          name: 'peak RSS during rebuild',
          target: `<= ${TARGET_PEAK_RSS_MB} MB`,
          measured: `${peak.toFixed(0)} MB`,
          met: peak <= TARGET_PEAK_RSS_MB,
          note: peak <= TARGET_PEAK_RSS_MB ? undefined : `${(peak - TARGET_PEAK_RSS_MB).toFixed(0)} MB over`,
        },
      ],
    };
  },
};

if (require.main === module && process.argv[2] === '--lower-bound') {
  rebuildLowerBound(process.argv[3], path.join(process.argv[3], 'lower-bound.sqlite')).then(
    (m) => {
      process.stdout.write(`${JSON.stringify(m)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

if (require.main === module && process.argv[2] === '--child') {
  rebuildAll(process.argv[3]).then(
    (m) => {
      process.stdout.write(`${JSON.stringify(m)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
