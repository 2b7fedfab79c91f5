import 'reflect-metadata';
import { ALL_PROJECTIONS } from '../all-projections';
import { ConfigError, loadConfig } from '../config/config';
import { SystemClock } from '../shared/clock';
import { ProjectionRunner } from '../shared/projections/projection-runner';
import { createEventStore, createReadStore } from '../shared/stores';

/**
 * `npm run projections:rebuild [-- NAME]`: rebuilds one projection (or all) from the first event
 * into fresh collections and switches readers over, then exits. Uses the same configuration as
 * the server (EVENTSTORE_URL, MONGODB_URL, RELATA_DATA_DIR). With the embedded stores, stop the
 * server first or use POST /projections/NAME/rebuild on the running one.
 */
async function main(): Promise<void> {
  const name = process.argv[2];
  if (name && !ALL_PROJECTIONS.some((p) => p.name === name)) {
    console.error(`Unknown projection "${name}". Known: ${ALL_PROJECTIONS.map((p) => p.name).join(', ')}`);
    process.exit(2);
  }
  const config = loadConfig();
  const clock = new SystemClock();
  const eventStore = createEventStore(config);
  const readStore = await createReadStore(config);
  const runner = new ProjectionRunner({ eventStore, readStore, clock, projections: ALL_PROJECTIONS });
  const started = Date.now();
  try {
    await runner.start();
    await runner.rebuild(name);
    for (const status of await runner.status()) {
      if (!name || status.name === name) console.log(`${status.name}: v${status.version} generation ${status.generation} at position ${status.position ?? '-'}`);
    }
    console.log(`Rebuilt ${name ?? 'all projections'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await runner.stop();
    await eventStore.close();
    await readStore.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `Cannot rebuild: ${error.message}` : error);
  process.exit(1);
});
