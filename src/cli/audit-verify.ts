import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditVerifier, describeReport } from '../audit/audit-verify';
import { ConfigError, loadConfig } from '../config/config';
import type { EventStore } from '../shared/event-store/event-store.port';
import { createEventStoreAdapter } from '../shared/stores';

const USAGE = `Usage: npm run audit:verify [-- --stream NAME] [--json]

Checks the tamper-evidence hash chain of one stream (--stream) or of every stream, with the
server's configuration (EVENTSTORE_URL or RELATA_DATA_DIR). No keys are needed.
Exit status: 0 every chain intact, 1 a chain is broken (the first broken link is printed),
2 the check could not run (usage, configuration, store unreachable).`;

export interface AuditVerifyArgs {
  stream?: string;
  json: boolean;
}

export class UsageError extends Error {}

export function parseAuditVerifyArgs(argv: readonly string[]): AuditVerifyArgs | 'help' {
  const args: AuditVerifyArgs = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--json') args.json = true;
    else if (arg === '--stream') {
      const value = argv[++i];
      if (value === undefined || value === '') throw new UsageError('--stream needs a stream name');
      args.stream = value;
    } else if (arg.startsWith('--stream=')) {
      args.stream = arg.slice('--stream='.length);
      if (args.stream === '') throw new UsageError('--stream needs a stream name');
    } else throw new UsageError(`Unknown argument "${arg}"`);
  }
  return args;
}

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/**
 * Parses the arguments, opens the store (as stored: hashes and ciphertext) only when a check is to
 * run, checks, and returns the exit status. The store is closed afterwards.
 */
export async function runAuditVerify(argv: readonly string[], openStore: () => EventStore, output: CliOutput): Promise<number> {
  let args: AuditVerifyArgs | 'help';
  try {
    args = parseAuditVerifyArgs(argv);
  } catch (error) {
    output.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    output.out(USAGE);
    return 0;
  }
  let store: EventStore;
  try {
    store = openStore();
  } catch (error) {
    output.err(`Cannot verify: ${(error as Error).message}`);
    return 2;
  }
  try {
    const verifier = new AuditVerifier(store);
    const report = args.stream === undefined ? await verifier.verifyAll() : await verifier.verifyStream(args.stream);
    output.out(args.json ? JSON.stringify(report) : describeReport(report, args.stream));
    return report.ok ? 0 : 1;
  } catch (error) {
    output.err(`Cannot verify: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  } finally {
    await store.close();
  }
}

/** The bare adapter of the configured store: verification only reads, and reads the stored form. */
export function openConfiguredStore(): EventStore {
  const config = loadConfig();
  const file = path.join(config.dataDir, 'events.sqlite');
  // Opening a missing file would create an empty log and report it intact.
  if (!config.eventStoreUrl && !fs.existsSync(file))
    throw new ConfigError('RELATA_DATA_DIR', `(${config.dataDir}) holds no event store (events.sqlite)`);
  return createEventStoreAdapter(config);
}

if (require.main === module) {
  runAuditVerify(process.argv.slice(2), openConfiguredStore, { out: (line) => console.log(line), err: (line) => console.error(line) }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
