import {
  ANY as ESDB_ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM as ESDB_NO_STREAM,
  START as ESDB_START,
  STREAM_EXISTS as ESDB_STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type AppendResult as EsdbAppendResult,
  type EventData,
  type Filter,
  type JSONType,
  type Position as EsdbPosition,
  type ReadPosition,
  type ReadRevision,
  type RecordedEvent as EsdbRecordedEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START,
  SubscribeOptions,
  WrongExpectedRevisionError,
} from './event-store.port';
import { positionOf as asPosition, positionValue } from './position';

/*
 * Positions.
 *
 * EventStoreDB addresses a record in its transaction log by { commit, prepare }. The port needs one
 * bigint per event, unique and increasing in global order. We expose the COMMIT position:
 * - $all is ordered by commit position (then prepare), so it is the documented global order.
 * - Every gRPC append writes each event as its own self-committed prepare record (flags
 *   Data | IsCommitted, the batch bracketed by TransactionBegin/TransactionEnd), and the $all reader
 *   reports such a record at TFPos(logPosition, logPosition). So events of one batch do NOT share a
 *   commit position: commit == prepare == the record's own log position, unique per event.
 *   (Events sharing a commit position with distinct prepare positions only come from the legacy TCP
 *   API's explicit transactions, which this adapter never writes.)
 * - An append's result carries the commit position of the batch's last event (the client docs call
 *   it "the logical record position"); when the server reports none (e.g. some idempotent replays)
 *   we read the last event back.
 * Resuming: the stored bigint p becomes { commit: p, prepare: p }, which is exactly the position
 * of the event at p. Reading $all forwards from a position is INCLUSIVE (the event at p comes
 * back), a catch-up subscription's start is EXCLUSIVE; we drop every event at or before p in both
 * cases, so "strictly after" holds whichever way the server behaves. Reading backwards from p
 * yields only events that end before p, i.e. strictly before it.
 * Reads from a single stream carry real positions on servers from 22.6 on; older servers send
 * max uint64 as a placeholder, which we treat as "unknown" (see fromEsdbPosition).
 * Sources: KurrentDB's StorageWriterService (WritePrepares), AllReader and ResolvedEvent
 * (CalculatePosition); EventStore-Client-Dotnet issue 20 (per-event positions of one 4096-event
 * batch); KurrentDB issue 3230 ("the StartFrom of a subscription is exclusive").
 */

/** What EventStoreDB sends as the position of an event whose position it does not know. */
export const UNKNOWN_ESDB_POSITION = 18446744073709551615n;

/** Events per request when the adapter pages through a stream or $all. */
const PAGE_SIZE = 500;
/** readAll's default limit, the same as the embedded store's. */
const DEFAULT_READ_ALL_LIMIT = 1000;
/** ping gives up after this long, so /health answers even when the server hangs. */
const PING_TIMEOUT_MS = 5000;

/** The port's expected revision as the client spells it. */
export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ESDB_ANY;
    case 'no_stream':
      return ESDB_NO_STREAM;
    case 'stream_exists':
      return ESDB_STREAM_EXISTS;
    default:
      return expected;
  }
}

/** The port's single-number position of an ESDB position, or undefined when the server did not know it. */
export function fromEsdbPosition(position: EsdbPosition | undefined): Position | undefined {
  if (position === undefined) return undefined;
  return fromCommitPosition(position.commit);
}

/** A commit position the server reported (undefined when it did not know it). */
function fromCommitPosition(commit: bigint | undefined): Position | undefined {
  if (commit === undefined || commit < 0n || commit >= UNKNOWN_ESDB_POSITION) return undefined;
  return asPosition(commit);
}

/** The ESDB read position of a port position: the event at p sits at { commit: p, prepare: p }. */
export function toEsdbPosition(position: Position): ReadPosition {
  const value = positionValue(position);
  if (value < 0n) return ESDB_START;
  return { commit: value, prepare: value };
}

const KURRENT_SCHEMES = /^\s*(kurrentdb|kurrent|kdb)(\+discover)?:\/\//i;

/**
 * The client (6.x) only parses esdb:// and esdb+discover:// (see its parseConnectionString), while
 * KurrentDB documents kurrentdb:// (and kurrent://, kdb://) with the same syntax: rewrite the scheme.
 */
