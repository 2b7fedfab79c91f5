/**
 * What a read store's transactions may be asked to stay within. The MongoDB server aborts a
 * transaction that lives longer than transactionLifetimeLimitSeconds (60 s by default), the driver's
 * withTransaction stops retrying after 120 s, and a long snapshot transaction holds back the
 * storage engine's history; every operation in it is a round trip. The projection runner ends a
 * batch's transaction early (committing the events applied so far) once either bound is reached.
 */
export interface TransactionBudget {
  /** Read-model operations (reads and writes through the transaction) before the batch is cut. */
  operations: number;
  /** Milliseconds (by the runner's clock) before the batch is cut. */
  milliseconds: number;
}

/**
 * Labels the MongoDB driver's withTransaction acts on: TransientTransactionError (write conflict,
 * lock timeout, failover) reruns the whole callback in a new transaction, UnknownTransactionCommitResult
 * retries the commit. An error carrying one must reach the driver as it is: wrapped, it is an ordinary
 * failure and nothing is retried. Recognised by shape, so the kernel needs no driver to tell.
 */
const RETRY_LABELS = ['TransientTransactionError', 'UnknownTransactionCommitResult'] as const;

export function isRetryableTransactionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const hasErrorLabel = (error as { hasErrorLabel?: unknown }).hasErrorLabel;
  if (typeof hasErrorLabel !== 'function') return false;
  return RETRY_LABELS.some((label) => hasErrorLabel.call(error, label) === true);
}
