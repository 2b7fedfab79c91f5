import { PassThrough, Readable } from 'node:stream';
import {
  END,
  EventStoreDBClient,
  START as ESDB_START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendExpectedRevision,
  type AppendResult as EsdbAppendResult,
  type EventData,
  type Filter,
  type Position as EsdbPosition,
  type ReadPosition,
  type ReadRevision,
} from '@eventstore/db-client';
import { WrongExpectedRevisionError } from '../../src/shared/event-store/event-store.port';
import {
  EventStoreDbEventStore,
  UNKNOWN_ESDB_POSITION,
  eventTypesRegex,
  fromEsdbPosition,
  isSystemEvent,
  normalizeConnectionString,
  toEsdbExpectedRevision,
  toEsdbPosition,
  toRecordedEvent,
  toWrongExpectedRevisionError,
} from '../../src/shared/event-store/eventstoredb-event-store';
import { checkLink } from '../../src/shared/event-store/hash-chain';
import { HashChainingEventStore } from '../../src/shared/event-store/hash-chaining-event-store';
import { eventStoreContract } from '../contracts/event-store.contract';
import { START, positionOf } from '../../src/shared/event-store/position';
import { describeWithEnv } from '../support/skips';

const eventStoreUrl = process.env.EVENTSTORE_URL;
const describeIfEsdb = describeWithEnv('EVENTSTORE_URL', 'no EventStoreDB server to test against');

// The real thing: runs in CI against the EventStoreDB service container.
eventStoreContract(
  'eventstoredb',
  async () => {
    const store = EventStoreDbEventStore.fromConnectionString(eventStoreUrl ?? 'esdb://localhost:2113?tls=false');
    await store.ping();
    return { store, teardown: () => store.close() };
  },
  { describeFn: describeIfEsdb },
);

// The adapter's own logic (paging, position bounds, filtering, subscription stop) against an
// in-memory stand-in for the client that reproduces the server behaviour the adapter relies on.
eventStoreContract('eventstoredb adapter over an in-memory client', async () => {
  const store = new EventStoreDbEventStore(new InMemoryEsdbClient() as unknown as EventStoreDBClient);
  return { store, teardown: () => store.close() };
});

describe('EventStoreDB adapter under the hash chain', () => {
  it('writes the metadata text the chain hashed, and the events verify when read back', async () => {
    const client = new InMemoryEsdbClient();
    const store = new HashChainingEventStore(new EventStoreDbEventStore(client as unknown as EventStoreDBClient));
    const metadata = { actor: 'a', correlationId: 'c', causationId: 'c', occurredAt: 'o', recordedAt: 'r', schemaVersion: 1 };
    const events = ['e-1', 'e-2'].map((id) => ({
      id: `00000000-0000-4000-8000-00000000000${id.at(-1)}`,
      type: 'Noted',
      data: { id },
      metadata,
    }));
    await store.appendToStream('notes-1', events, { expectedRevision: 'no_stream' });

    const [first, second] = await store.readStream('notes-1');
    expect(client.metadataWritten.slice(-2)).toEqual([first, second].map((e) => JSON.stringify(e.metadata)));
    expect(second.metadata).toMatchObject({ chain: 'relata-chain-v2', prevHash: first.metadata.hash });
    expect([checkLink(first, 0n, null), checkLink(second, 1n, first.metadata.hash as string)]).toEqual([null, null]);
    await store.close();
  });
});

