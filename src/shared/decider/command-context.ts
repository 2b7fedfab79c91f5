/** Who is asking, and how the request ties its events together. Built per HTTP request (or per import row). */
export interface CommandContext {
  /** The authenticated subject, or the importer/scheduler name. */
  actor: string;
  /** Shared by every event the request causes. */
  correlationId: string;
  /** The id of the command itself; recorded as the events' causationId. */
  commandId: string;
  /** From the Idempotency-Key header: event (and entity) ids are derived from it, so a retry appends nothing. */
  idempotencyKey?: string;
  /**
   * Hash of the request an Idempotency-Key came with (method, path, body): a retry must match it,
   * and so must its actor, or the key is refused as reused (command-processor.ts).
   */
  requestHash?: string;
  /** From the If-Match header: the stream revision the client last saw. */
  expectedRevision?: bigint;
}
