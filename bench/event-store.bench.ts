import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { EventMetadata, NewEvent } from '../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../src/shared/event-store/sqlite-event-store';
import Database from '../src/shared/sqlite/better-sqlite3';
import { type Benchmark, type BenchContext, type BenchReport, table, type TargetCheck } from './bench-kit';
import { type EmmettPeer, loadEmmettPeer } from './write-path-emmett-peer';
import { START } from '../src/shared/event-store/position';

/**
 * The event store alone: Relata's SqliteEventStore vs Emmett's SQLite event store, side by side in
 * one process, one file each, the same workloads, one call at a time (each call awaited before the
 * next: Emmett's store shares one connection between calls and closes it after each, so it does
 * not take concurrent calls).
 *
 * Durability: Emmett opens its connections with SQLite's defaults, WAL and synchronous=FULL (every
 * commit fsynced); it offers no setting for it. Relata runs with synchronous=NORMAL in the app
 * (fsync at checkpoints). Relata is measured both ways; the target compares the same durability.
 */

interface Sizes {
  /** Events of the one-event-per-call workloads. */
  events: number;
  batchSize: number;
  /** Calls of the batch workload. */
  batches: number;
  /** Streams of the many-streams workload. */
  streams: number;
}

/** What every store under test offers the workloads; revisions are Relata's (0-based, last event). */
interface Subject {
  name: string;
  /** Appends to a stream that must not exist yet. */
  appendNew(stream: string, events: number): Promise<void>;
  /** Appends with the stream's expected last revision (-1n: no stream); returns the new last revision. */
  appendExpecting(stream: string, events: number, expectedLast: bigint): Promise<bigint>;
  /** Reads a whole stream; returns how many events it has. */
  readStream(stream: string): Promise<number>;
  /** Reads the whole log in pages of 1,000; returns how many events it has. */
  readAll(): Promise<number>;
  close(): Promise<void>;
}

interface WorkloadResult {
  name: string;
  append: boolean;
  /** events/s per subject name. */
  rates: Map<string, number>;
}

const RELATA_NORMAL = 'Relata (synchronous=NORMAL, the app setting)';
const RELATA_FULL = 'Relata (synchronous=FULL)';
const EMMETT = 'Emmett (synchronous=FULL, SQLite default)';

export const benchmark: Benchmark = {
  name: 'event-store',
  title: 'Event store: Relata SqliteEventStore vs Emmett SQLite (peer)',
  async run(context: BenchContext): Promise<BenchReport> {
    const sizes: Sizes = context.quick
      ? { events: 1_000, batchSize: 100, batches: 20, streams: 100 }
      : { events: 2_000, batchSize: 100, batches: 100, streams: 200 };
    const peer = await loadEmmettPeer(context.log);
    const emmettBusy = { retries: 0 };
    const subjects: Subject[] = [
      relataSubject(RELATA_NORMAL, path.join(context.workDir, 'relata-normal.sqlite'), 'NORMAL'),
      relataSubject(RELATA_FULL, path.join(context.workDir, 'relata-full.sqlite'), 'FULL'),
      emmettSubject(EMMETT, path.join(context.workDir, 'emmett.sqlite'), peer, emmettBusy),
    ];
    const results: WorkloadResult[] = [];
    try {
      for (const workload of workloads(sizes)) {
        const rates = new Map<string, number>();
        for (const subject of subjects) {
          const started = process.hrtime.bigint();
          const events = await workload.run(subject);
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          rates.set(subject.name, events / seconds);
          context.log(
            `event-store: ${workload.name}: ${subject.name}: ${(events / seconds).toFixed(0)} events/s (${events} events in ${seconds.toFixed(2)} s)`,
          );
        }
        results.push({ name: workload.name, append: workload.append, rates });
      }
    } finally {
      for (const subject of subjects) await subject.close();
    }
    return report(results, sizes, subjects, peer, emmettBusy.retries);
  },
};

// ------------------------------------------------------------------------------------ workloads

interface Workload {
  name: string;
  append: boolean;
  /** Returns the number of events written or read. */
  run(subject: Subject): Promise<number>;
}

