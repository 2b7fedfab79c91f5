import { Worker } from 'node:worker_threads';
import type { LeaseCoordinator, LeaseStatus } from '../lease/lease-coordinator';
import type { ProjectionStatus } from './projection';
import type { ProjectionRunner } from './projection-runner';
import type { Projector, ProjectorHealth, ProjectorLogger } from './projector';

/** What the main thread asks the projector thread. */
export type ToProjectorThread =
  | { type: 'call'; id: number; method: 'status' }
  | { type: 'call'; id: number; method: 'rebuild'; name: string }
  | { type: 'call'; id: number; method: 'eraseSubject'; subjectId: string }
  | { type: 'stop' };

/** What the projector thread tells the main thread. */
export type FromProjectorThread =
  | { type: 'started'; threadId: number }
  | { type: 'lease'; status: LeaseStatus }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

export interface ProjectorThreadOptions {
  /** The script the thread runs (the composition root's, which knows every feature). */
  entry: string;
  /** Handed to the thread as workerData (structured-cloned: plain data only). */
  workerData: unknown;
  /** This (HTTP) thread's runner and passive lease: they follow what the thread commits. */
  runner: ProjectionRunner;
  lease: LeaseCoordinator;
  /** What this thread does when the projector thread is not running (the runner of this thread, not started). */
  local: Projector;
  logger: ProjectorLogger;
  /** First pause before restarting a crashed thread; doubled per crash in a row, at most 30 s. Default 1000 ms. */
  restartDelayMs?: number;
  /** How long start() waits for the thread to run before HTTP may listen anyway. Default 15 s. */
  startWaitMs?: number;
  /** How long stop() waits for the thread to drain and release the lease before terminating it. Default 20 s. */
  stopTimeoutMs?: number;
  /** How long a question to the thread may take before the local answer is used. Default 3 s. */
  callTimeoutMs?: number;
}

const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The worker part of `all` in a worker thread (node:worker_threads): projections, SLA scheduler,
 * segmentation and webhooks run on the thread's own event loop, with their own store connections,
 * under the worker lease as in any other process. HTTP stays on the main thread, whose runner only
 * follows the stored checkpoints (read-your-writes waits on them, as across processes).
 *
 * start() waits a bounded time for the thread (see there). A thread that exits unasked (a crash) is reported (health().alive false, /ready 503) and started
 * again after a pause that doubles per crash in a row (1 s up to 30 s); it takes the lease back at
 * once, its own instance id being the holder's.
 */
export class ProjectorThread implements Projector {
  private worker: Worker | undefined;
  private alive = false;
  private starting = false;
  private threadId: number | null = null;
  private restarts = 0;
  private crashesInARow = 0;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastLease: LeaseStatus | undefined;
  private lastExit = '';
  private nextCallId = 1;
  private readonly calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(private readonly options: ProjectorThreadOptions) {}

