import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import type { Clock } from '../shared/clock';
import type { LeaseConfig } from '../shared/lease/lease-config';
import { localProcessAlive, ReadStoreLease } from '../shared/lease/read-store-lease';
import type { ReadStore } from '../shared/read-store/read-store.port';

/** A lease a command-line process holds while it works: renewed on a timer, given up at the end. */
export interface HeldLease {
  /** Whether the lease is still ours (judged locally, as ReadStoreLease.held()). */
  held(): boolean;
  /** Stops renewing and gives the lease up. */
  release(): Promise<void>;
}

export interface CliLease {
  /** Takes the lease if it is free: null while another process holds it. */
  tryAcquire(onLost: () => void): Promise<HeldLease | null>;
  /** The current holder as last seen ("owner (host, pid)"), for messages. */
  holder(): string;
}

/**
 * The lease `name` as seen from a command: with its own owner id, never the server's
 * RELATA_INSTANCE_ID (a process with the holder's id would take the lease over from it).
 */
export function cliLease(readStore: ReadStore, clock: Clock, config: LeaseConfig, name: string, command: string): CliLease {
  const lease = new ReadStoreLease({
    readStore,
    clock,
    name,
    owner: `${command}-${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    ttlMs: config.ttlMs,
    host: os.hostname(),
    pid: process.pid,
    isLocalProcessAlive: localProcessAlive,
  });
  let lastHolder = 'another process';
  return {
    holder: () => lastHolder,
    async tryAcquire(onLost) {
      if (!(await lease.acquireOrRenew())) {
        const view = lease.view();
        lastHolder = view.holder ?? 'another process';
        return null;
      }
      let lost = false;
      const renew = setInterval(() => {
        lease.acquireOrRenew().then(
          (held) => {
            if (!held && !lost) {
              lost = true;
              onLost();
            }
          },
          () => {
            // Unreachable store: the lease stays ours until it lapses locally.
            if (!lease.held() && !lost) {
              lost = true;
              onLost();
            }
          },
        );
      }, config.renewEveryMs);
      renew.unref();
      return {
        held: () => !lost && lease.held(),
        async release() {
          clearInterval(renew);
          await lease.release();
        },
      };
    },
  };
}