function workloads(sizes: Sizes): Workload[] {
  return [
    {
      name: 'append one event per call, a new stream each',
      append: true,
      async run(subject) {
        for (let i = 0; i < sizes.events; i++) await subject.appendNew(`single-${i}`, 1);
        return sizes.events;
      },
    },
    {
      name: `append batches of ${sizes.batchSize} events per call`,
      append: true,
      async run(subject) {
        for (let i = 0; i < sizes.batches; i++) await subject.appendNew(`batch-${i}`, sizes.batchSize);
        return sizes.batches * sizes.batchSize;
      },
    },
    {
      name: 'append to one stream, sequential, expected revision',
      append: true,
      async run(subject) {
        let last = -1n;
        for (let i = 0; i < sizes.events; i++) last = await subject.appendExpecting('one-stream', 1, last);
        return sizes.events;
      },
    },
    {
      name: `append to many streams (${sizes.streams} round robin), expected revision`,
      append: true,
      async run(subject) {
        const last = new Array<bigint>(sizes.streams).fill(-1n);
        for (let i = 0; i < sizes.events; i++) {
          const s = i % sizes.streams;
          last[s] = await subject.appendExpecting(`many-${s}`, 1, last[s]);
        }
        return sizes.events;
      },
    },
    {
      name: `read a stream (each of the ${sizes.streams} streams above, whole)`,
      append: false,
      async run(subject) {
        let events = 0;
        for (let s = 0; s < sizes.streams; s++) events += await subject.readStream(`many-${s}`);
        return events;
      },
    },
    {
      name: 'read all (the whole log, pages of 1,000)',
      append: false,
      run: (subject) => subject.readAll(),
    },
  ];
}

// ------------------------------------------------------------------------------------ subjects

/** About 200 bytes of data, as a typical CRM event. */
function payload(i: number): Record<string, unknown> {
  return {
    customerId: `c-${i % 1000}`,
    product: `product-${i % 50}`,
    quantity: 1 + (i % 3),
    amount: 19.9 + (i % 100),
    note: 'Delivered to the front desk, signed by the recipient',
  };
}

function metadata(): EventMetadata {
  const now = new Date().toISOString();
  const id = randomUUID();
  return { actor: 'bench', correlationId: id, causationId: id, occurredAt: now, recordedAt: now, schemaVersion: 1 };
}

function relataSubject(name: string, filename: string, synchronous: 'NORMAL' | 'FULL'): Subject {
  const store = new SqliteEventStore({ filename, synchronous });
  let n = 0;
  const events = (count: number): NewEvent[] =>
    Array.from({ length: count }, () => ({ id: randomUUID(), type: 'PurchaseRecorded', data: payload(n++), metadata: metadata() }));
  return {
    name,
    async appendNew(stream, count) {
      await store.appendToStream(stream, events(count), { expectedRevision: 'no_stream' });
    },
    async appendExpecting(stream, count, expectedLast) {
      const result = await store.appendToStream(stream, events(count), {
        expectedRevision: expectedLast < 0n ? 'no_stream' : expectedLast,
      });
      return result.nextExpectedRevision;
    },
    async readStream(stream) {
      return (await store.readStream(stream)).length;
    },
    async readAll() {
      let total = 0;
      let after = START;
      for (;;) {
        const page = await store.readAll({ fromPosition: after, limit: 1000 });
        total += page.length;
        if (page.length < 1000) return total;
        after = page[page.length - 1].position;
      }
    },
    close: () => store.close(),
  };
}

/**
 * Emmett runs `PRAGMA journal_mode = WAL` without waiting for it on every connection it opens (one
 * per call), and sqlite3 runs statements on a thread pool: now and then the COMMIT then finds that
 * statement still running and fails with SQLITE_BUSY ("cannot commit transaction - SQL statements
 * in progress"); the connection is closed, so the transaction is rolled back. Such calls are
 * retried (the retries count in the measured time) and counted in the report.
 */
async function retryingBusy<T>(counter: { retries: number }, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || attempt >= 10) throw error;
      counter.retries += 1;
    }
  }
}

