import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditVerifier, describeReport, emptyPrefix, reportOf } from '../../src/audit/audit-verify';
import type { EventStore, NewEvent, ReadAllOptions, RecordedEvent } from '../../src/shared/event-store/event-store.port';
import { ForwardingEventStore } from '../../src/shared/event-store/forwarding-event-store';
import { HashChainingEventStore } from '../../src/shared/event-store/hash-chaining-event-store';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import Database from '../../src/shared/sqlite/better-sqlite3';
import { overwriteMiddlePages } from '../support/sqlite-files';
import { startTestApp, type TestApp } from '../support/test-app';

const directory = fs.mkdtempSync(join(tmpdir(), 'relata-verify-incremental-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));
let files = 0;

function newEvent(data: unknown): NewEvent {
  const at = '2026-03-10T12:00:00.000Z';
  return {
    id: randomUUID(),
    type: 'Noted',
    data,
    metadata: {
      actor: 'user:ana',
      correlationId: randomUUID(),
      causationId: randomUUID(),
      occurredAt: at,
      recordedAt: at,
      schemaVersion: 1,
    },
  };
}

/** Counts the events readAll hands out. */
class CountingStore extends ForwardingEventStore {
  eventsRead = 0;
  constructor(inner: EventStore) {
    super(inner);
  }
  override async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    const events = await super.readAll(options);
    this.eventsRead += events.length;
    return events;
  }
}

async function chainedFile(): Promise<{
  file: string;
  store: SqliteEventStore;
  append: (stream: string, count: number, size?: number) => Promise<void>;
}> {
  const file = join(directory, `events-${(files += 1)}.sqlite`);
  const store = new SqliteEventStore({ filename: file });
  const chained = new HashChainingEventStore(store);
  const append = async (stream: string, count: number, size = 10): Promise<void> => {
    for (let i = 0; i < count; i++) await chained.appendToStream(stream, [newEvent({ note: 'x'.repeat(size), i })]);
  };
  return { file, store, append };
}

describe('incremental audit verification', () => {
  it('reads only the events after the verified prefix, and reports what a full check reports', async () => {
    const { store, append } = await chainedFile();
    try {
      await append('a', 30);
      await append('b', 20);
      const counting = new CountingStore(store);
      const verifier = new AuditVerifier(counting);
      const prefix = emptyPrefix();
      await verifier.extend(prefix);
      expect(counting.eventsRead).toBe(50);

      await append('a', 5);
      await append('c', 2);
      counting.eventsRead = 0;
      await verifier.extend(prefix);
      expect(counting.eventsRead).toBe(7);
      expect(reportOf(prefix)).toEqual(await new AuditVerifier(store).verifyAll());
      expect(reportOf(prefix)).toEqual({ ok: true, checked: 57, streams: 3, brokenStreams: 0 });
    } finally {
      await store.close();
    }
  });

  it('finds a broken link among the new events as a full check does', async () => {
    const { file, store, append } = await chainedFile();
    try {
      await append('a', 3);
      const verifier = new AuditVerifier(store);
      const prefix = emptyPrefix();
      await verifier.extend(prefix);
      await append('a', 2);
      const db = new Database(file);
      try {
        db.prepare("UPDATE events SET data = json_set(data, '$.i', 99) WHERE stream_name = 'a' AND revision = 4").run();
      } finally {
        db.close();
      }
      await verifier.extend(prefix);
      const full = await verifier.verifyAll();
      expect(full).toMatchObject({ ok: false, firstBroken: { stream: 'a', revision: 4, problem: 'content-altered' } });
      expect(reportOf(prefix)).toEqual(full);
    } finally {
      await store.close();
    }
  });

  it('reports a corrupted file with the first page it could not read, instead of failing', async () => {
    const { file, store, append } = await chainedFile();
    await append('a', 400, 500);
    await store.close();
    overwriteMiddlePages(file);
    const reopened = new SqliteEventStore({ filename: file });
    try {
      const report = await new AuditVerifier(reopened).verifyAll();
      expect(report).toMatchObject({
        ok: false,
        corrupted: { afterPosition: expect.stringMatching(/^-?\d+$/), error: expect.stringMatching(/^SQLITE_CORRUPT/) },
      });
      expect(report.checked).toBeLessThan(400);
      expect(describeReport(report)).toMatch(/^CORRUPTED: the event store could not be read after position/);
    } finally {
      await reopened.close();
    }
  });
});

describe('GET /audit/verify, incremental by default', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('resumes after what it verified; ?full=true checks everything again with the same figures', async () => {
    await t.request('POST', '/customers', { name: 'Ana Lima', email: 'ana@example.com' });
    const first = await t.request('GET', '/audit/verify');
    expect(first.json).toMatchObject({ ok: true, checked: await t.eventCount() });
    expect(first.json.resumedAfterPosition).toBeUndefined();
    const headBefore = (await t.eventStore.headPosition()).toString();

    await t.request('POST', '/customers', { name: 'Bruno Reis', email: 'bruno@example.com' });
    const again = await t.request('GET', '/audit/verify');
    expect(again.json).toMatchObject({ ok: true, checked: await t.eventCount(), resumedAfterPosition: headBefore });
    const full = await t.request('GET', '/audit/verify?full=true');
    expect(full.json.resumedAfterPosition).toBeUndefined();
    const { resumedAfterPosition: _resumed, ...incrementalFigures } = again.json;
    expect(full.json).toEqual(incrementalFigures);
    expect((await t.request('GET', '/audit/verify?full=maybe')).status).toBe(400);
  });
});
