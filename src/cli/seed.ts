import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type ClvFitOutcome, ClvModelService } from '../analytics/clv-model.service';
import { type SegmentationRunResult, SegmentationService } from '../analytics/segmentation.service';
import { AppModule } from '../app.module';
import type { RelataConfig } from '../config/config';
import { type ImportKind, type ImportResult, runImport } from '../importers/import-runner';
import { type ImportProgress, ProgressBar } from '../importers/progress-bar';
import type { Clock } from '../shared/clock';
import { deterministicUuid, type IdGenerator } from '../shared/ids';
import { EVENT_STORE, type EventStore, START } from '../shared/event-store/event-store.port';
import { ProjectionRunner } from '../shared/projections/projection-runner';
import { type CliIo, configOrExplain, consoleIo } from './cli-io';

/** One file the seed imports. */
export interface SeedFile {
  kind: ImportKind;
  file: string;
  /** Only the first N records (tests). */
  limit?: number;
}

export interface SeedOptions {
  config: RelataConfig;
  files: SeedFile[];
  /** The segmentation run's instant: default the day after the CDNOW data ends. */
  segmentationAsOf?: string;
  /** Last day of the CLV calibration period: default the classic CDNOW split (39 weeks). */
  clvUntil?: string;
  clock?: Clock;
  ids?: IdGenerator;
  io: CliIo;
}

export interface SeedSummary {
  imports: Array<{ file: SeedFile; result: ImportResult }>;
  segmentation: SegmentationRunResult;
  clv: ClvFitOutcome;
  /** Events this run appended (0 on a rerun). */
  eventsAppended: number;
}

export const DEFAULT_SEGMENTATION_AS_OF = '1998-07-01T00:00:00.000Z';
export const DEFAULT_CLV_UNTIL = '1997-09-30';

/** samples/ in the repository (the folder holding package.json). */
export function defaultSharedDataDir(): string {
  // src/cli and dist/cli are both two levels below the repository root.
  return path.resolve(__dirname, '..', '..', 'samples');
}

/** The CDNOW sample and the CFPB sample inside a data folder laid out like samples/. */
export function defaultSeedFiles(dataDir: string): SeedFile[] {
  return [
    { kind: 'cdnow-sample', file: path.join(dataDir, 'cdnow', 'CDNOW_sample.txt') },
    { kind: 'cfpb', file: path.join(dataDir, 'cfpb', 'complaints_sample.csv') },
  ];
}

async function countEvents(eventStore: EventStore): Promise<number> {
  let count = 0;
  let from = START;
  for (;;) {
    const page = await eventStore.readAll({ fromPosition: from, limit: 5000 });
    count += page.length;
    if (page.length < 5000) return count;
    from = page[page.length - 1].position;
  }
}

/**
 * Imports the files, brings the read models up to date, fits the CLV models and runs a
 * segmentation (whose value matrix uses the model). Every step is idempotent: imports skip what is already there, the segmentation run of
 * the same instant replays, and the CLV fit carries a fixed idempotency key.
 */
export async function seed(options: SeedOptions): Promise<SeedSummary> {
  const { io } = options;
  const out = (line: string): void => void io.stdout.write(`${line}\n`);
  const config: RelataConfig = { ...options.config, slaSchedulerEnabled: false, webhookDispatcherEnabled: false };
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    AppModule.register({ config, clock: options.clock, ids: options.ids }),
    { logger: ['error', 'warn'], abortOnError: false },
  );
  try {
    const runner = app.get(ProjectionRunner);
    const eventStore = app.get<EventStore>(EVENT_STORE);
    const before = await countEvents(eventStore);
    // Projecting while importing would take turns with the commands on this thread: once, at the end.
    await runner.stop();
    const imports: SeedSummary['imports'] = [];
    for (const file of options.files) {
      out(`Importing ${file.kind} from ${file.file}${file.limit ? ` (first ${file.limit} records)` : ''}`);
      const bar = ProgressBar.forOutput(io.stdout);
      let latest: ImportProgress | null = null;
      const result = await runImport(app, {
        kind: file.kind,
        file: file.file,
        limit: file.limit,
        onProgress: (progress) => {
          latest = progress;
          bar?.update(progress);
        },
      });
      if (bar && latest !== null) bar.finish(result.progress);
      imports.push({ file, result });
    }
    out('Bringing the read models up to date');
    await runner.catchUp();
    const context = { actor: 'cli:seed', correlationId: randomUUID(), commandId: '' };
    const asOf = options.segmentationAsOf ?? DEFAULT_SEGMENTATION_AS_OF;
    const until = options.clvUntil ?? DEFAULT_CLV_UNTIL;
    // The model first: the value matrix values each customer's potential with its expected future value.
    out(`Fitting the CLV models on purchases up to ${until}`);
    const idempotencyKey = `seed:clv:${until}:week`;
    const clv = await app
      .get(ClvModelService)
      .fit({ until, unit: 'week' }, { ...context, idempotencyKey, commandId: deterministicUuid(`command:${idempotencyKey}`) });
    await runner.catchUp();
    out(`Segmenting customers as of ${asOf}`);
    const segmentation = await app.get(SegmentationService).recompute(new Date(asOf), context);
    await runner.catchUp();
    const eventsAppended = (await countEvents(eventStore)) - before;
    return { imports, segmentation, clv, eventsAppended };
  } finally {
    await app.close();
  }
}

