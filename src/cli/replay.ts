import { configOrExplain } from './cli-io';
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type AuditEventView, toAuditEventView } from '../audit/audit-event-view';
import { type StatePoint, streamStateAt } from '../audit/stream-state';
import { RelataError } from '../shared/errors/domain-errors';
import { createEventStore } from '../shared/stores';

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const consoleOutput: CliOutput = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

const USAGE = `Usage: npm run replay -- --stream NAME [--to TIME|REVISION] [--basis recorded|occurred] [--json]

Prints the events of a stream up to a point and the state its decider folds from them.
  --to TIME       an ISO 8601 date-time with a time zone (2026-03-10T14:02:00Z): the events
                  recorded by then (--basis occurred: the events that had happened by then)
  --to REVISION   a stream revision (0, 1, ...): the events up to it
  (no --to)       every event: the current state
  --json          one JSON document { ...state, events }
Reads the store the server uses (EVENTSTORE_URL, or RELATA_DATA_DIR/events.sqlite).`;

const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

class UsageError extends Error {}

function pointFrom(to: string | undefined, basis: string | undefined): StatePoint {
  if (basis !== undefined && basis !== 'recorded' && basis !== 'occurred') throw new UsageError('--basis must be recorded or occurred');
  if (to === undefined) {
    if (basis !== undefined) throw new UsageError('--basis applies to --to TIME only');
    return { at: 'latest' };
  }
  if (/^\d{1,18}$/.test(to)) {
    if (basis !== undefined) throw new UsageError('--basis applies to --to TIME only');
    return { at: 'revision', revision: BigInt(to) };
  }
  const asOf = new Date(to);
  if (!DATE_TIME_WITH_ZONE.test(to) || Number.isNaN(asOf.getTime())) {
    throw new UsageError(`--to must be a revision or an ISO 8601 date-time with a time zone (got "${to}")`);
  }
  return { at: 'time', asOf, basis: basis === 'occurred' ? 'occurred' : 'recorded' };
}

function describeEvent(event: AuditEventView, folded: boolean): string[] {
  const m = event.metadata;
  return [
    `  #${event.revision}  position ${event.position}  ${event.type}${folded ? '' : '  (not folded: unknown to the decider)'}`,
    `      recorded ${m.recordedAt}  occurred ${m.occurredAt}  actor ${m.actor}  correlation ${m.correlationId}  causation ${m.causationId}`,
    `      ${JSON.stringify(event.data)}`,
  ];
}

/** `npm run replay -- --stream NAME --to TIME|REVISION [--json]`; returns the exit code. */
export async function replayMain(argv: string[], output: CliOutput = consoleOutput, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let stream: string;
  let point: StatePoint;
  let json: boolean;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        stream: { type: 'string' },
        to: { type: 'string' },
        basis: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      output.out(USAGE);
      return 0;
    }
    if (!values.stream) throw new UsageError('--stream is required');
    stream = values.stream;
    point = pointFrom(values.to, values.basis);
    json = values.json === true;
  } catch (error) {
    output.err(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }

  const config = configOrExplain(env, 'replay', output.err);
  if (config === null) return 1;
  if (!config.eventStoreUrl) {
    // Opening a missing SQLite file would create an empty log and report "no such stream".
    const file = path.join(config.dataDir, 'events.sqlite');
    if (!fs.existsSync(file)) {
      output.err(`Cannot replay: no event store at ${file} (set RELATA_DATA_DIR or EVENTSTORE_URL)`);
      return 1;
    }
  }
  const store = createEventStore(config);
  try {
    const { view, events } = await streamStateAt(store, stream, point);
    const shown = events.map(toAuditEventView);
    if (json) {
      output.out(JSON.stringify({ ...view, events: shown }, null, 2));
      return 0;
    }
    const skipped = new Set(view.skippedEvents.map((e) => e.revision));
    const where =
      point.at === 'time' ? `as of ${view.asOf} (${view.basis} time)` : point.at === 'revision' ? `at revision ${point.revision}` : 'now';
    output.out(
      `${stream} (${view.kind}) ${where}: revision ${view.revision ?? '-'} of ${view.currentRevision}, ${view.eventsFolded} event(s) folded`,
    );
    output.out('');
    output.out(shown.length === 0 ? 'Events: none yet at that point' : 'Events:');
    for (const event of shown) for (const line of describeEvent(event, !skipped.has(event.revision))) output.out(line);
    output.out('');
    output.out('State:');
    output.out(JSON.stringify(view.state, null, 2));
    return 0;
  } catch (error) {
    // Domain refusals (unknown stream, revision, stream kind) are the operator's answer, not a crash.
    output.err(
      error instanceof RelataError
        ? `${error.code}: ${error.message}`
        : `Replay failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  void replayMain(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
