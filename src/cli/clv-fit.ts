import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { ALL_PERSONAL_DATA } from '../all-personal-data';
import { ALL_PROJECTIONS } from '../all-projections';
import { type ClvModelData } from '../analytics/clv-model.events';
import { clvModelSummary } from '../analytics/clv-model';
import { type ClvFitOutcome, ClvModelService } from '../analytics/clv-model.service';
import { dayNumber, type TimeUnit } from '../analytics/clv/summary';
import { ConfigError, loadConfig, type RelataConfig } from '../config/config';
import { type Clock, SystemClock } from '../shared/clock';
import { CommandProcessor } from '../shared/decider/command-processor';
import { RelataError } from '../shared/errors/domain-errors';
import { RandomIdGenerator } from '../shared/ids';
import { ProjectionRunner } from '../shared/projections/projection-runner';
import { createEventStore, createReadStore } from '../shared/stores';

const USAGE = `Usage: npm run clv:fit -- [--until YYYY-MM-DD] [--holdout-end YYYY-MM-DD] [--unit week|day] [--currency CODE] [--json] [--dry-run]

Fits the CLV models (BG/NBD and Gamma-Gamma, maximum likelihood) on every purchase up to the
calibration end (inclusive; default today, UTC) and records the result as a ClvModelFitted event
in the stream "clv-model": it becomes the current model of GET /analytics/clv/model.
  --until    last day of the calibration period
  --holdout-end  last day of a holdout period after it: reports expected vs actual repeat
             transactions over the holdout (total, per period, per calibration purchases)
  --unit     time unit of the models (default week)
  --currency ISO 4217 code of the spend fitted (default: the only currency recorded; needed when
             purchases were recorded in several)
  --json     print the result as one JSON object (r, alpha, a, b, p, q, gamma, log-likelihoods, customers)
  --dry-run  fit and print, but append nothing`;

export interface ClvFitArgs {
  until: string | undefined;
  holdoutEnd?: string;
  unit: TimeUnit;
  currency?: string;
  json: boolean;
  dryRun: boolean;
}

export class UsageError extends Error {}

function dateArgument(name: string, text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new UsageError(`${name} must be a date YYYY-MM-DD (got "${text}")`);
  try {
    dayNumber(text);
  } catch {
    throw new UsageError(`${name} is not a calendar date: "${text}"`);
  }
  return text;
}

