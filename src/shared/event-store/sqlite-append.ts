import { type AppendResult, type ExpectedRevision, type NewEvent, START, WrongExpectedRevisionError } from './event-store.port';
import { positionOf } from './position';
import type { AppendStatements, StreamRow } from './sqlite-event-table';

/**
 * One append to the embedded store, run inside a transaction (or a savepoint of a group commit):
 * the expectation check and the inserts.
 *
 * Idempotency follows EventStoreDB: if the first event id of a batch is already in the stream at
 * the place the expectation points to ('no_stream': revision 0; exact revision r: r+1; 'any' and
 * 'stream_exists': wherever it first occurs) and every following id matches the events after it,
 * the original result is returned and nothing is stored. If the first id matches there but the
 * rest of the batch does not (a different or longer batch), the append is rejected with
 * WrongExpectedRevisionError, as EventStoreDB does. A batch whose first id is not in the stream at
 * that place is an ordinary append (checked against the expectation), even if later ids exist.
 */
export function appendInTransaction(
  stmt: AppendStatements,
  streamName: string,
  events: NewEvent[],
  expected: ExpectedRevision,
): AppendResult {
  const stream = stmt.getStream.get(streamName);

  if (stream !== undefined && events.length > 0) {
    const replayed = findReplayedBatch(stmt, streamName, events, expected, stream);
    if (replayed !== undefined) return replayed;
  }

  const actual = stream === undefined ? 'no_stream' : stream.revision;
  if (!expectationHolds(expected, actual)) {
    throw new WrongExpectedRevisionError(streamName, expected, actual);
  }
  if (events.length === 0) {
    return stream === undefined
      ? { nextExpectedRevision: -1n, position: START }
      : { nextExpectedRevision: stream.revision, position: positionOf(stream.position) };
  }

  let revision = stream === undefined ? -1n : stream.revision;
  let position = START;
  for (const event of events) {
    revision += 1n;
    // The text the hash chain hashed, when it serialised the event already.
    const data = event.stored?.data ?? JSON.stringify(event.data ?? null);
    const metadata = event.stored?.metadata ?? JSON.stringify(event.metadata);
    const info = stmt.insertEvent.run(streamName, revision, event.id, event.type, data, metadata);
    position = positionOf(BigInt(info.lastInsertRowid));
  }
  return { nextExpectedRevision: revision, position };
}

/**
 * The original result when this batch was already appended where the expectation points to;
 * undefined when the batch is new there. Throws on a partial replay (see appendInTransaction).
 */
function findReplayedBatch(
  stmt: AppendStatements,
  streamName: string,
  events: NewEvent[],
  expected: ExpectedRevision,
  stream: StreamRow,
): AppendResult | undefined {
  let start: bigint | undefined;
  if (expected === 'no_stream') {
    start = 0n;
  } else if (typeof expected === 'bigint') {
    // At the current revision nothing follows, so the batch cannot have been written there.
    start = expected < stream.revision ? expected + 1n : undefined;
  } else {
    start = stmt.firstRevisionOfId.get(streamName, events[0].id)?.revision;
  }
  if (start === undefined || start < 0n) return undefined;

  const stored = stmt.idsInRange.all(streamName, start, start + BigInt(events.length) - 1n);
  if (stored.length === 0 || stored[0].event_id !== events[0].id) return undefined;
  const sameBatch = stored.length === events.length && stored.every((row, i) => row.event_id === events[i].id);
  if (!sameBatch) throw new WrongExpectedRevisionError(streamName, expected, stream.revision);
  const last = stored[stored.length - 1];
  return { nextExpectedRevision: last.revision, position: positionOf(last.position) };
}

function expectationHolds(expected: ExpectedRevision, actual: bigint | 'no_stream'): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === 'no_stream';
    case 'stream_exists':
      return actual !== 'no_stream';
    default:
      return actual === expected;
  }
}
