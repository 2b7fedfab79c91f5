import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/config';
import { createHttpApp } from './http-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createHttpApp({ config });
  await app.listen(config.port, config.host);
  const stores = `${config.eventStoreUrl ? 'EventStoreDB' : `SQLite in ${config.dataDir}`} + ${config.mongodbUrl ? 'MongoDB' : 'embedded read store'}`;
  console.log(`Relata listening on http://${config.host}:${config.port} (${stores})`);
}

main().catch((error: unknown) => {
  // One line naming what to fix; no stack for a configuration mistake.
  if (error instanceof ConfigError) console.error(`Relata cannot start: ${error.message}`);
  else console.error('Relata cannot start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