  /**
   * Starts the thread and waits until it runs (it has taken the lease, or found it held elsewhere),
   * as a single-threaded process starts its runner before it listens, but at most startWaitMs: a
   * thread slow to start must not keep HTTP from listening. /ready answers 503 (worker down, then
   * projections behind) until the thread runs and has caught up. A thread that cannot start is
   * retried like one that crashed.
   */
  async start(): Promise<void> {
    // The HTTP thread follows generations and checkpoints the thread commits.
    await this.options.lease.start();
    this.starting = true;
    const spawned = this.spawn().then(
      () => {
        this.starting = false;
      },
      (error: Error) => {
        this.starting = false;
        this.lastExit = error.message;
        if (!this.stopping) this.scheduleRestart();
      },
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([spawned, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.startWaitMs ?? 15_000)))]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (worker !== undefined) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'stop' } satisfies ToProjectorThread);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.options.stopTimeoutMs ?? 20_000))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        this.options.logger.warn('projector thread did not stop in time: terminating it (the lease expires on its own)');
        await worker.terminate();
      }
    }
    await this.options.lease.stop();
    await this.options.runner.stop();
  }

  health(): ProjectorHealth {
    const active = this.lastLease?.active === true;
    return {
      role: 'all',
      placement: 'thread',
      alive: this.alive,
      threadId: this.alive && active ? this.threadId : null,
      restarts: this.restarts,
      detail: this.alive
        ? active
          ? 'projections run in the projector thread'
          : 'projector thread waits for the worker lease'
        : this.starting
          ? 'projector thread starting'
          : `projector thread not running${this.lastExit ? ` (${this.lastExit})` : ''}`,
    };
  }

  async status(): Promise<ProjectionStatus[]> {
    if (this.alive) {
      try {
        return (await this.call({ type: 'call', id: 0, method: 'status' })) as ProjectionStatus[];
      } catch {
        // The thread went away meanwhile: the stored checkpoints still tell the lag.
      }
    }
    return this.options.runner.status();
  }

  leaseStatus(): LeaseStatus {
    return this.alive && this.lastLease !== undefined ? this.lastLease : this.options.lease.status();
  }

  async rebuild(name: string): Promise<'started' | 'not-active'> {
    if (!this.alive) return 'not-active';
    return (await this.call({ type: 'call', id: 0, method: 'rebuild', name })) as 'started' | 'not-active';
  }

  async eraseSubject(subjectId: string): Promise<void> {
    if (!this.alive) {
      await this.options.local.eraseSubject(subjectId);
      return;
    }
    // No answer timeout: a rebuild on erasure takes as long as it takes, as on a single thread.
    await this.call({ type: 'call', id: 0, method: 'eraseSubject', subjectId }, null);
  }

  private spawn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let started = false;
      const worker = new Worker(this.options.entry, { workerData: this.options.workerData });
      this.worker = worker;
      worker.on('message', (message: FromProjectorThread) => {
        if (message.type === 'started') {
          started = true;
          this.alive = true;
          this.threadId = message.threadId;
          this.crashesInARow = 0;
          resolve();
        } else if (message.type === 'lease') {
          this.lastLease = message.status;
        } else if (message.type === 'reply') {
          const call = this.calls.get(message.id);
          this.calls.delete(message.id);
          if (message.ok) call?.resolve(message.value);
          else call?.reject(new Error(message.error));
        }
      });
      worker.on('error', (error) => {
        this.lastExit = error.message;
        this.options.logger.error(`projector thread failed: ${error.message}`);
      });
      worker.on('exit', (code) => {
        this.alive = false;
        this.threadId = null;
        this.lastLease = undefined;
        if (this.worker === worker) this.worker = undefined;
        for (const call of this.calls.values()) call.reject(new Error('the projector thread exited'));
        this.calls.clear();
        if (!started) {
          reject(new Error(`the projector thread exited before it started (${this.lastExit || `code ${code}`})`));
          return;
        }
        if (this.stopping) return;
        this.lastExit ||= `exit code ${code}`;
        this.scheduleRestart();
      });
    });
  }

  private scheduleRestart(): void {
    const delay = Math.min(MAX_RESTART_DELAY_MS, (this.options.restartDelayMs ?? 1000) * 2 ** this.crashesInARow);
    this.crashesInARow += 1;
    this.options.logger.error(`projector thread exited unexpectedly (${this.lastExit}): restarting it in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.restarts += 1;
      this.spawn().then(
        () => {
          this.lastExit = '';
          this.options.logger.log('projector thread restarted');
        },
        (error: Error) => {
          this.lastExit = error.message;
          this.scheduleRestart();
        },
      );
    }, delay);
    this.restartTimer.unref();
  }

  private call(
    message: ToProjectorThread & { type: 'call' },
    timeoutMs: number | null = this.options.callTimeoutMs ?? 3000,
  ): Promise<unknown> {
    const worker = this.worker;
    if (worker === undefined) return Promise.reject(new Error('the projector thread is not running'));
    const id = this.nextCallId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer =
        timeoutMs === null
          ? undefined
          : setTimeout(() => {
              this.calls.delete(id);
              reject(new Error('the projector thread did not answer in time'));
            }, timeoutMs);
      this.calls.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      worker.postMessage({ ...message, id });
    });
  }
}
