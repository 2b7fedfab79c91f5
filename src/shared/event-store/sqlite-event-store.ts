import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import Database from '../sqlite/better-sqlite3';
import { betterSqlite3Path, IntegrityWatch, type IntegrityOutcome, quickCheckOffThread } from '../sqlite/integrity-check';
import { enableWal } from '../sqlite/wal';
import {
  AllSubscription,
  AppendOptions,
  AppendResult,
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
import { positionOf } from './position';

export interface SqliteEventStoreOptions {
  /** Path of the database file, or ':memory:' (then only this instance sees the events). */
  filename: string;
  /** How often a live subscription looks for events appended by other connections. Default 100 ms. */
  pollIntervalMs?: number;
  /** How many events a subscription reads per query while catching up. Default 500. */
  subscriptionPageSize?: number;
  /** How long a writer waits for another connection's write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * SQLite's synchronous setting. NORMAL (default): in WAL mode a commit is fsynced at the next
   * checkpoint, so a power loss (not a process crash) may lose the last commits. FULL: every
   * commit is fsynced before the append resolves.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * How often the file's structure is checked (SQLite's quick_check, in a worker thread): at
   * start-up, then when /ready asks and the last check is older than this. Default 15 minutes;
   * 0: never.
   */
  integrityCheckIntervalMs?: number;
}

/** See SqliteEventStoreOptions.integrityCheckIntervalMs. */
export const DEFAULT_INTEGRITY_CHECK_INTERVAL_MS = 15 * 60_000;

/** An append waiting for the next group commit. */
interface PendingAppend {
  streamName: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/**
 * The embedded event store: one SQLite file (WAL mode) through better-sqlite3.
 *
 * Schema:
 * - `events`: one row per event. `position INTEGER PRIMARY KEY` is the rowid, so SQLite assigns it
 *   as max(position)+1 inside the inserting transaction. Events are never deleted, so positions
 *   are dense and strictly increasing in commit order (a rolled-back transaction leaves no gap
 *   either: the next writer computes max+1 again). AUTOINCREMENT is not used: it only matters
 *   when rows are deleted, and it costs an extra write to sqlite_sequence per insert.
 * - UNIQUE (stream_name, revision) is the stream index: a stream's current revision and last
 *   position are its last entry there, one B-tree descent (the same cost as a lookup in a separate
 *   streams table, without a fourth page to write on every commit).
 * - (stream_name, event_id, revision) finds an event id within a stream, for idempotent appends.
 *
 * Idempotency follows EventStoreDB: if the first event id of a batch is already in the stream at
 * the place the expectation points to ('no_stream': revision 0; exact revision r: r+1; 'any' and
 * 'stream_exists': wherever it first occurs) and every following id matches the events after it,
 * the original result is returned and nothing is stored. If the first id matches there but the
 * rest of the batch does not (a different or longer batch), the append is rejected with
 * WrongExpectedRevisionError, as EventStoreDB does. A batch whose first id is not in the stream at
 * that place is an ordinary append (checked against the expectation), even if later ids exist.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: BetterSqlite3.Database;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  /** Wakes live subscriptions of this instance as soon as an append commits. */
  private readonly listeners = new Set<() => void>();
  private readonly subscriptions = new Set<SqliteAllSubscription>();

  private readonly stmt: {
    getStream: BetterSqlite3.Statement<[string], StreamRow>;
    firstRevisionOfId: BetterSqlite3.Statement<[string, string], { revision: bigint }>;
    idsInRange: BetterSqlite3.Statement<[string, bigint, bigint], { revision: bigint; event_id: string; position: bigint }>;
    insertEvent: BetterSqlite3.Statement<[string, bigint, string, string, string, string]>;
    readStreamForwards: BetterSqlite3.Statement<[string, bigint, bigint, bigint], EventRow>;
    readStreamBackwards: BetterSqlite3.Statement<[string, bigint, bigint, bigint], EventRow>;
    // Positions are bound as they are: in this store a Position is the row's integer position.
    readAllForwards: BetterSqlite3.Statement<[Position | bigint, bigint], EventRow>;
    readAllBackwards: BetterSqlite3.Statement<[Position | bigint, bigint], EventRow>;
    readWindow: BetterSqlite3.Statement<[Position, Position, bigint], EventRow>;
    readWindowOfTypes: BetterSqlite3.Statement<[Position, Position, string, bigint], EventRow>;
    head: BetterSqlite3.Statement<[], { head: bigint | null }>;
  };

  /** One append in its own transaction; inside another transaction it runs in a savepoint. */
  private readonly appendTx: BetterSqlite3.Transaction<
    (streamName: string, events: NewEvent[], expected: ExpectedRevision) => AppendResult
  >;
  /** Several appends in one transaction, each in its own savepoint: one outcome per append. */
  private readonly groupTx: BetterSqlite3.Transaction<(group: PendingAppend[]) => (AppendResult | { error: unknown })[]>;
  /** Appends that arrived since the last group commit (see appendToStream). */
  private pending: PendingAppend[] = [];
  /**
   * The first sign that the file is damaged (a read's SQLITE_CORRUPT or SQLITE_NOTADB, or the
   * integrity check's first finding): from then on ping() fails, so /ready reports it.
   */
  private corruption: string | null = null;
  /** Finds damage no read has met yet; null for an in-memory store or when switched off. */
  private readonly integrity: IntegrityWatch | null;
  private wakeScheduled = false;

  constructor(options: SqliteEventStoreOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.pageSize = options.subscriptionPageSize ?? 500;
    if (options.filename !== ':memory:' && options.filename !== '') {
      mkdirSync(dirname(options.filename), { recursive: true });
    }
    this.db = new Database(options.filename, { timeout: options.busyTimeoutMs ?? 5000 });
    enableWal(this.db);
    // In WAL mode NORMAL only fsyncs at checkpoints: a power loss may drop the last commits,
    // but the database stays consistent. This is what makes ~10k+ single-event appends/s possible.
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    // Checkpoints are where the fsyncs happen: checkpointing every ~40 MB of WAL instead of every
    // ~4 MB means ten times fewer of them, and pages rewritten often (index leaves) are copied once.
    this.db.pragma('wal_autocheckpoint = 10000');
    // Deleted content is overwritten with zeros. Rows are never deleted here and personal fields
    // arrive encrypted (privacy/encrypting-event-store.ts), so this is defence in depth only.
    this.db.pragma('secure_delete = ON');
    // Positions and revisions are 64-bit: read every integer as bigint so nothing is rounded.
    this.db.defaultSafeIntegers(true);
    const integrityEveryMs = options.integrityCheckIntervalMs ?? DEFAULT_INTEGRITY_CHECK_INTERVAL_MS;
    const onDisk = options.filename !== ':memory:' && options.filename !== '';
    const filename = options.filename;
    this.integrity =
      onDisk && integrityEveryMs > 0
        ? new IntegrityWatch((signal) => quickCheckOffThread(filename, betterSqlite3Path(), signal), integrityEveryMs)
        : null;
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        position    INTEGER PRIMARY KEY,
        stream_name TEXT    NOT NULL,
        revision    INTEGER NOT NULL,
        event_id    TEXT    NOT NULL,
        type        TEXT    NOT NULL,
        data        TEXT    NOT NULL,
        metadata    TEXT    NOT NULL,
        UNIQUE (stream_name, revision)
      );
      CREATE INDEX IF NOT EXISTS events_stream_event_id ON events (stream_name, event_id, revision);
    `);

    const columns = 'position, stream_name, revision, event_id, type, data, metadata';
    // Rows as arrays rather than objects: about a quarter faster on full scans.
    const eventReader = <Params extends unknown[]>(sql: string): BetterSqlite3.Statement<Params, EventRow> =>
      this.db.prepare<Params, EventRow>(sql).raw(true);
    this.stmt = {
      getStream: this.db.prepare('SELECT revision, position FROM events WHERE stream_name = ? ORDER BY revision DESC LIMIT 1'),
      firstRevisionOfId: this.db.prepare('SELECT revision FROM events WHERE stream_name = ? AND event_id = ? ORDER BY revision LIMIT 1'),
      idsInRange: this.db.prepare(
        'SELECT revision, event_id, position FROM events WHERE stream_name = ? AND revision BETWEEN ? AND ? ORDER BY revision',
      ),
      insertEvent: this.db.prepare('INSERT INTO events (stream_name, revision, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)'),
      readStreamForwards: eventReader(
        `SELECT ${columns} FROM events WHERE stream_name = ? AND revision >= ? AND revision <= ? ORDER BY revision LIMIT ?`,
      ),
      readStreamBackwards: eventReader(
        `SELECT ${columns} FROM events WHERE stream_name = ? AND revision <= ? AND revision >= ? ORDER BY revision DESC LIMIT ?`,
      ),
      readAllForwards: eventReader(`SELECT ${columns} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
      readAllBackwards: eventReader(`SELECT ${columns} FROM events WHERE position < ? ORDER BY position DESC LIMIT ?`),
      readWindow: eventReader(`SELECT ${columns} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`),
      readWindowOfTypes: eventReader(
        `SELECT ${columns} FROM events WHERE position > ? AND position <= ?
           AND type IN (SELECT value FROM json_each(?)) ORDER BY position LIMIT ?`,
      ),
      head: this.db.prepare('SELECT max(position) AS head FROM events'),
    };

    const append = (streamName: string, events: NewEvent[], expected: ExpectedRevision): AppendResult =>
      this.appendInTransaction(streamName, events, expected);
    this.appendTx = this.db.transaction(append);
    this.groupTx = this.db.transaction((group: PendingAppend[]) =>
      group.map(({ streamName, events, expected }) => {
        try {
          // A nested better-sqlite3 transaction is a savepoint: a refused append rolls back alone.
          return this.appendTx(streamName, events, expected);
        } catch (error) {
          return { error };
        }
      }),
    );
    // The first check starts with the store (once its schema exists): damage is known before any read meets it.
    this.integrity?.latest();
  }

  /**
   * Group commit: appends made in the same synchronous stretch (e.g. Promise.all over streams, an
   * importer's burst) are committed together in one transaction as soon as that stretch ends (a
   * microtask, no timer), each in its own savepoint with its own expectation check and outcome (a
   * refused one does not fail the others). The promise resolves only after the COMMIT, so a
   * resolved append is as durable as a single commit at this store's synchronous setting; if the
   * COMMIT itself fails, every append of the group fails and none is stored. IMMEDIATE takes the
   * write lock before any stream is read, so each expectation check and its inserts are atomic
   * even against other connections or processes.
   *
   * Not later than the microtask: waiting for the end of the event-loop turn would gather more
   * concurrent HTTP requests, but it lengthens every read-decide-append cycle, and on a contended
   * stream (one counter, appended with expected revisions and retried) the extra conflicts cost
   * far more than the shared commit saves (measured: bench/http-commands.bench.ts).
   */
  appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ streamName, events, expected: options?.expectedRevision ?? 'any', resolve, reject });
      if (this.pending.length === 1) queueMicrotask(() => this.commitPending());
    });
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = toLimit(options.maxCount);
    const rows = this.noticingCorruption(() =>
      options.direction === 'backwards'
        ? this.stmt.readStreamBackwards.all(streamName, options.fromRevision ?? MAX_INT64, options.toRevision ?? MIN_INT64, limit)
        : this.stmt.readStreamForwards.all(streamName, options.fromRevision ?? 0n, options.toRevision ?? MAX_INT64, limit),
    );
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = toLimit(options.limit ?? 1000);
    const rows = this.noticingCorruption(() =>
      options.direction === 'backwards'
        ? this.stmt.readAllBackwards.all(options.fromPosition ?? MAX_INT64, limit)
        : this.stmt.readAllForwards.all(options.fromPosition ?? START, limit),
    );
    return rows.map(toRecordedEvent);
  }

  subscribeToAll(options: SubscribeOptions = {}): AllSubscription {
    const subscription = new SqliteAllSubscription(options.fromPosition ?? START, options.eventTypes, this.pageSize, this.pollIntervalMs, {
      head: () => this.currentHead(),
      readWindow: (after, upTo, limit, typesJson) =>
        this.noticingCorruption(() =>
          typesJson === undefined
            ? this.stmt.readWindow.all(after, upTo, BigInt(limit))
            : this.stmt.readWindowOfTypes.all(after, upTo, typesJson, BigInt(limit)),
        ).map(toRecordedEvent),
      listen: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
      forget: (sub) => this.subscriptions.delete(sub),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<Position> {
    return this.currentHead();
  }

  async ping(): Promise<void> {
    const checked = this.integrity?.latest();
    if (checked?.state === 'damaged') this.corruption ??= checked.problems[0];
    if (this.corruption !== null) throw new Error(`the event store file is damaged (${this.corruption}): restore it from a backup`);
    this.noticingCorruption(() => this.stmt.head.get());
  }

  /** Runs a read; a damaged file is remembered (pages already read may have been fine, the file is not). */
  private noticingCorruption<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code)) this.corruption ??= code;
      throw error;
    }
  }

  /** The outcome of the integrity check under way or last made (null: none made, or switched off). */
  async integrityChecked(): Promise<IntegrityOutcome | null> {
    return (await this.integrity?.settled()) ?? null;
  }

  async close(): Promise<void> {
    this.commitPending();
    await this.integrity?.stop();
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    if (this.db.open) this.db.close();
  }

  private commitPending(): void {
    const group = this.pending;
    if (group.length === 0) return;
    this.pending = [];
    if (!this.db.open) {
      for (const append of group) append.reject(new Error('The event store is closed'));
      return;
    }
    let outcomes: (AppendResult | { error: unknown })[];
    try {
      outcomes =
        group.length === 1
          ? [tryAppend(() => this.appendTx.immediate(group[0].streamName, group[0].events, group[0].expected))]
          : this.groupTx.immediate(group);
    } catch (error) {
      // BEGIN or COMMIT failed (busy, disk full, I/O error): nothing of the group is stored.
      for (const append of group) append.reject(error);
      return;
    }
    group.forEach((append, i) => {
      const outcome = outcomes[i];
      if ('error' in outcome) append.reject(outcome.error);
      else append.resolve(outcome);
    });
    if (group.some((append, i) => append.events.length > 0 && !('error' in outcomes[i]))) this.wakeSubscriptions();
  }

  /**
   * Live subscriptions (the projections) are woken once per event-loop turn, not once per commit:
   * under load they then read every event committed during the turn in one window and apply it
   * as one batch, instead of one read and one read-model transaction per commit and projection.
   */
  private wakeSubscriptions(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      for (const listener of [...this.listeners]) listener();
    });
  }

  private currentHead(): Position {
    const head = this.stmt.head.get()?.head;
    return head == null ? START : positionOf(head);
  }

  private appendInTransaction(streamName: string, events: NewEvent[], expected: ExpectedRevision): AppendResult {
    const stream = this.stmt.getStream.get(streamName);

    if (stream !== undefined && events.length > 0) {
      const replayed = this.findReplayedBatch(streamName, events, expected, stream);
      if (replayed !== undefined) return replayed;
    }

    const actual = stream === undefined ? 'no_stream' : stream.revision;
    if (!expectationHolds(expected, actual)) {
      throw new WrongExpectedRevisionError(streamName, expected, actual);
    }
    if (events.length === 0) {
      return stream === undefined
        ? { nextExpectedRevision: -1n, position: START }
        : { nextExpectedRevision: stream.revision, position: positionOf(stream.position) };
    }

    let revision = stream === undefined ? -1n : stream.revision;
    let position = START;
    for (const event of events) {
      revision += 1n;
      const data = event.stored?.data ?? JSON.stringify(event.data ?? null);
      const metadata = event.stored?.metadata ?? JSON.stringify(event.metadata);
      const info = this.stmt.insertEvent.run(streamName, revision, event.id, event.type, data, metadata);
      position = positionOf(BigInt(info.lastInsertRowid));
    }
    return { nextExpectedRevision: revision, position };
  }

  /**
   * The original result when this batch was already appended where the expectation points to;
   * undefined when the batch is new there. Throws on a partial replay (see the class comment).
   */
  private findReplayedBatch(
    streamName: string,
    events: NewEvent[],
    expected: ExpectedRevision,
    stream: StreamRow,
  ): AppendResult | undefined {
    let start: bigint | undefined;
    if (expected === 'no_stream') {
      start = 0n;
    } else if (typeof expected === 'bigint') {
      // At the current revision nothing follows, so the batch cannot have been written there.
      start = expected < stream.revision ? expected + 1n : undefined;
    } else {
      start = this.stmt.firstRevisionOfId.get(streamName, events[0].id)?.revision;
    }
    if (start === undefined || start < 0n) return undefined;

    const stored = this.stmt.idsInRange.all(streamName, start, start + BigInt(events.length) - 1n);
    if (stored.length === 0 || stored[0].event_id !== events[0].id) return undefined;
    const sameBatch = stored.length === events.length && stored.every((row, i) => row.event_id === events[i].id);
    if (!sameBatch) throw new WrongExpectedRevisionError(streamName, expected, stream.revision);
    const last = stored[stored.length - 1];
    return { nextExpectedRevision: last.revision, position: positionOf(last.position) };
  }
}