export function formatSeedSummary(summary: SeedSummary): string[] {
  const lines = ['', 'Seed summary'];
  for (const { file, result } of summary.imports) {
    const { progress } = result;
    lines.push(
      `  ${file.kind.padEnd(13)} ${path.basename(file.file)}: ${progress.records} records, ${progress.imported} imported, ${progress.alreadyImported} already there, ${progress.skipped} skipped`,
    );
  }
  const segments = (scheme: 'rfm' | 'value-matrix'): string =>
    Object.entries(summary.segmentation.segments[scheme])
      .sort(([, a], [, b]) => b - a)
      .map(([segment, count]) => `${segment} ${count}`)
      .join(', ') || 'none';
  lines.push(`  segmentation as of ${summary.segmentation.asOf}${summary.segmentation.replayed ? ' (already run)' : ''}`);
  lines.push(`    RFM: ${segments('rfm')}`);
  lines.push(`    value matrix: ${segments('value-matrix')}`);
  const { bgnbd, gammaGamma } = summary.clv.model;
  const n = (value: number): string => value.toPrecision(4);
  lines.push(
    `  CLV model${summary.clv.replayed ? ' (already fitted)' : ''}, calibration to ${summary.clv.model.calibrationEnd}: BG/NBD r=${n(bgnbd.r)} alpha=${n(bgnbd.alpha)} a=${n(bgnbd.a)} b=${n(bgnbd.b)}; Gamma-Gamma p=${n(gammaGamma.p)} q=${n(gammaGamma.q)} gamma=${n(gammaGamma.gamma)}`,
  );
  lines.push(`  events appended by this run: ${summary.eventsAppended}`);
  lines.push(
    '',
    'Try: GET /analytics/segments, GET /analytics/clv/model, GET /complaints with an analyst key, or the dashboard at /dashboard.',
    'Keys per role (the admin key is refused on these routes): npx relata init, then . ./relata-keys.env and send $RELATA_ANALYST_KEY.',
  );
  return lines;
}

export const SEED_USAGE = `Usage: relata seed [DATA_DIR] [--limit N]
       npm run seed [-- DATA_DIR]

Loads sample data so a new installation shows real numbers at once: imports the CDNOW sample
(customers and purchases) and the CFPB sample (complaints), brings the read models up to date,
runs a customer segmentation as of ${DEFAULT_SEGMENTATION_AS_OF} and fits the CLV models on purchases up
to ${DEFAULT_CLV_UNTIL}. Idempotent: a rerun appends nothing new.
  DATA_DIR   a folder holding cdnow/CDNOW_sample.txt and cfpb/complaints_sample.csv
             (default: samples/ in the repository)
  --limit N  only the first N records of each file (a quick look)
Writes to the server's stores (EVENTSTORE_URL, MONGODB_URL, RELATA_DATA_DIR).

Examples:
  npm run seed
  relata seed ./samples --limit 200`;

/** `relata seed [DATA_DIR] [--limit N]`; resolves to the exit code. */
export async function seedCli(argv: string[], io: CliIo = consoleIo()): Promise<number> {
  let dataDir: string;
  let limit: number | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { limit: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      io.stdout.write(`${SEED_USAGE}\n`);
      return 0;
    }
    if (positionals.length > 1) throw new Error(`Unexpected argument ${positionals[1]}`);
    if (values.limit !== undefined && !/^[1-9]\d{0,8}$/.test(values.limit)) throw new Error('--limit needs a whole number of at least 1');
    limit = values.limit === undefined ? undefined : Number(values.limit);
    dataDir = path.resolve(positionals[0] ?? defaultSharedDataDir());
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${SEED_USAGE}\n`);
    return 2;
  }
  const files = defaultSeedFiles(dataDir).map((file) => ({ ...file, limit }));
  const missing = files.filter((file) => !fs.existsSync(file.file));
  if (missing.length > 0) {
    io.stderr.write(`Cannot seed: missing ${missing.map((file) => file.file).join(', ')}\n(give the data folder: relata seed PATH)\n`);
    return 1;
  }
  const config = configOrExplain(io.env, 'seed', (line) => void io.stderr.write(`${line}\n`));
  if (config === null) return 1;
  try {
    const summary = await seed({ config, files, io });
    for (const line of formatSeedSummary(summary)) io.stdout.write(`${line}\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`Seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  // The daily segmentation reads its switch from the environment; the server runs it, not the seed.
  process.env.RELATA_SEGMENTATION_SCHEDULER = 'off';
  seedCli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
