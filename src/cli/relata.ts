#!/usr/bin/env node
import 'reflect-metadata';
import { IMPORT_KINDS } from '../importers/import-runner';
import { ConfigError, loadConfig } from '../config/config';
import { SystemClock } from '../shared/clock';
import { RelataError } from '../shared/errors/domain-errors';
import { openConfiguredStore, runAuditVerify } from './audit-verify';
import { CAMPAIGNS_USAGE, campaignsCli } from './campaigns';
import { type CliIo, consoleIo, linesOf } from './cli-io';
import { parseClvFitArgs, runClvFit, UsageError as ClvUsageError } from './clv-fit';
import { importCli } from './import';
import { INIT_USAGE, initCli } from './init';
import { KEYS_USAGE, keysCli } from './keys';
import { PROJECTIONS_REBUILD_USAGE, projectionsRebuildCli } from './projections-rebuild';
import { PROJECTIONS_STATUS_USAGE, projectionsStatusCli } from './projections-status';
import { projectionsVerifyMain } from './projections-verify';
import { replayMain } from './replay';
import { SEED_USAGE, seedCli } from './seed';
import { SERVE_USAGE, serveCli } from './serve';

export const RELATA_USAGE = `Usage: relata COMMAND [OPTIONS]

Relata, an event-sourced CRM backend. Every command uses the server's configuration (environment:
EVENTSTORE_URL, MONGODB_URL, RELATA_DATA_DIR, ...), so it works on the stores the server uses.

Commands:
  serve                          start the HTTP API
  init                           create one API key per role, written to a file only you can read
  import KIND FILE               import a data file (${IMPORT_KINDS.join(', ')})
  seed [DATA_DIR]                load the CDNOW and CFPB samples, segment, fit CLV (idempotent)
  projections status             checkpoints, lag, parked events, lease holder
  projections rebuild [NAME]     rebuild read models from the event log
  projections verify [NAME...]   rebuild into scratch collections and compare with the live ones
  replay --stream NAME           a stream's events and state up to a time or revision
  clv fit                        fit the lifetime-value models and record them
  keys create|revoke|list        manage API keys (the new key is printed once)
  audit verify                   check the tamper-evidence hash chains
  campaigns launch ID            launch a campaign (resumable, with a progress bar)

Run "relata COMMAND --help" for a command's options and examples.

Examples:
  relata serve --port 3000
  relata init
  relata seed
  relata keys create --name dashboard --roles analyst
  relata projections status`;

export const IMPORT_USAGE = `Usage: relata import KIND FILE [--limit N] [--concurrency N] [--map "COLUMN=field"]...
       npm run import -- KIND FILE [--limit N] [--concurrency N] [--map "COLUMN=field"]...

Imports a data file through the application's command path (the same validation and events as
the API), with a progress bar on a terminal and a summary at the end, then brings the read models
up to date. Idempotent: a rerun skips what is already imported.
  KIND             ${IMPORT_KINDS.join(', ')}
  --limit N        only the first N records
  --concurrency N  records in flight at once (default 16)
  --map "COLUMN=field"
                   the file's column COLUMN holds the importer's field (repeatable), for a layout
                   nobody foresaw: it wins over the usual column names (cfpb, online-retail;
                   fields and accepted names: docs/analysing-historical-data.md)
Ctrl-C stops after the records under way and prints what was done.

Examples:
  relata import cdnow-master samples/cdnow/CDNOW_master.txt
  relata import cfpb samples/cfpb/complaints_sample.csv --limit 1000
  relata import cfpb old-extract.csv --map "Received=receivedAt" --map "Channel=channel"`;

export const PROJECTIONS_VERIFY_USAGE = `Usage: relata projections verify [NAME...] [--max N] [--json]

Rebuilds every projection (or the ones named) from the first event into scratch collections and
compares each document with the live read model at the live checkpoint; exit code 1 on any
difference. Readers are not affected.
  --max N   examples of differences printed per projection (default 10)
  --json    one JSON report

Examples:
  relata projections verify
  relata projections verify customer-profile --max 3`;

export const PROJECTIONS_USAGE = `Usage: relata projections status|rebuild|verify [OPTIONS]

  status             checkpoints, lag, stored state, parked events, worker-lease holder
  rebuild [NAME]     rebuild one projection (or all) into fresh collections, then switch readers
  verify [NAME...]   rebuild into scratch collections and compare with the live read models

Run "relata projections SUBCOMMAND --help" for details.`;

export const REPLAY_USAGE = `Usage: relata replay --stream NAME [--to TIME|REVISION] [--basis recorded|occurred] [--json]

Prints the events of a stream up to a point and the state its decider folds from them.
  --to TIME       an ISO 8601 date-time with a time zone: the events recorded by then
                  (--basis occurred: the events that had happened by then)
  --to REVISION   a stream revision (0, 1, ...): the events up to it
  (no --to)       every event: the current state
  --json          one JSON document { ...state, events }

Examples:
  relata replay --stream customer-6f1d9c2e-... --to 2026-03-10T14:02:00Z
  relata replay --stream complaint-... --to 3 --json`;

