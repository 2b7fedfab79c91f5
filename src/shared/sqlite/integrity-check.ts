import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What SQLite's quick_check reports beyond this is not needed: the first damage decides. */
const MAX_PROBLEMS = 5;

/**
 * Runs in its own thread: opens the file read-only and runs `PRAGMA quick_check`, which walks
 * every page of every b-tree (no index-to-table cross-checks, which integrity_check would add).
 * A damaged header already fails the open (SQLITE_NOTADB).
 */
const CHECK_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.filename, { readonly: true, fileMustExist: true });
  const rows = db.pragma('quick_check(' + workerData.maxProblems + ')');
  parentPort.postMessage({ problems: rows.map((row) => String(row.quick_check)).filter((message) => message !== 'ok') });
} catch (error) {
  parentPort.postMessage({ code: typeof error.code === 'string' ? error.code : null, message: String(error.message) });
} finally {
  if (db) db.close();
}
`;

/** The outcome of one check: the file is sound, damaged (with SQLite's first findings), or could not be checked. */
export type IntegrityOutcome = { state: 'ok' } | { state: 'damaged'; problems: string[] } | { state: 'unknown'; reason: string };

const DAMAGE_CODE = /^SQLITE_(CORRUPT|NOTADB)/;

/**
 * Checks an SQLite file's structure off the event loop (a worker thread with its own read-only
 * connection): on a large file quick_check reads every page, seconds the server cannot spend
 * blocked. `driver` is the path of the better-sqlite3 build to load (sqlite/better-sqlite3.ts).
 */
export function quickCheckOffThread(filename: string, driver: string, signal?: AbortSignal): Promise<IntegrityOutcome> {
  return new Promise((resolve) => {
    const worker = new Worker(CHECK_SOURCE, { eval: true, workerData: { filename, driver, maxProblems: MAX_PROBLEMS } });
    let settled = false;
    const settle = (outcome: IntegrityOutcome) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      resolve(outcome);
      void worker.terminate();
    };
    const abort = () => settle({ state: 'unknown', reason: 'the check was stopped' });
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (message: { problems?: string[]; code?: string | null; message?: string }) => {
      if (message.problems !== undefined)
        settle(message.problems.length === 0 ? { state: 'ok' } : { state: 'damaged', problems: message.problems });
      else if (message.code && DAMAGE_CODE.test(message.code))
        settle({ state: 'damaged', problems: [`${message.code}: ${message.message ?? ''}`] });
      else settle({ state: 'unknown', reason: `${message.code ?? 'Error'}: ${message.message ?? ''}` });
    });
    worker.once('error', (error) => settle({ state: 'unknown', reason: error.message }));
    worker.once('exit', (code) => settle({ state: 'unknown', reason: `the check stopped (exit ${code})` }));
  });
}

/** The path of the better-sqlite3 build this process loads, for a worker to load the same. */
export function betterSqlite3Path(): string {
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  return createRequire(__filename).resolve(nodeMajor >= 22 ? 'better-sqlite3-node22' : 'better-sqlite3');
}

/**
 * The latest integrity outcome of a file, refreshed at most every `intervalMs` and never by more
 * than one check at a time: /ready asks on every call, and reads what is known (nothing blocks,
 * nothing is checked twice at once).
 */
export class IntegrityWatch {
  private last: { at: number; outcome: IntegrityOutcome } | null = null;
  private running: Promise<IntegrityOutcome> | null = null;
  private readonly stopping = new AbortController();

  constructor(
    private readonly check: (signal: AbortSignal) => Promise<IntegrityOutcome>,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The last finished outcome (null before the first); starts a check when none is running and the last is stale. */
  latest(): IntegrityOutcome | null {
    if (this.running === null && !this.stopping.signal.aborted && (this.last === null || this.now() - this.last.at >= this.intervalMs)) {
      this.running = this.check(this.stopping.signal).then((outcome) => {
        this.last = { at: this.now(), outcome };
        this.running = null;
        return outcome;
      });
    }
    return this.last?.outcome ?? null;
  }

  /** Waits for the check under way, if any (start-up, tests). */
  async settled(): Promise<IntegrityOutcome | null> {
    if (this.running !== null) await this.running;
    return this.last?.outcome ?? null;
  }

  /** Stops a check under way and starts no other. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }
}