export function normalizeConnectionString(url: string): string {
  return url.replace(KURRENT_SCHEMES, (_match: string, _scheme: string, discover: string | undefined) =>
    discover ? 'esdb+discover://' : 'esdb://',
  );
}

/** System streams ($-prefixed, incl. $$metadata streams) and system event types ($>, $metadata, $statsCollected...). */
export function isSystemEvent(streamName: string, type: string): boolean {
  return streamName.startsWith('$') || type.startsWith('$');
}

/** An exact-match regex over event types for the server-side subscription filter. */
export function eventTypesRegex(eventTypes: readonly string[]): string {
  const escaped = eventTypes.map((type) => type.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `^(?:${escaped.join('|')})$`;
}

/** The port's error for the client's WrongExpectedVersionError. */
export function toWrongExpectedRevisionError(
  streamName: string,
  expected: ExpectedRevision,
  error: WrongExpectedVersionError,
): WrongExpectedRevisionError {
  // Older servers report a missing stream as revision -1 in the error's metadata.
  const reported = error.actualVersion;
  const actual = typeof reported === 'bigint' && reported >= 0n ? reported : 'no_stream';
  return new WrongExpectedRevisionError(streamName, expected, actual);
}

/** A recorded ESDB event as the port's RecordedEvent, at the given position. */
export function toRecordedEvent(event: EsdbRecordedEvent, position: Position): RecordedEvent {
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: toEventMetadata(event.metadata),
    streamName: event.streamId,
    revision: event.revision,
    position,
  };
}

/**
 * The adapter writes metadata as a JSON object and the client parses it back. Events written by
 * other tools may carry none (or non-JSON bytes): those read as an empty object rather than crash.
 */
function toEventMetadata(metadata: unknown): EventMetadata {
  const isObject = metadata !== null && typeof metadata === 'object';
  if (isObject && !Array.isArray(metadata) && !(metadata instanceof Uint8Array)) {
    return metadata as EventMetadata;
  }
  return {} as EventMetadata;
}

function toEventData(event: NewEvent): EventData {
  if (event.data === undefined) {
    throw new TypeError(`Event ${event.id} (${event.type}) has no data: it must be JSON`);
  }
  return jsonEvent({
    id: event.id,
    type: event.type,
    // The client JSON.stringify()s whatever it is given; JSONType only narrows what it advertises.
    // (The same text as event.stored.data, which the hash chain hashed.)
    data: event.data as JSONType,
    // Bytes are written as they are (the client tells them by constructor: a Uint8Array, not a
    // Buffer) and parsed as JSON when read: the metadata text the hash chain hashed, not serialised again.
    metadata: event.stored === undefined ? event.metadata : new TextEncoder().encode(event.stored.metadata),
  });
}

function positionOf(event: EsdbRecordedEvent): Position {
  const position = fromEsdbPosition(event.position);
  if (position === undefined) {
    throw new Error(
      `EventStoreDB did not report the position of event ${event.id} in ${event.streamId}: ` +
        'a server of version 22.6 or later is required',
    );
  }
  return position;
}

async function collect<T>(read: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of read) items.push(item);
  return items;
}