/** What a subscription needs from its store; kept narrow so the subscription holds no SQL. */
interface SubscriptionSource {
  head(): Position;
  /** Events with after < position <= upTo (of the given types when typesJson is set), ascending. */
  readWindow(after: Position, upTo: Position, limit: number, typesJson: string | undefined): RecordedEvent[];
  /** Registers a callback run after every append through this store; returns the unregistering function. */
  listen(listener: () => void): () => void;
  forget(subscription: SqliteAllSubscription): void;
}

/**
 * Catch-up then live subscription over the events table.
 *
 * Why reading by position never skips an event: SQLite serialises writers. An append holds the
 * database write lock from BEGIN IMMEDIATE to COMMIT, and its positions are assigned inside that
 * lock as max(position)+1, so a transaction that gets higher positions starts only after every
 * transaction with lower positions has committed (or rolled back, freeing its positions). A
 * reader's snapshot (WAL) contains a committed transaction entirely or not at all, and snapshots
 * only move forward. Hence once the subscription sees the head at position h, every position
 * <= h is committed and visible to its later reads: it can read (last, h] and advance to h
 * without ever missing a lower position that commits later. It never reads a position twice
 * because every read starts strictly after the last position it covered.
 *
 * Reads are bounded by the head seen just before: with an event type filter the subscription can
 * then advance past non-matching events without re-scanning them on every wake-up.
 */
