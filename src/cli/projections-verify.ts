import { configOrExplain } from './cli-io';
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ALL_PROJECTIONS } from '../all-projections';
import { type DocumentDifference, type ProjectionReport, verifyProjections } from '../audit/projections-verify';
import { ConfigError } from '../config/config';
import { SystemClock } from '../shared/clock';
import { type LeaseConfig, loadLeaseConfig } from '../shared/lease/lease-config';
import type { ProjectionRunnerLogger } from '../shared/projections/projection-runner';
import { createEventStore, createReadStore } from '../shared/stores';
import { cliLease, type HeldLease } from './cli-lease';
import type { CliOutput } from './replay';

/** The lease a verification holds: its scratch collections are shared by every verification of these stores. */
export const VERIFY_LEASE_NAME = 'relata-verify';

const consoleOutput: CliOutput = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

const USAGE = `Usage: npm run projections:verify [-- [NAME...] [--max N] [--json]]

Rebuilds every projection (or the ones named) from the first event into scratch collections
("verify." + the usual names), compares each document with the live read model at the live
checkpoint (ignoring _position), prints the differences (the first N per collection, default 10),
drops the scratch collections, and exits 1 when any read model differs, 0 otherwise.
Uses the server's stores (EVENTSTORE_URL, MONGODB_URL, RELATA_DATA_DIR); it writes only scratch
collections, so it can run next to a live server. One verification runs at a time: a second one
refuses to start while the first holds the verification lease.`;

const MAX_VALUE_LENGTH = 80;

function shortJson(value: unknown): string {
  const text = value === undefined ? '(absent)' : JSON.stringify(value);
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 3)}...` : text;
}

function describeDifference(difference: DocumentDifference): string[] {
  if (difference.kind === 'missing') return [`    ${difference.id}: missing from the live read model`];
  if (difference.kind === 'unexpected') return [`    ${difference.id}: in the live read model only`];
  return [
    `    ${difference.id}: differs`,
    ...(difference.fields ?? []).map((field) => `      ${field.path}: live ${shortJson(field.live)}, rebuilt ${shortJson(field.rebuilt)}`),
  ];
}

function describe(report: ProjectionReport): string[] {
  const head = `${report.projection} v${report.version}`;
  if (report.status === 'skipped') return [`${head}: skipped, ${report.note}`];
  const where = `generation ${report.generation}, position ${report.position ?? '-'}`;
  const counts = report.collections
    .filter((c) => c.collection !== '_parked' || c.liveDocuments + c.rebuiltDocuments > 0)
    .map((c) => `${c.collection} ${c.liveDocuments}`)
    .join(', ');
  const lines = [`${head} (${where}): ${report.status === 'equal' ? 'matches the log' : 'DIFFERS from the log'} [${counts}]`];
  if (report.note) lines.push(`  note: ${report.note}`);
  for (const collection of report.collections) {
    if (collection.differences === 0) continue;
    lines.push(
      `  ${collection.collection}: ${collection.differences} difference(s), live ${collection.liveDocuments} / rebuilt ${collection.rebuiltDocuments} documents`,
    );
    for (const example of collection.examples) lines.push(...describeDifference(example));
    if (collection.differences > collection.examples.length)
      lines.push(`    ... and ${collection.differences - collection.examples.length} more`);
  }
  return lines;
}

// Long because it is the command's script in order: arguments, configuration, stores, the
// verification, the report (text or JSON), and closing the stores whatever happened.
/** `npm run projections:verify [-- NAME... --max N --json]`; returns the exit code. */
export async function projectionsVerifyMain(
  argv: string[],
  output: CliOutput = consoleOutput,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let names: string[];
  let maxExamples: number;
  let json: boolean;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { max: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      output.out(USAGE);
      return 0;
    }
    if (values.max !== undefined && !/^\d{1,6}$/.test(values.max)) throw new Error('--max must be a whole number');
    maxExamples = values.max === undefined ? 10 : Number(values.max);
    names = positionals;
    const unknown = names.filter((name) => !ALL_PROJECTIONS.some((p) => p.name === name));
    if (unknown.length > 0)
      throw new Error(`Unknown projection(s) ${unknown.join(', ')}. Known: ${ALL_PROJECTIONS.map((p) => p.name).join(', ')}`);
    json = values.json === true;
  } catch (error) {
    output.err(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }

  const config = configOrExplain(env, 'verify', output.err);
  if (config === null) return 1;
  let leaseConfig: LeaseConfig;
  try {
    leaseConfig = loadLeaseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    output.err(error.message);
    return 1;
  }
  for (const [url, file] of [
    [config.eventStoreUrl, 'events.sqlite'],
    [config.mongodbUrl, 'read-store.sqlite'],
  ] as const) {
    const where = path.join(config.dataDir, file);
    if (!url && !fs.existsSync(where)) {
      output.err(`Cannot verify: no store at ${where} (set RELATA_DATA_DIR, or EVENTSTORE_URL and MONGODB_URL)`);
      return 1;
    }
  }
  const eventStore = createEventStore(config);
  const readStore = await createReadStore(config);
  // The scratch runners' progress is noise here; their warnings and errors are not.
  const logger: ProjectionRunnerLogger = { log: () => undefined, warn: (m) => output.err(m), error: (m) => output.err(m) };
  let lease: HeldLease | null = null;
  try {
    if (leaseConfig.enabled) {
      const verifications = cliLease(readStore, new SystemClock(), leaseConfig, VERIFY_LEASE_NAME, 'projections-verify');
      lease = await verifications.tryAcquire(() =>
        output.err('The verification lease was lost: another verification may now clear these scratch collections'),
      );
      if (lease === null) {
        output.err(`Cannot verify: another verification is running (${verifications.holder()}); run one at a time.`);
        return 1;
      }
    }
    const report = await verifyProjections({ eventStore, readStore, projections: ALL_PROJECTIONS, only: names, maxExamples, logger });
    if (json) {
      output.out(JSON.stringify(report, null, 2));
    } else {
      for (const projection of report.projections) for (const line of describe(projection)) output.out(line);
      const differing = report.projections.filter((p) => p.status === 'different').length;
      output.out('');
      output.out(
        differing === 0
          ? 'Every read model verified matches a rebuild from the log.'
          : `${differing} read model(s) differ from a rebuild from the log.`,
      );
    }
    return report.ok ? 0 : 1;
  } catch (error) {
    output.err(`Verification failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await lease?.release().catch(() => undefined);
    await eventStore.close();
    await readStore.close();
  }
}

if (require.main === module) {
  void projectionsVerifyMain(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
