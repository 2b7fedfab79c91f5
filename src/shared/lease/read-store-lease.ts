import type { Clock } from '../clock';
import type { Document, ReadStore } from '../read-store/read-store.port';

/** One document per lease, keyed by the lease name. */
export const LEASES_COLLECTION = '_leases';

export interface LeaseDocument extends Document {
  owner: string;
  /**
   * The fencing token: raised by one each time the lease changes hands (or is taken again after
   * it lapsed), never on a renewal. A holder whose token is no longer the stored one has lost it.
   */
  token: number;
  acquiredAt: string;
  renewedAt: string;
  expiresAt: string;
  /** Where the holder runs: lets a process on the same host see at once that the holder died. */
  host: string;
  pid: number;
}

export interface ReadStoreLeaseOptions {
  readStore: ReadStore;
  clock: Clock;
  /** The lease's name (its document id). */
  name: string;
  /** Unique per process (two processes with one id would both believe they hold the lease). */
  owner: string;
  ttlMs: number;
  /**
   * How long before the stored expiry the holder already considers the lease lost, so it has
   * stopped its work before anyone may take over. Default ttlMs / 3.
   */
  safetyMarginMs?: number;
  /** This process's host and pid, stored in the document. */
  host?: string;
  pid?: number;
  /**
   * Whether a holder that runs on this host is still alive (default: always true, i.e. wait for
   * the expiry). With a local check, a restart after a crash takes over without waiting the TTL.
   */
  isLocalProcessAlive?: (pid: number) => boolean;
}

/** What the lease looks like from one process, after its last look at the store. */
export interface LeaseView {
  name: string;
  /** This process's owner id. */
  owner: string;
  held: boolean;
  /** The stored holder (null: nobody, or not read yet). */
  holder: string | null;
  token: number | null;
  expiresAt: string | null;
}

/**
 * A lease in the read store: at most one owner at a time holds it, until its expiry; the holder
 * renews it well before then. Every change is a read-check-write inside one read-store transaction
 * (embedded: BEGIN IMMEDIATE, serialised across processes by SQLite's write lock; MongoDB: a
 * session transaction, where a concurrent writer of the same document makes one of them abort), so
 * two contenders can never both win.
 *
 * Expiry is judged by the injected clock of whoever looks. The holder stops believing it holds the
 * lease safetyMarginMs before the stored expiry, so clocks that differ by less than that margin
 * cannot make two processes both hold it.
 */
export class ReadStoreLease {
  private readonly readStore: ReadStore;
  private readonly clock: Clock;
  readonly name: string;
  readonly owner: string;
  readonly ttlMs: number;
  private readonly safetyMarginMs: number;
  private readonly host: string;
  private readonly pid: number;
  private readonly isLocalProcessAlive: (pid: number) => boolean;
  /** Our token while we believe we hold the lease. */
  private heldToken: number | null = null;
  /** Until when (our clock) we may act as the holder without another successful renewal. */
  private validUntil = 0;
  private lastSeen: LeaseDocument | null = null;

  constructor(options: ReadStoreLeaseOptions) {
    if (!(options.ttlMs > 0)) throw new Error('the lease TTL must be positive');
    this.readStore = options.readStore;
    this.clock = options.clock;
    this.name = options.name;
    this.owner = options.owner;
    this.ttlMs = options.ttlMs;
    this.safetyMarginMs = Math.min(options.safetyMarginMs ?? Math.floor(options.ttlMs / 3), options.ttlMs);
    this.host = options.host ?? '';
    this.pid = options.pid ?? 0;
    this.isLocalProcessAlive = options.isLocalProcessAlive ?? (() => true);
  }