export function parseClvFitArgs(argv: readonly string[]): ClvFitArgs | 'help' {
  const args: ClvFitArgs = { until: undefined, unit: 'week', json: false, dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--until':
        args.until = dateArgument(name, value());
        break;
      case '--holdout-end':
        args.holdoutEnd = dateArgument(name, value());
        break;
      case '--unit': {
        const unit = value();
        if (unit !== 'week' && unit !== 'day') throw new UsageError(`--unit must be week or day (got "${unit}")`);
        args.unit = unit;
        break;
      }
      case '--currency': {
        const currency = value();
        if (!/^[A-Z]{3}$/.test(currency)) throw new UsageError(`--currency must be an ISO 4217 code such as EUR (got "${currency}")`);
        args.currency = currency;
        break;
      }
      case '--json':
        args.json = true;
        break;
      case '--dry-run':
        args.dryRun = true;
        break;
      case '--help':
      case '-h':
        return 'help';
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  return args;
}

function humanReport(model: ClvModelData, recorded: boolean, position: string | null): string[] {
  const s = clvModelSummary(model);
  const fmt = (v: number): string => v.toPrecision(6);
  return [
    `CLV model ${s.modelId} (calibration end ${s.calibrationEnd}, unit ${s.unit})`,
    `  customers: ${s.customers} (${s.repeatCustomers} repeat buyers)`,
    `  BG/NBD       r=${fmt(s.r)} alpha=${fmt(s.alpha)} a=${fmt(s.a)} b=${fmt(s.b)}  LL=${s.bgnbdLogLikelihood.toFixed(4)}`,
    `  Gamma-Gamma  p=${fmt(s.p)} q=${fmt(s.q)} gamma=${fmt(s.gamma)}  LL=${s.gammaGammaLogLikelihood.toFixed(4)}`,
    ...(s.converged ? [] : ['  warning: the optimiser did not report convergence']),
    ...holdoutLines(model),
    recorded ? `Recorded as ClvModelFitted at position ${position}` : 'Dry run: nothing recorded',
  ];
}

function holdoutLines(model: ClvModelData): string[] {
  const check = model.holdoutCheck;
  if (!check) return [];
  const { actual, expected, percentError } = check.total;
  return [
    `  holdout ${check.calibrationEnd} .. ${check.holdoutEnd} (${check.holdoutLength.toFixed(2)} ${check.unit}s): repeat transactions actual ${actual}, expected ${expected.toFixed(1)}` +
      (percentError === null ? '' : ` (${percentError > 0 ? '+' : ''}${percentError}%)`),
    `  per calibration x: ${check.byCalibrationTransactions.map((row) => `${row.x}${row.orMore ? '+' : ''}: ${row.actual.toFixed(2)}/${row.expected.toFixed(2)}`).join(', ')} (actual/expected mean)`,
  ];
}

/**
 * Catches the projections up on the configured stores, fits, records (unless dry run) and prints
 * the result through `print` (one JSON line with --json). The stores are closed before it returns.
 */
export async function runClvFit(
  args: ClvFitArgs,
  config: RelataConfig,
  clock: Clock,
  print: (line: string) => void,
): Promise<ClvFitOutcome> {
  const ids = new RandomIdGenerator();
  // It appends (ClvModelFitted): the store must know every personal-data spec, as the server's does.
  const eventStore = createEventStore(config, { personalData: ALL_PERSONAL_DATA, clock });
  const readStore = await createReadStore(config);
  const runner = new ProjectionRunner({
    eventStore,
    readStore,
    clock,
    projections: ALL_PROJECTIONS,
    // Progress and rebuild messages go to stderr: stdout is the result (JSON with --json).
    logger: { log: (m) => console.error(m), warn: (m) => console.error(m), error: (m) => console.error(m) },
  });
  try {
    await runner.catchUp();
    const service = new ClvModelService(new CommandProcessor(eventStore, clock, ids), runner, eventStore, clock, ids);
    const until = args.until ?? clock.now().toISOString().slice(0, 10);
    const outcome = await service.fit(
      {
        until,
        unit: args.unit,
        ...(args.holdoutEnd ? { holdoutEnd: args.holdoutEnd } : {}),
        ...(args.currency ? { currency: args.currency } : {}),
      },
      { actor: 'cli:clv-fit', correlationId: randomUUID(), commandId: '' },
      { record: !args.dryRun },
    );
    if (args.json) print(JSON.stringify({ ...clvModelSummary(outcome.model), recorded: !args.dryRun, position: outcome.position }));
    else humanReport(outcome.model, !args.dryRun, outcome.position).forEach((line) => print(line));
    return outcome;
  } finally {
    await runner.stop();
    await eventStore.close();
    await readStore.close();
  }
}

/**
 * `npm run clv:fit -- --until YYYY-MM-DD --unit week --json`: the same stores and configuration as
 * the server (EVENTSTORE_URL, MONGODB_URL, RELATA_DATA_DIR). Catches the projections up first, then
 * fits on the customer-value read model and appends the ClvModelFitted event (unless --dry-run).
 * With the embedded stores, stop the server first or use POST /analytics/clv/fit on the running one.
 */
async function main(): Promise<void> {
  let parsed: ClvFitArgs | 'help';
  try {
    parsed = parseClvFitArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (parsed === 'help') {
    console.log(USAGE);
    return;
  }
  await runClvFit(parsed, loadConfig(), new SystemClock(), (line) => console.log(line));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) console.error(`Cannot fit: ${error.message}`);
    else if (error instanceof RelataError) console.error(`Cannot fit: ${error.code}: ${error.message}`);
    else console.error(error);
    process.exit(1);
  });
}
