import { threadId } from 'node:worker_threads';
import type { LeaseCoordinator, LeaseStatus } from '../lease/lease-coordinator';
import type { ProcessRole } from '../lease/process-role';
import type { ProjectionDefinition, ProjectionStatus } from './projection';
import type { ProjectionRunner } from './projection-runner';

/** Injection token of this process's Projector. */
export const PROJECTOR = Symbol('PROJECTOR');

/**
 * Where the worker part (projections, SLA scheduler, segmentation, webhooks) of this process runs:
 * on this thread, in a worker thread of this process, or in another process (RELATA_ROLE=api).
 */
export type ProjectorPlacement = 'in-process' | 'thread' | 'elsewhere';

export interface ProjectorHealth {
  role: ProcessRole;
  placement: ProjectorPlacement;
  /**
   * Whether the worker part is running: here (lease held, or waiting for it behind a live holder),
   * in its thread, or (api) in the process that holds the worker lease. False: nothing projects.
   */
  alive: boolean;
  /** worker_threads threadId of the thread running the projections in this process (0: the main thread); null: not in this process now. */
  threadId: number | null;
  /** Times the projector thread was restarted after it crashed. */
  restarts: number;
  detail: string;
}

/** The worker part of a process, as HTTP (/ready, /metrics, /projections) sees it, wherever it runs. */
export interface Projector {
  health(): ProjectorHealth;
  /** Each projection's status as the runner that runs it reports it (else from the stored checkpoints). */
  status(): Promise<ProjectionStatus[]>;
  /** The worker lease as seen by whoever runs (or would run) the projections of this process. */
  leaseStatus(): LeaseStatus;
  /** Starts a rebuild where the projections run; 'not-active' when they do not run in this process. */
  rebuild(name: string): Promise<'started' | 'not-active'>;
  /**
   * The projection part of a forget (privacy/erasure.ts), where the projections run, after the
   * subject's key was deleted: that runner's cached log pages and key are dropped, the projections
   * that rebuild on erasure are rebuilt (resolves once switched), replaced generations dropped.
   */
  eraseSubject(subjectId: string): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ProjectorLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * The worker part on this thread (role worker, `all` without a thread, every in-process test app),
 * or no worker part at all (role api: the coordinator is passive and only follows the holder).
 */
export class InProcessProjector implements Projector {
  constructor(
    private readonly role: ProcessRole,
    private readonly runner: ProjectionRunner,
    private readonly lease: LeaseCoordinator,
    private readonly logger: ProjectorLogger,
    private readonly projections: readonly ProjectionDefinition[],
  ) {}

  health(): ProjectorHealth {
    if (this.role === 'api') {
      const alive = this.lease.workerHolderAlive();
      return {
        role: this.role,
        placement: 'elsewhere',
        // Unknown (no lease to look at, RELATA_LEASE=off): the lag check of /ready still tells.
        alive: alive !== false,
        threadId: null,
        restarts: 0,
        detail:
          alive === null
            ? 'projections run in another process (no lease to see it by)'
            : alive
              ? 'projections run in the worker lease holder'
              : 'no process holds the worker lease',
      };
    }
    const active = this.lease.isActive();
    return {
      role: this.role,
      placement: 'in-process',
      alive: true,
      threadId: active ? threadId : null,
      restarts: 0,
      detail: active ? 'projections run in this process' : 'waiting for the worker lease',
    };
  }

  status(): Promise<ProjectionStatus[]> {
    return this.runner.status();
  }

  leaseStatus(): LeaseStatus {
    return this.lease.status();
  }

  rebuild(name: string): Promise<'started' | 'not-active'> {
    if (!this.lease.isActive()) return Promise.resolve('not-active');
    this.runner.rebuild(name).catch((error: Error) => this.logger.error(`rebuild of ${name} failed: ${error.message}`));
    return Promise.resolve('started');
  }

  async eraseSubject(): Promise<void> {
    this.runner.dropCachedEvents();
    // Rebuilt from events that now read as erased; the old generation is dropped at the switch.
    for (const projection of this.projections.filter((p) => p.rebuildOnErasure)) await this.runner.rebuild(projection.name);
    // Not at the switch itself (readers may still hold it): here, with those of earlier rebuilds, which hold copies in clear.
    await this.runner.dropReplacedGenerations();
  }

  start(): Promise<void> {
    // Starts the runner here, or (with the lease) only in the process that holds it; api: follows only.
    return this.lease.start();
  }

  async stop(): Promise<void> {
    await this.lease.stop();
    await this.runner.stop();
  }
}
