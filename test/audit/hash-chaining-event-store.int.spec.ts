import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditVerifier } from '../../src/audit/audit-verify';
import { type NewEvent, WrongExpectedRevisionError } from '../../src/shared/event-store/event-store.port';
import { HashChainingEventStore } from '../../src/shared/event-store/hash-chaining-event-store';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { ReadRecordingEventStore } from '../support/read-recording-event-store';
import { START } from '../../src/shared/event-store/position';

const directory = mkdtempSync(join(tmpdir(), 'relata-hash-chaining-'));
let files = 0;

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function newEvent(data: unknown = { value: randomUUID() }): NewEvent {
  return {
    id: randomUUID(),
    type: 'Tested',
    data,
    metadata: {
      actor: 'test',
      correlationId: 'corr',
      causationId: 'cause',
      occurredAt: '2026-01-01T00:00:00.000Z',
      recordedAt: '2026-01-01T00:00:00.000Z',
      schemaVersion: 1,
    },
  };
}

describe('HashChainingEventStore', () => {
  let adapter: SqliteEventStore;
  let store: HashChainingEventStore;

  beforeEach(() => {
    adapter = new SqliteEventStore({ filename: join(directory, `events-${(files += 1)}.sqlite`), pollIntervalMs: 20 });
    store = new HashChainingEventStore(adapter);
  });
  afterEach(() => store.close());

  const verify = (stream: string) => new AuditVerifier(adapter).verifyStream(stream);

  it('chains appends with every kind of expectation, in one batch and across batches', async () => {
    await store.appendToStream('s', [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
    await store.appendToStream('s', [newEvent()], { expectedRevision: 1n });
    await store.appendToStream('s', [newEvent()], { expectedRevision: 'any' });
    await store.appendToStream('s', [newEvent(), newEvent()], { expectedRevision: 'stream_exists' });
    await store.appendToStream('s', [newEvent()]);

    const events = await adapter.readStream('s');
    expect(events).toHaveLength(7);
    expect(events[0].metadata.prevHash).toBeNull();
    for (let i = 1; i < events.length; i++) expect(events[i].metadata.prevHash).toBe(events[i - 1].metadata.hash);
    expect(await verify('s')).toMatchObject({ ok: true, checked: 7, head: { revision: 6, hash: events[6].metadata.hash } });
  });

  it('refuses an append after a revision the stream does not have, as the store would, appending nothing', async () => {
    await store.appendToStream('short', [newEvent()], { expectedRevision: 'no_stream' });
    await expect(store.appendToStream('short', [newEvent()], { expectedRevision: 5n })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect(await store.readStream('short')).toHaveLength(1);
  });

  it('reads pass through: the hashes are visible in the metadata', async () => {
    const event = newEvent({ name: 'Zoë' });
    await store.appendToStream('r', [event]);
    const [read] = await store.readStream('r');
    expect(read).toMatchObject({
      id: event.id,
      data: { name: 'Zoë' },
      metadata: { ...event.metadata, prevHash: null, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(
      await store.readAll({
        fromPosition: (await store.readAll({ fromPosition: read.position, direction: 'backwards', limit: 1 }))[0]?.position ?? START,
        limit: 1,
      }),
    ).toEqual([read]);
  });

  it('a retried batch is recognised by the adapter, at the exact revision or with any', async () => {
    const opening = newEvent();
    const batch = [newEvent(), newEvent()];
    await store.appendToStream('idem', [opening], { expectedRevision: 'no_stream' });
    const first = await store.appendToStream('idem', batch, { expectedRevision: 0n });
    await store.appendToStream('idem', [newEvent()], { expectedRevision: 2n });

    expect(await store.appendToStream('idem', batch, { expectedRevision: 0n })).toEqual(first);
    expect(await store.appendToStream('idem', batch, { expectedRevision: 'any' })).toEqual(first);
    expect(await store.readStream('idem')).toHaveLength(4);
    expect((await verify('idem')).ok).toBe(true);
  });

  it('keeps exact-revision semantics: of concurrent appenders one wins and the chain stays intact', async () => {
    await store.appendToStream('race', [newEvent()], { expectedRevision: 'no_stream' });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => store.appendToStream('race', [newEvent()], { expectedRevision: 0n })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(WrongExpectedRevisionError);
    expect((await verify('race')).ok).toBe(true);
  });

  it('concurrent appends with any in one process cannot fork the chain', async () => {
    await Promise.all(Array.from({ length: 8 }, () => store.appendToStream('many', [newEvent(), newEvent()], { expectedRevision: 'any' })));
    expect(await verify('many')).toMatchObject({ ok: true, checked: 16 });
  });

  it('links an exact-revision append to its own previous append without reading the stream', async () => {
    const counting = new ReadRecordingEventStore(adapter);
    const chaining = new HashChainingEventStore(counting);
    await chaining.appendToStream('own', [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
    await chaining.appendToStream('own', [newEvent()], { expectedRevision: 1n });
    await chaining.appendToStream('own', [newEvent()], { expectedRevision: 2n });
    expect(counting.reads.map((read) => read.streamName)).toEqual([]);
    // Another appender moved the stream: the next exact append reads the event it links to.
    await store.appendToStream('own', [newEvent()], { expectedRevision: 3n });
    await chaining.appendToStream('own', [newEvent()], { expectedRevision: 4n });
    expect(counting.reads.map((read) => read.streamName)).toEqual(['own']);
    expect(await verify('own')).toMatchObject({ ok: true, checked: 6 });
  });

  it('after a retry recognised under any, an exact append still links to the stored event', async () => {
    const batch = [newEvent(), newEvent()];
    await store.appendToStream('retry', [newEvent()], { expectedRevision: 'no_stream' });
    await store.appendToStream('retry', batch, { expectedRevision: 'any' });
    await store.appendToStream('retry', batch, { expectedRevision: 'any' });
    await store.appendToStream('retry', [newEvent()], { expectedRevision: 2n });
    expect(await verify('retry')).toMatchObject({ ok: true, checked: 4 });
  });

  it('an appender without the decorator leaves a link the verifier reports', async () => {
    await store.appendToStream('mixed', [newEvent()]);
    await adapter.appendToStream('mixed', [newEvent()]);
    expect((await verify('mixed')).firstBroken).toMatchObject({ revision: 1, problem: 'missing-hash' });
  });
});
