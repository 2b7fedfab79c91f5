/**
 * Global positions in the event log are opaque. EventStoreDB positions are byte offsets in its
 * transaction log (commit and prepare positions), so consecutive events are hundreds of bytes apart
 * and `p - 1` is not the start of any record; only SQLite's happen to be consecutive integers.
 * Code outside the adapters may order positions, store and parse them, and nothing else: the type
 * is not a bigint to the compiler, so `p - 1n`, `p + 1n` and `p > 0n` do not compile. A distance
 * that matters (how far a loop is behind) must be counted in events, by whoever reads them.
 *
 * At run time a Position is a bigint, so `===`, `<` and `>` between two positions behave as
 * expected and values round-trip through `toString()` and parsePosition().
 */
declare const opaque: unique symbol;

export interface Position {
  readonly [opaque]: 'Position';
}

/** For adapters: the position the store reports, as the value it is. */
export function positionOf(value: bigint): Position {
  return value as unknown as Position;
}

/** For adapters: the store's own value behind a position. */
export function positionValue(position: Position): bigint {
  return position as unknown as bigint;
}

/** The position before the first event: reading or subscribing "from START" means after this. */
export const START: Position = positionOf(-1n);

/** Negative when a is before b, 0 when equal, positive when a is after b. */
export function comparePositions(a: Position, b: Position): number {
  const x = positionValue(a);
  const y = positionValue(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isAfter(a: Position, b: Position): boolean {
  return comparePositions(a, b) > 0;
}

export function isAtOrAfter(a: Position, b: Position): boolean {
  return comparePositions(a, b) >= 0;
}

export function laterOf(a: Position, b: Position): Position {
  return isAfter(b, a) ? b : a;
}

/** The decimal form positions are stored and shown in (checkpoints, problem+json, query strings). */
export function formatPosition(position: Position): string {
  return positionValue(position).toString();
}

/** Reads a stored or client-supplied decimal position; throws a RangeError on anything else. */
export function parsePosition(text: string): Position {
  if (!/^-?\d+$/.test(text)) throw new RangeError(`Not an event log position: ${text}`);
  return positionOf(BigInt(text));
}
