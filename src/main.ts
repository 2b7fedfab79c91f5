import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from './config/config';
import { createHttpApp } from './http-app';
import { installGracefulShutdown } from './operations/graceful-shutdown';
import { projectorThreadOption } from './projector-thread';
import { loadLeaseConfig } from './shared/lease/lease-config';
import { loadProcessRole, loadProjectorThread } from './shared/lease/process-role';
import { prepareDataDir } from './shared/stores';

async function main(): Promise<void> {
  const config = loadConfig();
  // Checked before Nest builds the providers: a failing factory there is logged with its stack.
  if (!config.eventStoreUrl || !config.mongodbUrl) prepareDataDir(config.dataDir);
  const lease = loadLeaseConfig();
  const role = loadProcessRole();
  // `all` runs its worker part in a worker thread: projections never run on the HTTP event loop.
  const projectorThread = role === 'all' && loadProjectorThread() ? projectorThreadOption({ config, lease }) : undefined;
  const app = await createHttpApp({ config, lease, role, projectorThread });
  // Before listen: a signal during start-up also drains and exits 0.
  installGracefulShutdown(app);
  await app.listen(config.port, config.host);
  // PORT=0 lets the OS choose: the port actually bound is the one to announce.
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const stores = `${config.eventStoreUrl ? 'EventStoreDB' : `SQLite in ${config.dataDir}`} + ${config.mongodbUrl ? 'MongoDB' : 'embedded read store'}`;
  const worker = role === 'all' ? (projectorThread ? 'worker thread' : 'this thread') : role;
  new Logger('Relata').log(
    `Relata listening on http://${config.host}:${port} (${stores}; role ${role}, projections: ${role === 'api' ? 'in a worker process' : worker})`,
  );
  reportListening(port);
}

/**
 * Started by a parent over IPC (the tests' child servers run with PORT=0): tells it the port, then
 * lets the channel go so that it never keeps the process alive.
 */
function reportListening(port: number): void {
  if (typeof process.send !== 'function') return;
  process.send({ relataListening: { port } }, () => process.channel?.unref());
}

main().catch((error: unknown) => {
  // One line naming what to fix; no stack for a configuration mistake.
  if (error instanceof ConfigError) console.error(`Relata cannot start: ${error.message}`);
  else console.error('Relata cannot start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
