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
  CommitCounts,
  EventStore,
  ExpectedRevision,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START,
  SubscribeOptions,
} from './event-store.port';
import { GroupCommit, type GroupOutcome, type QueuedAppend } from './group-commit';
import { positionOf } from './position';
import { SqliteAllSubscription } from './sqlite-all-subscription';
import { appendInTransaction } from './sqlite-append';
import { type EventStatements, MAX_INT64, MIN_INT64, prepareEventTable, toLimit, toRecordedEvent } from './sqlite-event-table';

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

/**
 * The embedded event store: one SQLite file (WAL mode) through better-sqlite3. The table and its
 * statements are in sqlite-event-table.ts, one append's check and inserts (and its idempotency,
 * as EventStoreDB's) in sqlite-append.ts, the grouping of appends into transactions in
 * group-commit.ts, subscriptions in sqlite-all-subscription.ts.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: BetterSqlite3.Database;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  /** Wakes live subscriptions of this instance as soon as an append commits. */
  private readonly listeners = new Set<() => void>();
  private readonly subscriptions = new Set<SqliteAllSubscription>();

  private readonly stmt: EventStatements;
  /** One append in its own transaction; inside another transaction it runs in a savepoint. */
  private readonly appendTx: BetterSqlite3.Transaction<
    (streamName: string, events: NewEvent[], expected: ExpectedRevision) => AppendResult
  >;
  /** Several appends in one transaction, each in its own savepoint: one outcome per append. */
  private readonly groupTx: BetterSqlite3.Transaction<(group: readonly QueuedAppend[]) => GroupOutcome[]>;
  private readonly groups: GroupCommit;
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
    this.stmt = prepareEventTable(this.db);
    this.appendTx = this.db.transaction((streamName: string, events: NewEvent[], expected: ExpectedRevision) =>
      appendInTransaction(this.stmt, streamName, events, expected),
    );
    this.groupTx = this.db.transaction((group: readonly QueuedAppend[]) =>
      group.map(({ streamName, events, expected }) => {
        try {
          // A nested better-sqlite3 transaction is a savepoint: a refused append rolls back alone.
          return this.appendTx(streamName, events, expected);
        } catch (error) {
          return { error };
        }
      }),
    );
    this.groups = new GroupCommit((group) => this.commitGroup(group));
    // The first check starts with the store (once its schema exists): damage is known before any read meets it.
    this.integrity?.latest();
  }

  /**
   * Queued for the group commit of this event-loop turn (group-commit.ts). IMMEDIATE takes the
   * write lock before any stream is read, so each expectation check and its inserts are atomic
   * even against other connections or processes.
   */
  appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    return this.groups.append(streamName, events, options?.expectedRevision ?? 'any');
  }

  /** Transactions committed and the appends they held (a metric: how well appends group). */
  commitCounts(): CommitCounts {
    return this.groups.committed();
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
    this.groups.flush();
    await this.integrity?.stop();
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    if (this.db.open) this.db.close();
  }

  private commitGroup(group: readonly QueuedAppend[]): GroupOutcome[] {
    if (!this.db.open) throw new Error('The event store is closed');
    const outcomes =
      group.length === 1
        ? [tryAppend(() => this.appendTx.immediate(group[0].streamName, group[0].events, group[0].expected))]
        : this.groupTx.immediate(group);
    if (group.some((append, i) => append.events.length > 0 && !('error' in outcomes[i]))) this.wakeSubscriptions();
    return outcomes;
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
}

function tryAppend(append: () => AppendResult): AppendResult | { error: unknown } {
  try {
    return append();
  } catch (error) {
    return { error };
  }
}
