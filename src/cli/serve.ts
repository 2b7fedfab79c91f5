import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config';
import { createHttpApp } from '../http-app';
import { projectorThreadOption } from '../projector-thread';
import { loadLeaseConfig } from '../shared/lease/lease-config';
import { loadProcessRole, loadProjectorThread } from '../shared/lease/process-role';
import { prepareDataDir } from '../shared/stores';
import { type CliIo, consoleIo } from './cli-io';

export const SERVE_USAGE = `Usage: relata serve [--port N] [--host ADDRESS] [--data-dir DIR]

Starts the HTTP API (what \`npm start\` runs). Configuration comes from the environment; the options
override PORT, HOST and RELATA_DATA_DIR. Main variables:
  EVENTSTORE_URL / MONGODB_URL   production stores (unset: SQLite files in RELATA_DATA_DIR)
  RELATA_EVENTSTORE_STREAM_PREFIX  share one EventStoreDB: this installation's streams only
  RELATA_ROLE=all|api|worker     all: HTTP + projections/schedulers in a worker thread (default);
                                 api: HTTP only; worker: projections/schedulers (+ /health /ready /metrics)
  RELATA_LEASE=on|off            single active worker across replicas (default on)
  RELATA_LEASE_TTL_MS            lease lifetime (default 15000), renewed every third of it
  RELATA_BOOTSTRAP_ADMIN_KEY     the first admin key; LOG_LEVEL; RELATA_JWT_SECRET ...
Stops gracefully on SIGTERM / Ctrl-C (requests finish, checkpoints are stored, the lease is released).

Examples:
  relata serve --port 8080 --data-dir ./data
  EVENTSTORE_URL=esdb://es:2113?tls=false MONGODB_URL=mongodb://mongo/relata?replicaSet=rs0 relata serve`;

/** `relata serve`: resolves once the server listens (the open server keeps the process alive). */
export async function serveCli(argv: string[], io: CliIo = consoleIo()): Promise<number> {
  let env: Record<string, string | undefined>;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout.write(`${SERVE_USAGE}\n`);
      return 0;
    }
    env = { ...io.env };
    if (values.port !== undefined) env.PORT = values.port;
    if (values.host !== undefined) env.HOST = values.host;
    if (values['data-dir'] !== undefined) env.RELATA_DATA_DIR = values['data-dir'];
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${SERVE_USAGE}\n`);
    return 2;
  }
  try {
    const config = loadConfig(env);
    const lease = loadLeaseConfig(env);
    if (!config.eventStoreUrl || !config.mongodbUrl) prepareDataDir(config.dataDir);
    const role = loadProcessRole(env);
    const projectorThread = role === 'all' && loadProjectorThread(env) ? projectorThreadOption({ config, lease }) : undefined;
    const app = await createHttpApp({ config, lease, role, projectorThread });
    await app.listen(config.port, config.host);
    const stores = `${config.eventStoreUrl ? 'EventStoreDB' : `SQLite in ${config.dataDir}`} + ${config.mongodbUrl ? 'MongoDB' : 'embedded read store'}`;
    io.stdout.write(`Relata listening on http://${config.host}:${config.port} (${stores}; role ${role})\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`Relata cannot start: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