  /**
   * Acquires the lease if it is free or expired, renews it if we hold it; returns whether we hold
   * it now. A failure to reach the store throws (held() then lapses on its own at validUntil).
   */
  async acquireOrRenew(): Promise<boolean> {
    const startedAt = this.clock.now().getTime();
    const result = await this.readStore.withTransaction(async (tx) => {
      const leases = tx.collection<LeaseDocument>(LEASES_COLLECTION);
      const now = this.clock.now();
      const current = await leases.get(this.name);
      const expiresAt = new Date(now.getTime() + this.ttlMs).toISOString();
      const ours = current !== null && current.owner === this.owner && current.token === this.heldToken && this.heldLocally();
      if (ours) {
        const renewed: LeaseDocument = { ...current, renewedAt: now.toISOString(), expiresAt };
        await leases.replace(this.name, renewed);
        return renewed;
      }
      // Our own id without our live token: we let it lapse, or restarted under a fixed instance id.
      // Either way no one else holds it, and taking it again raises the token.
      if (current !== null && current.owner !== this.owner && !this.isFree(current, now)) return current;
      const taken: LeaseDocument = {
        _id: this.name,
        owner: this.owner,
        token: (current?.token ?? 0) + 1,
        acquiredAt: now.toISOString(),
        renewedAt: now.toISOString(),
        expiresAt,
        host: this.host,
        pid: this.pid,
      };
      await leases.replace(this.name, taken);
      return taken;
    });
    this.lastSeen = result;
    if (result.owner === this.owner) {
      this.heldToken = result.token;
      // Counted from before the transaction began: the stored expiry is at least that late.
      this.validUntil = startedAt + this.ttlMs - this.safetyMarginMs;
      return true;
    }
    this.forget();
    return false;
  }

  /** Gives the lease up (on shutdown) so another process takes over without waiting for the expiry. */
  async release(): Promise<void> {
    const token = this.heldToken;
    this.forget();
    if (token === null) return;
    await this.readStore.withTransaction(async (tx) => {
      const leases = tx.collection<LeaseDocument>(LEASES_COLLECTION);
      const current = await leases.get(this.name);
      if (current === null || current.owner !== this.owner || current.token !== token) return;
      // Kept (with its token) rather than deleted: the next holder's token must be higher.
      const now = this.clock.now().toISOString();
      await leases.replace(this.name, { ...current, expiresAt: now, renewedAt: now });
    });
  }

  /** Whether we may act as the holder now, judged locally (no store access): cheap, for hot paths. */
  held(): boolean {
    if (!this.heldLocally()) {
      this.forget();
      return false;
    }
    return true;
  }

  /**
   * The fencing check before a unit of work: we hold the lease locally AND the stored document
   * still names us with our token. False when another process has taken it over.
   */
  async confirm(): Promise<boolean> {
    if (!this.held()) return false;
    const token = this.heldToken;
    const current = await this.readStore.collection<LeaseDocument>(LEASES_COLLECTION).get(this.name);
    this.lastSeen = current;
    if (current !== null && current.owner === this.owner && current.token === token) return this.held();
    this.forget();
    return false;
  }

  /**
   * Reads the stored lease without taking it (a process that never runs the workers, RELATA_ROLE=api):
   * whether another process holds it now (not expired, and not a dead process on this host).
   */
  async observe(): Promise<boolean> {
    const current = await this.readStore.collection<LeaseDocument>(LEASES_COLLECTION).get(this.name);
    this.lastSeen = current;
    return current !== null && !this.isFree(current, this.clock.now());
  }

  /** Our fencing token while we hold the lease. */
  token(): number | null {
    return this.held() ? this.heldToken : null;
  }

  view(): LeaseView {
    const held = this.held();
    return {
      name: this.name,
      owner: this.owner,
      held,
      holder: this.lastSeen?.owner ?? null,
      token: this.lastSeen?.token ?? null,
      expiresAt: this.lastSeen?.expiresAt ?? null,
    };
  }

  private heldLocally(): boolean {
    return this.heldToken !== null && this.clock.now().getTime() < this.validUntil;
  }

  private forget(): void {
    this.heldToken = null;
    this.validUntil = 0;
  }

  /** Expired, or held by a process on this host that no longer exists (it crashed). */
  private isFree(current: LeaseDocument, now: Date): boolean {
    if (Date.parse(current.expiresAt) <= now.getTime()) return true;
    return (
      this.host !== '' &&
      current.host === this.host &&
      current.pid !== this.pid &&
      current.pid > 0 &&
      !this.isLocalProcessAlive(current.pid)
    );
  }
}

/** Whether a process with this pid exists on this host (signal 0 checks without sending anything). */
export function localProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
