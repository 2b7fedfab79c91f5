import { AsyncMutex } from '../projections/async-mutex';
import type { LeaseView, ReadStoreLease } from './read-store-lease';

/** Something that may run in one process of a deployment at a time (started and stopped by the coordinator). */
export interface LeaseFollower {
  readonly name: string;
  /** The lease is ours: start the work. */
  onAcquired(): Promise<void>;
  /** The lease is lost or given up: stop the work; resolves once nothing more is done. */
  onLost(): Promise<void>;
  /** Called on every tick while another process holds the lease (e.g. to follow its progress). */
  whileFollowing?(): Promise<void>;
}

/** What periodic workers ask before each unit of work (fits SlaScheduler's SchedulerLease). */
export interface ActiveWorkerGate {
  shouldRun(): Promise<boolean>;
}

export interface LeaseCoordinatorLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface LeaseCoordinatorOptions {
  /** Null: no lease (a single process): the followers are started at once and every check passes. */
  lease: ReadStoreLease | null;
  /** Pause between renewals (and, without the lease, between attempts to take it). */
  renewEveryMs: number;
  logger?: LeaseCoordinatorLogger;
  /**
   * Never takes the lease (RELATA_ROLE=api): the followers are never started, every check fails,
   * and each tick only looks at who holds the lease and lets the followers follow it.
   */
  passive?: boolean;
}

export interface LeaseStatus extends Partial<LeaseView> {
  enabled: boolean;
  /** Whether this process runs the projections and schedulers now. */
  active: boolean;
  /** RELATA_ROLE=api: this process never takes the lease. */
  passive?: boolean;
  /** Passive only: whether another process held the lease at the last look (null: not looked yet, or no lease). */
  holderAlive?: boolean | null;
}

const SILENT: LeaseCoordinatorLogger = { log: () => undefined, warn: () => undefined };

/**
 * Keeps the workers of a deployment in the process that holds the lease: renews it on a timer,
 * starts the followers when it is taken, and stops them when it is lost. A watchdog also stops them
 * as soon as the lease lapses locally (a renewal stuck on an unreachable store), which is before
 * any other process may take it over: that is the fencing.
 */
export class LeaseCoordinator implements ActiveWorkerGate {
  private readonly lease: ReadStoreLease | null;
  private readonly renewEveryMs: number;
  private readonly logger: LeaseCoordinatorLogger;
  private readonly passive: boolean;
  private holderAlive: boolean | null = null;
  private readonly followers: LeaseFollower[] = [];
  private readonly ticking = new AsyncMutex();
  private readonly transitions = new AsyncMutex();
  private active = false;
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(options: LeaseCoordinatorOptions) {
    this.lease = options.lease;
    this.renewEveryMs = Math.max(1, options.renewEveryMs);
    this.logger = options.logger ?? SILENT;
    this.passive = options.passive === true;
  }

  register(follower: LeaseFollower): void {
    this.followers.push(follower);
  }

  /** First attempt now (awaited, so a lone process starts its workers during start-up), then on the timer. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.tick();
    if (this.passive && this.started) {
      this.timer = setInterval(() => void this.tick(), this.renewEveryMs);
      this.timer.unref();
      return;
    }
    if (this.lease === null || !this.started) return;
    this.timer = setInterval(() => void this.tick(), this.renewEveryMs);
    this.timer.unref();
    this.watchdog = setInterval(
      () => {
        if (this.active && !this.lease?.held()) void this.transition(false);
      },
      Math.max(10, Math.min(250, Math.floor(this.renewEveryMs / 2))),
    );
    this.watchdog.unref();
  }

  /** Stops the followers and gives the lease up (graceful shutdown). */
  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.timer);
    clearInterval(this.watchdog);
    this.timer = undefined;
    this.watchdog = undefined;
    await this.ticking.run(() => this.transition(false));
    try {
      await this.lease?.release();
    } catch (error) {
      this.logger.warn(`Could not release the lease (${describe(error)}); it expires on its own`);
    }
  }

  /** One renewal (or attempt to take the lease), then start or stop the followers to match. */
  tick(): Promise<void> {
    return this.ticking.run(async () => {
      if (this.passive) {
        await this.observe();
        return;
      }
      if (this.lease === null) {
        if (this.started) await this.transition(true);
        return;
      }
      let held: boolean;
      try {
        held = await this.lease.acquireOrRenew();
      } catch (error) {
        // The store is unreachable: keep going while the lease is still valid locally.
        held = this.lease.held();
        this.logger.warn(`Lease renewal failed (${describe(error)})${held ? '; retrying' : ''}`);
      }
      if (!this.started) return;
      await this.transition(held);
      if (!held) await this.follow();
    });
  }

  isActive(): boolean {
    if (this.passive) return false;
    return this.active && (this.lease === null || this.lease.held());
  }

  /** The fencing check before a unit of work: active here, and the stored lease still ours. */
  async shouldRun(): Promise<boolean> {
    if (this.passive) return false;
    if (this.lease === null) return true;
    if (!this.active) return false;
    try {
      return await this.lease.confirm();
    } catch {
      return false;
    }
  }

  status(): LeaseStatus {
    if (this.passive) {
      const view = this.lease === null ? {} : this.lease.view();
      return { enabled: this.lease !== null, active: false, passive: true, holderAlive: this.holderAlive, ...view };
    }
    if (this.lease === null) return { enabled: false, active: this.active };
    return { enabled: true, active: this.isActive(), ...this.lease.view() };
  }

  /** Passive: whether another process held the lease at the last look (null: unknown, e.g. no lease). */
  workerHolderAlive(): boolean | null {
    return this.holderAlive;
  }

  private async observe(): Promise<void> {
    if (this.lease !== null) {
      try {
        this.holderAlive = await this.lease.observe();
      } catch (error) {
        this.holderAlive = null;
        this.logger.warn(`Could not read the lease (${describe(error)})`);
      }
    }
    if (this.started) await this.follow();
  }

  private transition(held: boolean): Promise<void> {
    return this.transitions.run(async () => {
      if (held && !this.active) {
        this.active = true;
        if (this.lease !== null) this.logger.log(`Lease ${this.lease.name} acquired by ${this.lease.owner}: starting ${this.names()}`);
        for (const follower of this.followers) {
          try {
            await follower.onAcquired();
          } catch (error) {
            this.logger.warn(`${follower.name} did not start: ${describe(error)}`);
          }
        }
      } else if (!held && this.active) {
        this.active = false;
        if (this.lease !== null) this.logger.log(`Lease ${this.lease.name} not held by ${this.lease.owner}: stopping ${this.names()}`);
        for (const follower of [...this.followers].reverse()) {
          try {
            await follower.onLost();
          } catch (error) {
            this.logger.warn(`${follower.name} did not stop cleanly: ${describe(error)}`);
          }
        }
      }
    });
  }

  private async follow(): Promise<void> {
    for (const follower of this.followers) {
      try {
        await follower.whileFollowing?.();
      } catch (error) {
        this.logger.warn(`${follower.name} could not follow the lease holder: ${describe(error)}`);
      }
    }
  }

  private names(): string {
    return this.followers.map((follower) => follower.name).join(', ') || 'nothing';
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