/**
 * The EventStoreDB (or KurrentDB) adapter of the event store port, over @eventstore/db-client 6.x
 * (gRPC). Needs a server of version 22.6 or later (events read from a stream carry positions).
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly subscriptions = new Set<EsdbAllSubscription>();

  constructor(private readonly client: EventStoreDBClient) {}

  /** esdb://, esdb+discover://, and kurrentdb:// (rewritten), e.g. esdb://localhost:2113?tls=false. */
  static fromConnectionString(url: string): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(normalizeConnectionString(url)));
  }

  async appendToStream(streamName: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    if (events.length === 0) return this.appendNothing(streamName, expected);

    let result: EsdbAppendResult;
    try {
      result = await this.client.appendToStream(streamName, events.map(toEventData), {
        expectedRevision: toEsdbExpectedRevision(expected),
      });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) throw toWrongExpectedRevisionError(streamName, expected, error);
      throw error;
    }
    if (!result.success) {
      // Only when the connection string sets throwOnAppendFailure=false; the result then holds no
      // trustworthy current revision, so look it up for the error.
      const last = await this.lastEventOf(streamName);
      throw new WrongExpectedRevisionError(streamName, expected, last === undefined ? 'no_stream' : last.revision);
    }

    const position = fromEsdbPosition(result.position) ?? (await this.positionAt(streamName, result.nextExpectedRevision));
    return { nextExpectedRevision: result.nextExpectedRevision, position };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const forwards = options.direction !== 'backwards';
    const limit = options.maxCount ?? Number.POSITIVE_INFINITY;
    const { toRevision } = options;
    const out: RecordedEvent[] = [];
    if (limit <= 0) return out;
    const fromRevision = options.fromRevision;
    // Like the embedded store: a negative start reads everything forwards and nothing backwards.
    if (!forwards && fromRevision !== undefined && fromRevision < 0n) return out;

    let from: ReadRevision = fromRevision !== undefined && fromRevision >= 0n ? fromRevision : forwards ? ESDB_START : END;
    for (;;) {
      const pageSize = Math.min(PAGE_SIZE, limit - out.length);
      const page = await this.readStreamPage(streamName, forwards, from, pageSize);
      if (page === undefined) return out;

      let lastRevision: bigint | undefined;
      for (const resolved of page) {
        const event = resolved.event;
        if (event === undefined) continue;
        lastRevision = event.revision;
        if (toRevision !== undefined && (forwards ? event.revision > toRevision : event.revision < toRevision)) {
          return out;
        }
        if (isSystemEvent(event.streamId, event.type)) continue;
        out.push(toRecordedEvent(event, positionOf(event)));
        if (out.length >= limit) return out;
      }

      if (page.length < pageSize || lastRevision === undefined) return out;
      if (!forwards && lastRevision === 0n) return out;
      from = forwards ? lastRevision + 1n : lastRevision - 1n;
    }
  }

  /**
   * Forwards: events strictly after fromPosition (default START). Backwards: the newest events
   * strictly before fromPosition (default: from the end), as the embedded store does.
   * System events are dropped, so the client pages until it has `limit` user events.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.limit ?? DEFAULT_READ_ALL_LIMIT;
    const forwards = options.direction !== 'backwards';
    const out: RecordedEvent[] = [];
    if (limit <= 0) return out;

    let bound: Position | undefined = options.fromPosition;
    if (forwards) bound ??= START;
    else if (bound !== undefined && positionValue(bound) <= 0n) return out;

    let from: ReadPosition = bound === undefined ? END : toEsdbPosition(bound);
    for (;;) {
      // +1: a forward read returns the event at its start position, which we drop.
      const pageSize = Math.min(PAGE_SIZE, limit - out.length + 1);
      const page = await collect(
        this.client.readAll({ fromPosition: from, maxCount: pageSize, direction: forwards ? FORWARDS : BACKWARDS }),
      );

      let last: Position | undefined;
      for (const resolved of page) {
        const event = resolved.event;
        if (event === undefined) continue;
        const position = fromEsdbPosition(event.position) ?? fromCommitPosition(resolved.commitPosition);
        if (position === undefined) continue;
        if (bound !== undefined && (forwards ? position <= bound : position >= bound)) continue;
        last = position;
        bound = position;
        if (isSystemEvent(event.streamId, event.type)) continue;
        out.push(toRecordedEvent(event, position));
        if (out.length >= limit) return out;
      }

      if (page.length < pageSize || last === undefined) return out;
      from = toEsdbPosition(last);
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): AllSubscription {
    const fromPosition = options.fromPosition ?? START;
    const eventTypes = options.eventTypes === undefined ? undefined : new Set(options.eventTypes);
    const filter: Filter =
      options.eventTypes === undefined ? excludeSystemEvents() : eventTypeFilter({ regex: eventTypesRegex(options.eventTypes) });
    const source = this.client.subscribeToAll({ fromPosition: toEsdbPosition(fromPosition), filter });
    const subscription = new EsdbAllSubscription(source, fromPosition, eventTypes, (sub) => this.subscriptions.delete(sub));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<Position> {
    const [last] = await this.readAll({ direction: 'backwards', limit: 1 });
    return last?.position ?? START;
  }

  async ping(): Promise<void> {
    // Reads run without a gRPC deadline, so an unresponsive server is cut off here.
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    const done = collect(read);
    done.catch(() => undefined); // the race below reports the outcome; this only marks it handled
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`EventStoreDB did not answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([done, timeout]);
    } catch (error) {
      read.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }

  /** Appending no events stores nothing: check the expectation and report the stream as it is. */
  private async appendNothing(streamName: string, expected: ExpectedRevision): Promise<AppendResult> {
    const last = await this.lastEventOf(streamName);
    const actual = last === undefined ? 'no_stream' : last.revision;
    const holds =
      expected === 'any' ||
      (expected === 'no_stream' && actual === 'no_stream') ||
      (expected === 'stream_exists' && actual !== 'no_stream') ||
      expected === actual;
    if (!holds) throw new WrongExpectedRevisionError(streamName, expected, actual);
    return last === undefined
      ? { nextExpectedRevision: -1n, position: START }
      : { nextExpectedRevision: last.revision, position: last.position };
  }

  private async lastEventOf(streamName: string): Promise<{ revision: bigint; position: Position } | undefined> {
    const page = await this.readStreamPage(streamName, false, END, 1);
    const event = page?.[0]?.event;
    return event === undefined ? undefined : { revision: event.revision, position: positionOf(event) };
  }

  /** The position of the event at this revision, read back when an append result lacks one. */
  private async positionAt(streamName: string, revision: bigint): Promise<Position> {
    const page = revision < 0n ? undefined : await this.readStreamPage(streamName, false, revision, 1);
    const event = page?.[0]?.event;
    if (event === undefined || event.revision !== revision) {
      throw new Error(`EventStoreDB reported no position for ${streamName}@${revision} and it cannot be read back`);
    }
    return positionOf(event);
  }

  /** One page of a stream; undefined when the stream does not exist. */
  private async readStreamPage(
    streamName: string,
    forwards: boolean,
    fromRevision: ReadRevision,
    maxCount: number,
  ): Promise<ResolvedEvent[] | undefined> {
    try {
      return await collect(this.client.readStream(streamName, { direction: forwards ? FORWARDS : BACKWARDS, fromRevision, maxCount }));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
  }
}