function emmettSubject(name: string, fileName: string, peer: EmmettPeer, busy: { retries: number }): Subject {
  const store = peer.module.getSQLiteEventStore({ fileName });
  let n = 0;
  const events = (count: number) =>
    Array.from({ length: count }, () => ({ type: 'PurchaseRecorded', data: payload(n++), metadata: metadata() }));
  return {
    name,
    async appendNew(stream, count) {
      // Emmett counts stream versions from 0 = no stream; a stream with k events is at version k.
      const batch = events(count);
      await retryingBusy(busy, () => store.appendToStream(stream, batch, { expectedStreamVersion: 0n }));
    },
    async appendExpecting(stream, count, expectedLast) {
      const batch = events(count);
      const result = await retryingBusy(busy, () => store.appendToStream(stream, batch, { expectedStreamVersion: expectedLast + 1n }));
      return result.nextExpectedStreamVersion - 1n;
    },
    async readStream(stream) {
      return (await retryingBusy(busy, () => store.readStream(stream))).events.length;
    },
    async readAll() {
      // Emmett's store has no read-all: its consumers read the log with readMessagesBatch, used here.
      const connection = peer.module.sqliteConnection({ fileName });
      try {
        let total = 0;
        let after = 0n;
        for (;;) {
          const batch = await peer.module.readMessagesBatch(connection, { after, batchSize: 1000 });
          total += batch.messages.length;
          if (batch.messages.length < 1000) return total;
          after = batch.messages[batch.messages.length - 1].metadata.globalPosition;
        }
      } finally {
        connection.close();
      }
    },
    // Emmett closes its file connection after every call.
    close: async () => undefined,
  };
}

// ------------------------------------------------------------------------------------ report

function report(results: WorkloadResult[], sizes: Sizes, subjects: Subject[], peer: EmmettPeer, emmettBusyRetries: number): BenchReport {
  const probe = new Database(':memory:');
  const relataSqlite = (probe.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  probe.close();
  const rows = results.map((r) => {
    const relata = r.rates.get(RELATA_FULL) ?? 0;
    const emmett = r.rates.get(EMMETT) ?? 0;
    return [r.name, ...subjects.map((s) => (r.rates.get(s.name) ?? 0).toFixed(0)), `${(relata / emmett).toFixed(1)} x`];
  });
  const targets: TargetCheck[] = results
    .filter((r) => r.append)
    .map((r) => {
      const relata = r.rates.get(RELATA_FULL) ?? 0;
      const emmett = r.rates.get(EMMETT) ?? 0;
      const met = relata >= emmett;
      return {
        name: `event store: ${r.name}: events/s vs Emmett (both synchronous=FULL)`,
        target: '>= the Emmett peer',
        measured: `${relata.toFixed(0)} vs ${emmett.toFixed(0)} events/s (${(relata / emmett).toFixed(1)} x)`,
        met,
        note: met ? undefined : `${((1 - relata / emmett) * 100).toFixed(0)} % below Emmett`,
      };
    });
  const body = [
    `Each store in its own SQLite file (WAL), in the benchmark's process, one call at a time (awaited), events of about 200 bytes of JSON data plus metadata. ${sizes.events.toLocaleString('en-US')} events for the one-event workloads, ${sizes.batches} calls of ${sizes.batchSize} for the batches; the read workloads read what the appends wrote.`,
    '',
    `Versions: Relata on better-sqlite3 (SQLite ${relataSqlite}); Emmett @event-driven-io/emmett-sqlite ${peer.versions.emmettSqlite} with @event-driven-io/emmett ${peer.versions.emmett} on sqlite3 ${peer.versions.sqlite3} (SQLite ${peer.versions.sqlite}).`,
    '',
    'Durability: Emmett opens a connection per call with SQLite defaults (WAL, synchronous=FULL: each commit is fsynced) and has no setting for it, so Relata is shown at FULL too (the target compares these two) and at NORMAL, its setting in the app (a commit reaches the disk at the next checkpoint: a power loss can drop the last commits, a process crash cannot).',
    '',
    'Emmett\'s event store has no read-all; "read all" uses readMessagesBatch, the batch reader its consumers use, on a connection of its own.',
    '',
    `Emmett calls retried after a spurious SQLITE_BUSY ("cannot commit transaction - SQL statements in progress": its unawaited \`PRAGMA journal_mode = WAL\` on each new connection still running at COMMIT; rolled back, retried, the time counted): ${emmettBusyRetries}.`,
    '',
    table(['workload (events/s)', ...subjects.map((s) => s.name), 'Relata FULL / Emmett'], rows),
  ].join('\n');
  return { body, targets };
}
