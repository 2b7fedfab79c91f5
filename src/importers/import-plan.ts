import {
  excerpt,
  type ImportItem,
  type ImportSourceKind,
  type ImportedPurchase,
  type ImportedRefund,
  isImportedRefund,
} from './import-records';
import { type ImportSession, refusalFrom } from './import-session';
import { KeyedWorkQueue } from './keyed-work-queue';

/** What the runner does with one kind of record. */
export interface Plan<T> {
  source: ImportSourceKind;
  items: AsyncGenerator<ImportItem<T>>;
  /** Records with the same lane run one after another. */
  lane(record: T): string;
  /** Rejects the file before any command when its first record shows it is not what the kind says. */
  check?(record: T): void;
  importRecord(record: T, lines: number[]): Promise<void>;
}

export interface RunLimits {
  /** Records in flight at once. */
  concurrency: number;
  limit?: number;
  signal?: AbortSignal;
}

/** Why a run ended before the end of the file, if it did. */
export type StopReason = 'limit' | 'aborted' | null;

/**
 * Feeds a plan's records to the work queue: records of one lane one after another, refusals counted
 * per record, parser notes tallied. Anything but a refusal stops the run after the commands in flight.
 */
export async function runPlan<T>(session: ImportSession, plan: Plan<T>, limits: RunLimits): Promise<StopReason> {
  const { report, progress } = session;
  const queue = new KeyedWorkQueue(limits.concurrency);
  let checked = false;
  let reason: StopReason = null;
  try {
    for await (const item of plan.items) {
      if (limits.signal?.aborted) {
        reason = 'aborted';
        break;
      }
      if (item.type !== 'record') {
        report.add(item);
        if (item.type === 'skipped') progress.skipped += 1;
        if (item.type === 'duplicate') progress.duplicates += 1;
        session.emit();
        continue;
      }
      if (limits.limit !== undefined && progress.records >= limits.limit) {
        reason = 'limit';
        break;
      }
      if (!checked) {
        plan.check?.(item.record);
        checked = true;
      }
      progress.records += 1;
      const { record, lines } = item;
      await queue.push(plan.lane(record), async () => {
        // Interrupted: records queued but not started are left for the rerun.
        if (limits.signal?.aborted) {
          reason = 'aborted';
          return;
        }
        report.add(item);
        try {
          await plan.importRecord(record, lines);
        } catch (error) {
          const refusal = refusalFrom(error);
          if (!refusal) throw error;
          report.refused(`refused:${refusal.code}`, lines, excerpt(`${recordLabel(plan.source, record)}: ${refusal.detail}`, 200));
          progress.skipped += 1;
        }
        session.emit();
      });
    }
  } finally {
    // Whatever ended the loop, the commands in flight finish before the run returns or throws.
    await queue.drain();
  }
  return reason;
}

function recordLabel(source: ImportSourceKind, record: unknown): string {
  const key = (record as { sourceKey: string }).sourceKey;
  if (source === 'cfpb') return `complaint ${key}`;
  return isImportedRefund(record as ImportedPurchase | ImportedRefund) ? `refund ${key}` : `purchase ${key}`;
}
