import type { AppendResult, CommitCounts, ExpectedRevision, NewEvent } from './event-store.port';

/** An append waiting for the next group commit. */
export interface QueuedAppend {
  streamName: string;
  events: NewEvent[];
  expected: ExpectedRevision;
}

/** One append's outcome within a group: its result, or the error that refused it alone. */
export type GroupOutcome = AppendResult | { error: unknown };

/**
 * Commits a group: one outcome per append, in order. Throws when the group as a whole failed
 * (BEGIN or COMMIT: busy, disk full, I/O error, store closed): then nothing of it is stored.
 */
export type CommitGroup = (group: readonly QueuedAppend[]) => GroupOutcome[];

interface Waiting extends QueuedAppend {
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/**
 * Group commit: the appends issued during one turn of the event loop are committed together, in
 * one transaction, when the turn's callbacks are done (setImmediate: after the I/O callbacks of
 * the turn, so the commands of every HTTP request read in that turn share the commit; a
 * microtask would close the group after the first request). Each append keeps its own expectation
 * check and outcome (a refused one does not fail the others). A promise resolves only after the
 * COMMIT, so a resolved append is as durable as a single commit at the store's synchronous
 * setting; if the COMMIT fails, every append of the group fails.
 *
 * The price is at most the rest of the turn's callbacks of added latency per append. A stream two
 * commands of one turn both append to (read, decide, append with the expected revision) gets one
 * of them refused by the other's check, as without grouping: the processor retries that one once.
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly counts: CommitCounts = { groups: 0, appends: 0 };

  constructor(private readonly commitGroup: CommitGroup) {}

  append(streamName: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ streamName, events, expected, resolve, reject });
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits what waits now (also what close() calls, so nothing queued is dropped). */
  flush(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const group = this.waiting;
    if (group.length === 0) return;
    this.waiting = [];
    this.counts.groups += 1;
    this.counts.appends += group.length;
    let outcomes: GroupOutcome[];
    try {
      outcomes = this.commitGroup(group);
    } catch (error) {
      for (const append of group) append.reject(error);
      return;
    }
    group.forEach((append, i) => {
      const outcome = outcomes[i];
      if ('error' in outcome) append.reject(outcome.error);
      else append.resolve(outcome);
    });
  }

  /** Groups committed so far and the appends they held (appends / groups: the grouping achieved). */
  committed(): CommitCounts {
    return { ...this.counts };
  }
}
