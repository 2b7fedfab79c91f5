import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config';
import { DiscardingEventStore } from '../../src/shared/event-store/discarding-event-store';
import type { NewEvent } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';

/** The benchmark-only store (RELATA_BENCH_DISCARD_WRITES=1): appends answer as usual and store nothing. */
describe('DiscardingEventStore', () => {
  const directory = mkdtempSync(join(tmpdir(), 'relata-discarding-'));
  let inner: SqliteEventStore;
  let store: DiscardingEventStore;

  beforeEach(async () => {
    inner = new SqliteEventStore({ filename: join(directory, `${randomUUID()}.db`) });
    await inner.appendToStream('existing', [event(), event()]);
    store = new DiscardingEventStore(inner);
  });
  afterEach(() => store.close());
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('stores nothing, answers the revision after the batch and positions after the head', async () => {
    const fresh = await store.appendToStream('new', [event(), event()], { expectedRevision: 'no_stream' });
    const exact = await store.appendToStream('existing', [event()], { expectedRevision: 1n });
    const any = await store.appendToStream('existing', [event()]);

    const head = 2n; // the two events appended in beforeEach; the result names the last event's position
    expect(fresh).toEqual({ nextExpectedRevision: 1n, position: head + 2n });
    expect(exact).toEqual({ nextExpectedRevision: 2n, position: head + 3n });
    expect(any).toEqual({ nextExpectedRevision: 2n, position: head + 4n });
    expect(await inner.headPosition()).toBe(head);
    expect(await store.readStream('new')).toEqual([]);
  });

  it('is selected only by RELATA_BENCH_DISCARD_WRITES=1', () => {
    expect(loadConfig({}).benchDiscardWrites).toBe(false);
    expect(loadConfig({ RELATA_BENCH_DISCARD_WRITES: 'yes' }).benchDiscardWrites).toBe(false);
    expect(loadConfig({ RELATA_BENCH_DISCARD_WRITES: '1' }).benchDiscardWrites).toBe(true);
  });
});

function event(): NewEvent {
  const now = '2026-01-01T00:00:00.000Z';
  return {
    id: randomUUID(),
    type: 'Test',
    data: {},
    metadata: { actor: 't', correlationId: 'c', causationId: 'c', occurredAt: now, recordedAt: now, schemaVersion: 1 },
  };
}
