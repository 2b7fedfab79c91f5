/**
 * Typed errors with stable codes. Deciders and handlers throw them; one exception filter
 * (problem-details.filter.ts) maps them to RFC 7807 responses. Codes never change once published:
 * API clients branch on them.
 */
export abstract class RelataError extends Error {
  abstract readonly status: number;
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 422: the request is well-formed but a business rule refuses it. */
export class BusinessRuleViolation extends RelataError {
  readonly status = 422;
}

/** 404: the addressed resource does not exist. */
export class NotFoundError extends RelataError {
  readonly status = 404;
}

/** 409: the resource changed since the client read it (optimistic concurrency). */
export class ConcurrencyConflictError extends RelataError {
  readonly status = 409;
}

export interface FieldError {
  /** Dotted path of the offending field, e.g. "lines.0.quantity". */
  field: string;
  messages: string[];
}

/** 400: the request itself is malformed; every bad field is listed. */
export class ValidationFailedError extends RelataError {
  readonly status = 400;
  constructor(
    readonly errors: FieldError[],
    message = 'The request is not valid',
  ) {
    super('VALIDATION_FAILED', message, { errors });
  }
}

/** 503: the read model has not caught up with the requested position in time. */
export class NotCaughtUpError extends RelataError {
  readonly status = 503;
  constructor(
    readonly projection: string,
    readonly retryAfterSeconds: number,
  ) {
    super('READ_MODEL_NOT_CAUGHT_UP', `The ${projection} read model has not reached the requested position yet`, {
      projection,
    });
  }
}

/**
 * 422: an Idempotency-Key came back with another request (method, path or body) or from another
 * principal. Replaying the first outcome would drop the new request silently, so it is refused.
 */
export class IdempotencyKeyReusedError extends RelataError {
  readonly status = 422;
  constructor() {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was used for another request or by another principal: use a new key for a new request',
    );
  }
}
