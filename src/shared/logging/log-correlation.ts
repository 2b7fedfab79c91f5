/**
 * An extra argument to a Nest Logger call about one request: the JSON logger writes it as the
 * line's correlationId. Code that has the request at hand says which request a line is about,
 * instead of relying on an async context per request (whose promise hooks slow every request on
 * Node 20, see docs/operators.md).
 */
export class LogCorrelation {
  constructor(readonly correlationId: string) {}
}