describe('EventStoreDB adapter subscription failures', () => {
  it('surfaces a subscription that fails before anyone iterates as a rejected read, not a crash', async () => {
    const client = new InMemoryEsdbClient();
    const store = new EventStoreDbEventStore(client as unknown as EventStoreDBClient);
    const subscription = store.subscribeToAll({ eventTypes: ['NeverAppended'] });

    client.failSubscriptions(new Error('connection lost'));
    // Let the stream emit its 'error' (next tick) while nobody iterates yet.
    await new Promise((resolve) => setImmediate(resolve));

    const iterator = subscription[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toThrow('connection lost');
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
    await store.close();
  });
});

describe('EventStoreDB adapter mapping', () => {
  it('maps every expected revision to the client constant or the same bigint', () => {
    expect(toEsdbExpectedRevision('any')).toBe('any');
    expect(toEsdbExpectedRevision('no_stream')).toBe('no_stream');
    expect(toEsdbExpectedRevision('stream_exists')).toBe('stream_exists');
    expect(toEsdbExpectedRevision(0n)).toBe(0n);
    expect(toEsdbExpectedRevision(41n)).toBe(41n);
  });

  it('exposes the commit position and treats a missing or placeholder position as unknown', () => {
    expect(fromEsdbPosition({ commit: 4242n, prepare: 4242n })).toBe(4242n);
    expect(fromEsdbPosition(undefined)).toBeUndefined();
    expect(fromEsdbPosition({ commit: UNKNOWN_ESDB_POSITION, prepare: UNKNOWN_ESDB_POSITION })).toBeUndefined();
  });

  it('turns a stored position back into the position of that event, and START into the client START', () => {
    expect(toEsdbPosition(START)).toBe(ESDB_START);
    expect(toEsdbPosition(positionOf(0n))).toEqual({ commit: 0n, prepare: 0n });
    const position = 987654321012345678n;
    const esdb = toEsdbPosition(positionOf(position));
    expect(esdb).toEqual({ commit: position, prepare: position });
    expect(fromEsdbPosition(esdb as EsdbPosition)).toBe(position);
  });

  it('rewrites kurrentdb:// (and its +discover form) to the esdb:// scheme the client parses', () => {
    expect(normalizeConnectionString('kurrentdb://localhost:2113?tls=false')).toBe('esdb://localhost:2113?tls=false');
    expect(normalizeConnectionString('KurrentDB+discover://admin:changeit@cluster.local:2113')).toBe(
      'esdb+discover://admin:changeit@cluster.local:2113',
    );
    expect(normalizeConnectionString('kdb://a:2113,b:2113')).toBe('esdb://a:2113,b:2113');
    expect(normalizeConnectionString('esdb://localhost:2113?tls=false')).toBe('esdb://localhost:2113?tls=false');
    expect(normalizeConnectionString('esdb+discover://cluster:2113')).toBe('esdb+discover://cluster:2113');
  });

  it('needs the rewrite: the client rejects kurrentdb:// but builds a client from the rewritten string', async () => {
    expect(() => EventStoreDBClient.connectionString('kurrentdb://localhost:2113?tls=false')).toThrow();
    // Building a store does not connect, so no server is needed.
    const store = EventStoreDbEventStore.fromConnectionString('kurrentdb://localhost:2113?tls=false');
    await store.close();
  });

  it('recognises system streams and system event types', () => {
    expect(isSystemEvent('$stats-127.0.0.1:2113', '$statsCollected')).toBe(true);
    expect(isSystemEvent('$$customer-1', '$metadata')).toBe(true);
    expect(isSystemEvent('$ce-customer', '$>')).toBe(true);
    expect(isSystemEvent('customer-1', '$>')).toBe(true);
    expect(isSystemEvent('customer-1', 'CustomerRegistered')).toBe(false);
  });

  it('builds an exact-match event type regex with special characters escaped', () => {
    const regex = new RegExp(eventTypesRegex(['Customer.Registered', 'Deal(Won)']));
    expect(regex.test('Customer.Registered')).toBe(true);
    expect(regex.test('Deal(Won)')).toBe(true);
    expect(regex.test('CustomerXRegistered')).toBe(false);
    expect(regex.test('Customer.RegisteredV2')).toBe(false);
    expect(regex.test('OldCustomer.Registered')).toBe(false);
  });

  it("turns the client's WrongExpectedVersionError into the port's error, keeping the caller's expectation", () => {
    const onExisting = new WrongExpectedVersionError(undefined, { streamName: 's-1', expected: 3n, current: 7n });
    const onMissing = new WrongExpectedVersionError(undefined, {
      streamName: 's-2',
      expected: 'stream_exists',
      current: 'no_stream',
    });

    const existing = toWrongExpectedRevisionError('s-1', 3n, onExisting);
    const missing = toWrongExpectedRevisionError('s-2', 'stream_exists', onMissing);

    expect(existing).toBeInstanceOf(WrongExpectedRevisionError);
    expect(existing).toMatchObject({ streamName: 's-1', expected: 3n, actual: 7n });
    expect(missing).toMatchObject({ streamName: 's-2', expected: 'stream_exists', actual: 'no_stream' });
  });

  it('maps a recorded event field by field, reading absent metadata as an empty object', () => {
    const created = new Date('2026-01-01T00:00:00.000Z');
    const mapped = toRecordedEvent(
      {
        streamId: 'customer-1',
        id: '00000000-0000-4000-8000-000000000001',
        isJson: true,
        revision: 4n,
        type: 'CustomerRenamed',
        created,
        data: { name: 'Ada' },
        metadata: undefined,
        position: { commit: 120n, prepare: 120n },
      },
      positionOf(120n),
    );

    expect(mapped).toEqual({
      id: '00000000-0000-4000-8000-000000000001',
      type: 'CustomerRenamed',
      data: { name: 'Ada' },
      metadata: {},
      streamName: 'customer-1',
      revision: 4n,
      position: 120n,
    });
  });
});

/** What the stand-in stores per event: the client's RecordedEvent shape for JSON events. */
interface StoredRecord {
  streamId: string;
  id: string;
  isJson: true;
  revision: bigint;
  type: string;
  created: Date;
  data: unknown;
  metadata: unknown;
  position: EsdbPosition;
}

/**
 * An in-memory stand-in for EventStoreDBClient, limited to what the adapter calls and faithful to
 * the server behaviour it depends on:
 * - every event has its own position { commit: p, prepare: p }; positions grow by the record size;
 * - the log also holds system events ($stats-..., $metadata) the adapter must hide;
 * - readAll forwards from a position includes the event at it, backwards returns events before it;
 * - a catch-up subscription starts strictly after its position, filters server-side, and
 *   unsubscribe() cancels without ending the Readable (as the real client does);
 * - reading a missing stream fails with StreamNotFoundError;
 * - an append replaying a batch at the place its expectation points to is idempotent and, like
 *   some servers, then reports no position.
 */
class InMemoryEsdbClient {
  private readonly log: StoredRecord[] = [];
  private nextPosition = 1024n;
  private appends = 0;
  private readonly live = new Set<(record: StoredRecord) => void>();
  private readonly subscriptions = new Set<PassThrough>();
  /** The metadata text of every write, as it went over the wire. */
  readonly metadataWritten: string[] = [];

  constructor() {
    this.write('$stats-127.0.0.1:2113', '$statsCollected', { uptime: 1 });
  }

  async appendToStream(
    streamName: string,
    events: EventData[],
    options: { expectedRevision?: AppendExpectedRevision } = {},
  ): Promise<EsdbAppendResult> {
    const expected = options.expectedRevision ?? 'any';
    const stream = this.log.filter((r) => r.streamId === streamName);
    const current = stream.length === 0 ? -1n : stream[stream.length - 1].revision;

    const replayed = this.replayedBatch(stream, events, expected);
    if (replayed !== undefined) return { success: true, nextExpectedRevision: replayed.revision, position: undefined };

    const holds =
      expected === 'any' ||
      (expected === 'no_stream' && current === -1n) ||
      (expected === 'stream_exists' && current >= 0n) ||
      expected === current;
    if (!holds) {
      throw new WrongExpectedVersionError(undefined, {
        streamName,
        expected,
        current: current < 0n ? 'no_stream' : current,
      });
    }

    let last: StoredRecord | undefined;
    for (const [index, event] of events.entries()) {
      last = this.write(streamName, event.type, event.data, event.metadata, event.id, current + 1n + BigInt(index));
    }
    this.appends += 1;
    // Interleave system records, as the server's stats and metadata writes do.
    if (this.appends % 3 === 0) this.write(`$$${streamName}`, '$metadata', { $maxAge: 1 });
    if (last === undefined) throw new Error('the adapter never appends an empty batch');
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  readStream(streamName: string, options: { direction?: string; fromRevision?: ReadRevision; maxCount?: number | bigint } = {}): Readable {
    const stream = this.log.filter((r) => r.streamId === streamName);
    if (stream.length === 0) return failing(new StreamNotFoundError(undefined, streamName));
    const from = options.fromRevision ?? (options.direction === 'backwards' ? END : ESDB_START);
    const selected =
      options.direction === 'backwards'
        ? stream.filter((r) => typeof from !== 'bigint' || r.revision <= from).reverse()
        : stream.filter((r) => typeof from !== 'bigint' || r.revision >= from);
    return Readable.from(selected.slice(0, Number(options.maxCount ?? Infinity)).map(resolved));
  }

  readAll(options: { direction?: string; fromPosition?: ReadPosition; maxCount?: number | bigint } = {}): Readable {
    const from = options.fromPosition ?? (options.direction === 'backwards' ? END : ESDB_START);
    const selected =
      options.direction === 'backwards'
        ? this.log.filter((r) => typeof from === 'string' || r.position.commit < from.commit).reverse()
        : this.log.filter((r) => typeof from === 'string' || r.position.commit >= from.commit);
    return Readable.from(selected.slice(0, Number(options.maxCount ?? Infinity)).map(resolved));
  }

  subscribeToAll(options: { fromPosition?: ReadPosition; filter?: Filter } = {}): Readable {
    const from = options.fromPosition ?? ESDB_START;
    const filter = options.filter;
    const matches = (record: StoredRecord): boolean =>
      filter === undefined || !('regex' in filter) || new RegExp(filter.regex).test(record.type);
    const output = new PassThrough({ objectMode: true });
    const push = (record: StoredRecord): void => {
      if (matches(record)) output.write(resolved(record));
    };
    for (const record of this.log) {
      if (typeof from === 'string' || record.position.commit > from.commit) push(record);
    }
    this.live.add(push);
    this.subscriptions.add(output);
    return Object.assign(output, {
      unsubscribe: async (): Promise<void> => {
        this.live.delete(push);
      },
    });
  }

  async dispose(): Promise<void> {
    this.live.clear();
  }

  /** What the client's subscription does when the gRPC call fails (server gone, access denied...). */
  failSubscriptions(error: Error): void {
    for (const output of this.subscriptions) output.destroy(error);
  }

  /** The last record of the batch when it is already in the stream where the expectation points. */
  private replayedBatch(stream: StoredRecord[], events: EventData[], expected: AppendExpectedRevision): StoredRecord | undefined {
    let start: number;
    if (expected === 'no_stream') start = 0;
    else if (typeof expected === 'bigint') start = Number(expected) + 1;
    else start = stream.findIndex((r) => r.id === events[0]?.id);
    if (start < 0 || start >= stream.length || stream[start].id !== events[0]?.id) return undefined;
    const stored = stream.slice(start, start + events.length);
    const same = stored.length === events.length && stored.every((r, i) => r.id === events[i].id);
    if (!same) {
      throw new WrongExpectedVersionError(undefined, {
        streamName: stream[0].streamId,
        expected,
        current: stream[stream.length - 1].revision,
      });
    }
    return stored[stored.length - 1];
  }

  private write(
    streamId: string,
    type: string,
    data: unknown,
    metadata: unknown = undefined,
    id = `00000000-0000-4000-8000-${this.nextPosition.toString(16).padStart(12, '0')}`,
    revision: bigint = BigInt(this.log.filter((r) => r.streamId === streamId).length),
  ): StoredRecord {
    const position = this.nextPosition;
    const record: StoredRecord = {
      streamId,
      id,
      isJson: true,
      revision,
      type,
      created: new Date(0),
      // The real client sends JSON text and parses it back.
      data: JSON.parse(JSON.stringify(data)) as unknown,
      metadata: metadata === undefined ? undefined : (JSON.parse(metadataText(metadata)) as unknown),
      position: { commit: position, prepare: position },
    };
    this.log.push(record);
    if (metadata !== undefined) this.metadataWritten.push(metadataText(metadata));
    this.nextPosition += BigInt(64 + JSON.stringify(data).length);
    for (const listener of [...this.live]) listener(record);
    return record;
  }
}

/** What the client sends for metadata: a Uint8Array as it is (parsed as JSON when read), anything else JSON.stringify'd. */
function metadataText(metadata: unknown): string {
  return metadata instanceof Uint8Array ? new TextDecoder().decode(metadata) : JSON.stringify(metadata);
}

function resolved(record: StoredRecord): { event: StoredRecord; commitPosition: bigint } {
  return { event: record, commitPosition: record.position.commit };
}

function failing(error: Error): Readable {
  return new Readable({
    objectMode: true,
    read() {
      this.destroy(error);
    },
  });
}
