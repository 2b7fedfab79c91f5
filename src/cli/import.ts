import 'reflect-metadata';
import { existsSync, statSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { ConfigError, loadConfig, type RelataConfig } from '../config/config';
import { type ColumnOverride, parseColumnOverride } from '../importers/column-overrides';
import { CsvHeaderNotFoundError } from '../importers/csv-reader';
import { ImportFormatError } from '../importers/import-records';
import {
  DEFAULT_IMPORT_CONCURRENCY,
  formatImportResult,
  IMPORT_KINDS,
  type ImportKind,
  isImportKind,
  runImport,
} from '../importers/import-runner';
import { type ImportProgress, ProgressBar, type ProgressOutput } from '../importers/progress-bar';
import { ProjectionRunner } from '../shared/projections/projection-runner';

/**
 * `npm run import -- KIND FILE [--limit N] [--concurrency N] [--map "COLUMN=field"]...`: imports a data file through the
 * application's command bus (see import-runner.ts), prints a progress bar on a terminal and a
 * summary at the end, then brings the read models up to date before exiting.
 *
 * Uses the server's configuration (EVENTSTORE_URL, MONGODB_URL, RELATA_DATA_DIR), so it imports
 * into the stores the server reads. With the embedded stores the server may keep running: both
 * processes open the same SQLite files, and SQLite serialises writers (each append is one
 * transaction holding the write lock), so their appends interleave safely; projection checkpoints
 * only move forward and each read-model write is position-guarded, so two runners do not apply an
 * event twice. This process runs no SLA scheduler, segmentation or webhook delivery: that is the
 * server's job.
 *
 * Exit code 0 when the file was imported, even with skipped rows (the summary lists them);
 * 1 for a missing file, a file that is not of the KIND, or a failing store; 2 for a usage error.
 */

const USAGE = `Usage: npm run import -- KIND FILE [--limit N] [--concurrency N] [--map "COLUMN=field"]...
  KIND: ${IMPORT_KINDS.join(', ')}
  --map "Date received=receivedAt": the file's column COLUMN holds the importer's field (repeatable; cfpb, online-retail)`;

interface Arguments {
  kind: ImportKind;
  file: string;
  limit?: number;
  concurrency: number;
  columns: ColumnOverride[];
}

class UsageError extends Error {}

function positiveInteger(flag: string, value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} needs a whole number of at least 1`);
  return Number(value);
}

function parseArguments(argv: string[]): Arguments {
  const positional: string[] = [];
  let limit: number | undefined;
  let concurrency = DEFAULT_IMPORT_CONCURRENCY;
  const columns: ColumnOverride[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (flag === '--limit') limit = positiveInteger(flag, inline ?? argv[++i]);
    else if (flag === '--concurrency') concurrency = positiveInteger(flag, inline ?? argv[++i]);
    else if (flag === '--map') {
      const text = inline ?? argv[++i];
      const override = text === undefined ? null : parseColumnOverride(text);
      if (override === null) throw new UsageError(`--map needs "COLUMN=field", e.g. --map "Date received=receivedAt"`);
      columns.push(override);
    } else if (flag === '--help' || flag === '-h') throw new UsageError('');
    else if (arg.startsWith('--')) throw new UsageError(`Unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 2)
    throw new UsageError(positional.length < 2 ? 'Give a KIND and a FILE' : `Unexpected argument ${positional[2]}`);
  const [kind, file] = positional;
  if (!isImportKind(kind)) throw new UsageError(`Unknown kind "${kind}"; the kinds are ${IMPORT_KINDS.join(', ')}`);
  return { kind, file, limit, concurrency, columns };
}

/** Where the command writes; process.stdout / process.stderr when run from the shell. */
export interface ImportCliIo {
  stdout: ProgressOutput;
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

/** The whole command; resolves to the exit code. Exported for the tests. */
export async function importCli(argv: string[], io: ImportCliIo): Promise<number> {
  const out = (line: string): void => void io.stdout.write(`${line}\n`);
  const err = (line: string): void => void io.stderr.write(`${line}\n`);
  let args: Arguments;
  try {
    args = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) err(`Cannot import: ${error.message}`);
    err(USAGE);
    return 2;
  }
  if (!existsSync(args.file) || !statSync(args.file).isFile()) {
    err(`Cannot import: no file ${args.file}`);
    return 1;
  }
  let config: RelataConfig;
  try {
    config = { ...loadConfig(io.env), slaSchedulerEnabled: false, webhookDispatcherEnabled: false };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(`Cannot import: ${error.message}`);
    return 1;
  }

  const app = await NestFactory.createApplicationContext(AppModule.register({ config }), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  const projections = app.get(ProjectionRunner);
  const bar = ProgressBar.forOutput(io.stdout);
  let latest: ImportProgress | null = null;
  const abort = new AbortController();
  // Ctrl-C: stop reading, let the commands in flight finish, print what was done (a second Ctrl-C kills).
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    // Projecting while importing would take turns with the commands on this one thread: the read
    // models are brought up to date once, at the end (a running server's projections follow anyway).
    await projections.stop();
    const result = await runImport(app, {
      kind: args.kind,
      file: args.file,
      limit: args.limit,
      concurrency: args.concurrency,
      columns: args.columns,
      signal: abort.signal,
      onProgress: (reported) => {
        latest = { ...reported, recordLimit: args.limit };
        bar?.update(latest);
      },
    });
    bar?.finish({ ...result.progress, recordLimit: args.limit });
    out(formatImportResult(result));
    const projecting = performance.now();
    await projections.catchUp();
    out(`Read models up to date in ${((performance.now() - projecting) / 1000).toFixed(1)} s`);
    return 0;
  } catch (error) {
    if (bar?.active && latest !== null) bar.finish(latest);
    if (error instanceof ImportFormatError || error instanceof CsvHeaderNotFoundError) {
      err(`Cannot import ${args.file} as ${args.kind}: ${error.message}`);
      return 1;
    }
    err(`Import failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    await app.close();
  }
}

if (require.main === module) {
  // The daily segmentation reads its switch from the environment; the server runs it, not the importer.
  process.env.RELATA_SEGMENTATION_SCHEDULER = 'off';
  importCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`Import failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
