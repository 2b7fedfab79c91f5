import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ALL_PROJECTIONS } from '../all-projections';
import { SystemClock } from '../shared/clock';
import { LEASES_COLLECTION, type LeaseDocument } from '../shared/lease/read-store-lease';
import { WORKER_LEASE_NAME } from '../shared/lease/worker-lease';
import { type ProjectionMetaDocument, PROJECTIONS_META_COLLECTION, ProjectionRunner } from '../shared/projections/projection-runner';
import { createEventStore, createReadStore } from '../shared/stores';
import { type CliIo, configOrExplain, consoleIo } from './cli-io';

export const PROJECTIONS_STATUS_USAGE = `Usage: relata projections status [--json]

Prints every projection's checkpoint, lag (events behind the log, up to 10,000 counted), the state
its running process last stored, parked events, and which process holds the worker lease (the one
that runs the projections and schedulers). Reads the stores only; changes nothing.
  --json   one JSON document { projections, lease }

Examples:
  relata projections status
  relata projections status --json | jq '.projections[] | select(.lagEvents > 0)'`;

/** `relata projections status`; resolves to the exit code. */
export async function projectionsStatusCli(argv: string[], io: CliIo = consoleIo()): Promise<number> {
  let json: boolean;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout.write(`${PROJECTIONS_STATUS_USAGE}\n`);
      return 0;
    }
    json = values.json === true;
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${PROJECTIONS_STATUS_USAGE}\n`);
    return 2;
  }
  const config = configOrExplain(io.env, 'read the status', (line) => void io.stderr.write(`${line}\n`));
  if (config === null) return 1;
  const clock = new SystemClock();
  const eventStore = createEventStore(config);
  const readStore = await createReadStore(config);
  try {
    // Not started: status() only reads (the state it reports is this process's, so the stored one is shown).
    const runner = new ProjectionRunner({ eventStore, readStore, clock, projections: ALL_PROJECTIONS });
    const metas = readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
    const projections = [];
    for (const status of await runner.status()) {
      const meta = await metas.get(status.name);
      projections.push({ ...status, state: meta?.state ?? 'never run', updatedAt: meta?.updatedAt ?? null });
    }
    const lease = await readStore.collection<LeaseDocument>(LEASES_COLLECTION).get(WORKER_LEASE_NAME);
    const now = clock.now().toISOString();
    const leaseView =
      lease === null
        ? null
        : {
            holder: lease.owner,
            token: lease.token,
            expiresAt: lease.expiresAt,
            live: lease.expiresAt > now,
            host: lease.host,
            pid: lease.pid,
          };
    if (json) {
      io.stdout.write(`${JSON.stringify({ projections, lease: leaseView })}\n`);
      return 0;
    }
    const width = Math.max(...projections.map((p) => p.name.length), 10);
    io.stdout.write(`${'PROJECTION'.padEnd(width)}  VERSION  GEN  POSITION      LAG  STATE        PARKED\n`);
    for (const p of projections) {
      const lag = p.lagEvents >= 10_000 ? '10000+' : String(p.lagEvents);
      io.stdout.write(
        `${p.name.padEnd(width)}  ${String(p.version).padStart(7)}  ${String(p.generation).padStart(3)}  ${(p.position ?? '-').padStart(8)}  ${lag.padStart(7)}  ${String(p.state).padEnd(11)}  ${p.parked.length}\n`,
      );
    }
    if (leaseView === null) io.stdout.write('\nWorker lease: never taken (no server with the lease has run on these stores)\n');
    else
      io.stdout.write(
        `\nWorker lease: ${leaseView.live ? `held by ${leaseView.holder} until ${leaseView.expiresAt}` : `free (last holder ${leaseView.holder})`}, token ${leaseView.token}\n`,
      );
    return 0;
  } finally {
    await eventStore.close();
    await readStore.close();
  }
}