export const CLV_USAGE = `Usage: relata clv fit [--until YYYY-MM-DD] [--holdout-end YYYY-MM-DD] [--unit week|day] [--json] [--dry-run]

Fits the CLV models (BG/NBD and Gamma-Gamma, maximum likelihood) on every purchase up to the
calibration end (inclusive; default today, UTC) and records the result (a ClvModelFitted event):
it becomes the current model of GET /analytics/clv/model. The read models are caught up first.
  --until    last day of the calibration period
  --holdout-end  last day of a holdout period: adds the holdout check (expected vs actual
             repeat transactions in total, per period and per calibration purchases)
  --unit     time unit of the models (default week)
  --json     the result as one JSON object
  --dry-run  fit and print, but append nothing

Examples:
  relata clv fit --until 1997-09-30
  relata clv fit --until 1997-09-30 --holdout-end 1998-06-30 --json
  relata clv fit --dry-run --json`;

export const AUDIT_VERIFY_USAGE = `Usage: relata audit verify [--stream NAME] [--json]

Checks the tamper-evidence hash chain of one stream (--stream) or of every stream; exit code 1 when
a chain is broken. Reads the stored events only; needs no keys.

Examples:
  relata audit verify
  relata audit verify --stream customer-6f1d9c2e-... --json`;

const wantsHelp = (argv: readonly string[]): boolean => argv.includes('--help') || argv.includes('-h');

function help(io: CliIo, text: string): number {
  io.stdout.write(`${text}\n`);
  return 0;
}

function unknown(io: CliIo, what: string, usage: string): number {
  io.stderr.write(`${what}\n\n${usage}\n`);
  return 2;
}

async function clvCli(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h')
    return sub === undefined ? unknown(io, 'Give a subcommand: fit', CLV_USAGE) : help(io, CLV_USAGE);
  if (sub !== 'fit') return unknown(io, `Unknown clv subcommand "${sub}"`, CLV_USAGE);
  if (wantsHelp(rest)) return help(io, CLV_USAGE);
  let args;
  try {
    args = parseClvFitArgs(rest);
  } catch (error) {
    if (error instanceof ClvUsageError) return unknown(io, error.message, CLV_USAGE);
    throw error;
  }
  if (args === 'help') return help(io, CLV_USAGE);
  try {
    await runClvFit(args, loadConfig(io.env), new SystemClock(), (line) => void io.stdout.write(`${line}\n`));
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) io.stderr.write(`Cannot fit: ${error.message}\n`);
    else if (error instanceof RelataError) io.stderr.write(`Cannot fit: ${error.code}: ${error.message}\n`);
    else throw error;
    return 1;
  }
}

async function projectionsCli(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'status':
      return wantsHelp(rest) ? help(io, PROJECTIONS_STATUS_USAGE) : projectionsStatusCli(rest, io);
    case 'rebuild':
      return wantsHelp(rest) ? help(io, PROJECTIONS_REBUILD_USAGE) : projectionsRebuildCli(rest, io);
    case 'verify':
      return wantsHelp(rest) ? help(io, PROJECTIONS_VERIFY_USAGE) : projectionsVerifyMain(rest, linesOf(io), io.env);
    case undefined:
      return unknown(io, 'Give a subcommand: status, rebuild or verify', PROJECTIONS_USAGE);
    case '--help':
    case '-h':
      return help(io, PROJECTIONS_USAGE);
    default:
      return unknown(io, `Unknown projections subcommand "${sub}"`, PROJECTIONS_USAGE);
  }
}

/** The `relata` command: dispatches to a subcommand and resolves to the exit code. */
export async function relata(argv: string[], io: CliIo = consoleIo()): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      return help(io, RELATA_USAGE);
    case 'serve':
      return wantsHelp(rest) ? help(io, SERVE_USAGE) : serveCli(rest, io);
    case 'init':
      return wantsHelp(rest) ? help(io, INIT_USAGE) : initCli(rest, io);
    case 'import':
      return wantsHelp(rest) ? help(io, IMPORT_USAGE) : importCli(rest, io);
    case 'seed':
      return wantsHelp(rest) ? help(io, SEED_USAGE) : seedCli(rest, io);
    case 'projections':
      return projectionsCli(rest, io);
    case 'replay':
      return wantsHelp(rest) ? help(io, REPLAY_USAGE) : replayMain(rest, linesOf(io), io.env);
    case 'clv':
      return clvCli(rest, io);
    case 'keys':
      return wantsHelp(rest) ? help(io, KEYS_USAGE) : keysCli(rest, io);
    case 'campaigns':
      return wantsHelp(rest) ? help(io, CAMPAIGNS_USAGE) : campaignsCli(rest, io);
    case 'audit': {
      const [sub, ...auditArgs] = rest;
      if (sub !== 'verify')
        return sub === '--help' || sub === '-h'
          ? help(io, AUDIT_VERIFY_USAGE)
          : unknown(io, 'Give a subcommand: verify', AUDIT_VERIFY_USAGE);
      if (wantsHelp(auditArgs)) return help(io, AUDIT_VERIFY_USAGE);
      return runAuditVerify(auditArgs, openConfiguredStore, linesOf(io));
    }
    default:
      return unknown(io, `Unknown command "${command}"`, RELATA_USAGE);
  }
}

if (require.main === module) {
  // The daily segmentation reads its switch from the environment: only `serve` runs it.
  if (process.argv[2] !== 'serve') process.env.RELATA_SEGMENTATION_SCHEDULER = 'off';
  // Output piped into `head` and the like: a closed pipe ends the command quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  relata(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