class SqliteAllSubscription implements AllSubscription, AsyncIterator<RecordedEvent> {
  private covered: Position;
  private readonly typesJson: string | undefined;
  private buffer: RecordedEvent[] = [];
  private bufferIndex = 0;
  private stopped = false;
  /** Ends the current wait early (append, poll, stop). */
  private wake: (() => void) | undefined;
  /** next() calls run one after another even if a caller does not await each one. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    fromPosition: Position,
    eventTypes: string[] | undefined,
    private readonly pageSize: number,
    private readonly pollIntervalMs: number,
    private readonly source: SubscriptionSource,
  ) {
    this.covered = fromPosition;
    this.typesJson = eventTypes === undefined ? undefined : JSON.stringify(eventTypes);
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    const result = this.queue.then(() => this.nextInOrder());
    this.queue = result.catch(() => undefined);
    return result;
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.stop();
    return { done: true, value: undefined };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.buffer = [];
    this.wake?.();
    this.source.forget(this);
  }

  private async nextInOrder(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.stopped) return { done: true, value: undefined };
      if (this.bufferIndex < this.buffer.length) {
        const value = this.buffer[this.bufferIndex];
        this.bufferIndex += 1;
        return { done: false, value };
      }
      if (!this.fillBuffer()) await this.waitForAppend();
    }
  }

  /** Reads the next page; false when the subscription has covered the whole log. */
  private fillBuffer(): boolean {
    const head = this.source.head();
    if (head <= this.covered) return false;
    const page = this.source.readWindow(this.covered, head, this.pageSize, this.typesJson);
    this.buffer = page;
    this.bufferIndex = 0;
    // A short page means everything up to head was read (filtered events included).
    this.covered = page.length === this.pageSize ? page[page.length - 1].position : head;
    return true;
  }

