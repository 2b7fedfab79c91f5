import type { AppendOptions, AppendResult, NewEvent, Position } from './event-store.port';
import { ForwardingEventStore } from './forwarding-event-store';
import { positionOf, positionValue } from './position';

/**
 * BENCHMARK ONLY (selected by RELATA_BENCH_DISCARD_WRITES=1, see config.ts): an event store whose
 * appends store nothing. Reads go to the real store, so a benchmark can first set up data with
 * writes on, then measure the same command path (validation, loading, deciding, hashing,
 * encrypting) without the write. An append answers what the real store would most likely answer:
 * the revision after the batch, and positions counted on from the head at the first append. The
 * expectation is not checked (nothing changes, so it could only fail on a stale client).
 */
export class DiscardingEventStore extends ForwardingEventStore {
  private lastPosition: Position | undefined;

  override async appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    const expected = options?.expectedRevision ?? 'any';
    let current: bigint;
    if (typeof expected === 'bigint') current = expected;
    else if (expected === 'no_stream') current = -1n;
    else current = (await this.inner.readStream(streamName, { direction: 'backwards', maxCount: 1 }))[0]?.revision ?? -1n;
    this.lastPosition ??= await this.inner.headPosition();
    // Only the embedded store counts positions one per event; benchmarks run on it.
    this.lastPosition = positionOf(positionValue(this.lastPosition) + BigInt(events.length));
    return { nextExpectedRevision: current + BigInt(events.length), position: this.lastPosition };
  }
}
