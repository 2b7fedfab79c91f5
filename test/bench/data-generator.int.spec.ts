import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyDataDir, ensureDataSet, Prng } from '../../bench/data-generator';
import { loadConfig } from '../../src/config/config';
import { createEventStore, createReadStore } from '../../src/shared/stores';
import { physicalCollectionName } from '../../src/shared/projections/projection-runner';

const directory = mkdtempSync(join(tmpdir(), 'relata-bench-data-'));

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('Prng', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number) => {
      const rng = new Prng(seed);
      return Array.from({ length: 5 }, () => rng.next());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    for (const value of draw(9)) expect(value >= 0 && value < 1).toBe(true);
  });

  it('makes version 4 uuids', () => {
    expect(new Prng(1).uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('ensureDataSet', () => {
  it('builds a small data set through the deciders and stores, projects it, caches it and copies it', async () => {
    const messages: string[] = [];
    const options = { customers: 40, seed: 3, cacheDir: join(directory, 'cache'), log: (m: string) => messages.push(m) };
    const dataSet = await ensureDataSet(options);

    expect(dataSet.customers).toBe(40);
    expect(dataSet.events).toBeGreaterThan(40);
    expect(dataSet.sample.customerIds.length).toBeGreaterThan(0);
    expect(dataSet.sample.departmentIds.length).toBeGreaterThan(0);

    // The copy holds the log (personal fields decrypt with the copied keys) and the caught-up read models.
    const copy = join(directory, 'copy');
    copyDataDir(dataSet.dataDir, copy);
    const config = loadConfig({ RELATA_DATA_DIR: copy });
    const eventStore = createEventStore(config);
    const readStore = await createReadStore(config);
    try {
      expect(Number(await eventStore.headPosition())).toBe(dataSet.events);
      const customerId = dataSet.sample.customerIds[0];
      const [registered] = await eventStore.readStream(`customer-${customerId}`, { maxCount: 1 });
      expect(registered.type).toBe('CustomerRegistered');
      expect(typeof (registered.data as { name: unknown }).name).toBe('string');
      const profiles = readStore.collection(physicalCollectionName('customer-profile', 'customers', 1));
      expect(await profiles.count()).toBe(40);
    } finally {
      await readStore.close();
      await eventStore.close();
    }

    // The second call reuses the cached set.
    messages.length = 0;
    const again = await ensureDataSet(options);
    expect(again.events).toBe(dataSet.events);
    expect(messages.some((m) => m.startsWith('Using cached data set'))).toBe(true);
  });
});