const STOPPED = Symbol('stopped');

/** Why iteration was interrupted: stop(), or the source failing (e.g. the server went away). */
type Interruption = typeof STOPPED | { error: unknown };

/**
 * The client's catch-up subscription (a Readable: catches up, then goes live) as the port's
 * AllSubscription. Cancelling the gRPC call does not end the Readable (the client swallows the
 * cancellation error), so iteration races every read against stop() instead of waiting for 'end'.
 * An error listener is attached at once: a Readable that errors with no listener (e.g. before
 * anyone iterates) would otherwise crash the process; the error surfaces from the next read.
 */
class EsdbAllSubscription implements AllSubscription {
  private stopped = false;
  private readonly interruption: Promise<Interruption>;
  private interrupt: (reason: Interruption) => void = () => undefined;

  constructor(
    private readonly source: AllStreamSubscription,
    private after: Position,
    private readonly eventTypes: ReadonlySet<string> | undefined,
    private readonly forget: (subscription: EsdbAllSubscription) => void,
  ) {
    this.interruption = new Promise((resolve) => {
      this.interrupt = resolve;
    });
    source.on('error', (error: Error) => this.interrupt({ error }));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    const iterator = this.source[Symbol.asyncIterator]();
    try {
      while (!this.stopped) {
        const next = iterator.next();
        const result = await Promise.race([next, this.interruption]);
        if (result === STOPPED || 'error' in result) {
          // The pending read settles (or rejects) once the stream is destroyed; nobody waits for it.
          next.catch(() => undefined);
          if (result === STOPPED) return;
          throw result.error;
        }
        if (result.done === true) return;
        const event = this.accept(result.value);
        if (event !== undefined) yield event;
      }
    } finally {
      await this.stop();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.interrupt(STOPPED);
    this.forget(this);
    try {
      await this.source.unsubscribe();
    } catch {
      // The call never started (e.g. the server was unreachable): nothing to cancel.
    }
    this.source.destroy();
  }

  /** Drops what the port must not deliver: already-seen positions, system events, other types. */
  private accept(resolved: AllStreamResolvedEvent): RecordedEvent | undefined {
    const event = resolved.event;
    if (event === undefined) return undefined;
    const position = fromEsdbPosition(event.position) ?? fromCommitPosition(resolved.commitPosition);
    if (position === undefined || position <= this.after) return undefined;
    this.after = position;
    if (isSystemEvent(event.streamId, event.type)) return undefined;
    if (this.eventTypes !== undefined && !this.eventTypes.has(event.type)) return undefined;
    return toRecordedEvent(event, position);
  }
}