  /** Resolves on the next append through this store, after the poll interval, or on stop(). */
  private waitForAppend(): Promise<void> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unlisten();
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      const unlisten = this.source.listen(done);
      this.wake = done;
    });
  }
}

interface StreamRow {
  revision: bigint;
  position: bigint;
}

/** A row of the events table in the column order of the reading statements. */
type EventRow = [position: bigint, streamName: string, revision: bigint, eventId: string, type: string, data: string, metadata: string];

const MAX_INT64 = 9223372036854775807n;
const MIN_INT64 = -9223372036854775808n;

function toRecordedEvent([position, streamName, revision, id, type, data, metadata]: EventRow): RecordedEvent {
  return {
    id,
    type,
    data: JSON.parse(data) as unknown,
    metadata: JSON.parse(metadata) as RecordedEvent['metadata'],
    streamName,
    revision,
    position: positionOf(position),
  };
}

/** SQLite reads LIMIT -1 as "no limit". */
function toLimit(count: number | undefined): bigint {
  if (count === undefined || !Number.isFinite(count)) return -1n;
  return BigInt(Math.max(0, Math.floor(count)));
}

function tryAppend(append: () => AppendResult): AppendResult | { error: unknown } {
  try {
    return append();
  } catch (error) {
    return { error };
  }
}

function expectationHolds(expected: ExpectedRevision, actual: bigint | 'no_stream'): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === 'no_stream';
    case 'stream_exists':
      return actual !== 'no_stream';
    default:
      return actual === expected;
  }
}
