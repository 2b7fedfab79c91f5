/**
 * Runs the operations of one MongoDB transaction one after another: the driver does not support
 * concurrent operations in a transaction, and callers may well start several with Promise.all.
 *
 * Once an operation has failed, the transaction is lost (the driver aborts it, and retries the
 * whole callback on a transient error): operations still queued behind the failure are not sent on
 * that session but rejected with the same error, and close() (awaited before the callback returns
 * to the driver) waits for the one in flight and refuses any started later. Otherwise operations of
 * a failed attempt could run on the session after the driver aborted it, or inside its next attempt.
 */
export class OperationQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  private closed = false;

  run<R>(operation: () => Promise<R>): Promise<R> {
    const result = this.tail.then(() => this.start(operation));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Waits for every operation queued so far to settle; later ones are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }

  private async start<R>(operation: () => Promise<R>): Promise<R> {
    if (this.failure !== undefined) throw this.failure.error;
    if (this.closed) throw new Error('The transaction has ended: no further operation can run in it');
    try {
      return await operation();
    } catch (error) {
      this.failure ??= { error };
      throw error;
    }
  }
}
