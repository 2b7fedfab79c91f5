import { AccessKeyStore } from '../access/access-key-store';
import { ALL_PERSONAL_DATA } from '../all-personal-data';
import type { RelataConfig } from '../config/config';
import { type Clock, SystemClock } from '../shared/clock';
import { createEventStore, createReadStore } from '../shared/stores';

/** Opens the stores for a command that manages API keys (init, keys), runs `use`, and closes them whatever happens. */
export async function withAccessKeyStore<T>(config: RelataConfig, use: (store: AccessKeyStore, clock: Clock) => Promise<T>): Promise<T> {
  const clock = new SystemClock();
  // It appends (AccessKeyCreated/Revoked): the store must know every personal-data spec, as the server's does.
  const eventStore = createEventStore(config, { personalData: ALL_PERSONAL_DATA, clock });
  const readStore = await createReadStore(config);
  try {
    const store = new AccessKeyStore(readStore, eventStore, clock, config);
    await store.ensureIndexes();
    return await use(store, clock);
  } finally {
    await eventStore.close();
    await readStore.close();
  }
}
