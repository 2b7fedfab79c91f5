import type { AppendOptions, AppendResult, ExpectedRevision, NewEvent } from './event-store.port';
import { chainEvents, storedHash } from './hash-chain';
import { ForwardingEventStore } from './forwarding-event-store';

/**
 * An EventStore decorator that chains every appended event to the previous event of its stream
 * (hash-chain.ts). Reads pass through unchanged: they return the stored form, hashes included.
 *
 * Where the previous hash comes from, by expectation:
 * - an exact revision r: the event at revision r. The adapter appends only if r is still the
 *   stream's last revision, so the link is right whenever the append succeeds; a retried batch
 *   (same ids at r+1...) hashes to the same values as the first time, given the same input;
 * - 'no_stream': none (the first event links to null);
 * - 'any' / 'stream_exists': the stream's last event, read just before appending. Appends to one
 *   stream through this instance are serialised, so they cannot fork the chain within a process.
 *   Two processes appending to one stream with 'any' at the same moment could both link to the
 *   same predecessor; verification would then report that link as broken (never a silent gap).
 *   Relata's command path always appends with exact revisions; 'any' is used where a retry must
 *   be recognised by id (the complaint number counter), in one process.
 *
 * Cost: one JSON serialisation and a SHA-256 per event (the store writes that text as it is), and
 * one indexed read of one event per append, except for 'no_stream' and for an exact revision this
 * instance appended itself: the hash of the last event it appended to a stream is kept (an event
 * never changes once stored, so the hash at a revision stays right).
 */
/** Streams whose last appended hash is kept (least recently appended go first). */
const LAST_APPENDED_STREAMS = 10_000;

export class HashChainingEventStore extends ForwardingEventStore {
  /** The tail of the appends queued per stream: each append waits for the one before. */
  private readonly tails = new Map<string, Promise<unknown>>();
  /** The last event this instance appended to each recent stream: its revision and hash. */
  private readonly lastAppended = new Map<string, { revision: bigint; hash: string | null }>();

  override appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) return this.inner.appendToStream(streamName, events, options);
    return this.serialised(streamName, async () => {
      const expected = options?.expectedRevision ?? 'any';
      const prev = await this.previousHash(streamName, expected);
      const chained = chainEvents(streamName, events, prev);
      const result = await this.inner.appendToStream(streamName, chained, options);
      // Kept only where the events provably sit where their chain was computed for: after an exact
      // expectation (a recognised retry then carries the same hashes). A retry recognised under
      // 'any' may have been chained to another predecessor than the stored copy.
      const start = expected === 'no_stream' ? -1n : expected;
      if (typeof start === 'bigint' && result.nextExpectedRevision === start + BigInt(chained.length)) {
        this.remember(streamName, result.nextExpectedRevision, storedHash(chained[chained.length - 1]));
      }
      return result;
    });
  }

  private remember(streamName: string, revision: bigint, hash: string | null): void {
    this.lastAppended.delete(streamName);
    this.lastAppended.set(streamName, { revision, hash });
    if (this.lastAppended.size > LAST_APPENDED_STREAMS) this.lastAppended.delete(this.lastAppended.keys().next().value as string);
  }

  private async previousHash(streamName: string, expected: ExpectedRevision): Promise<string | null> {
    if (expected === 'no_stream') return null;
    if (typeof expected === 'bigint') {
      if (expected < 0n) return null;
      const known = this.lastAppended.get(streamName);
      if (known !== undefined && known.revision === expected) return known.hash;
      const [event] = await this.inner.readStream(streamName, { fromRevision: expected, toRevision: expected, maxCount: 1 });
      // No event there: the adapter refuses the append, whatever the link says.
      return event === undefined ? null : storedHash(event);
    }
    const [last] = await this.inner.readStream(streamName, { direction: 'backwards', maxCount: 1 });
    return last === undefined ? null : storedHash(last);
  }

  private serialised<R>(streamName: string, work: () => Promise<R>): Promise<R> {
    const before = this.tails.get(streamName) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(streamName, tail);
    // The map holds only streams with an append in flight.
    void tail.then(() => {
      if (this.tails.get(streamName) === tail) this.tails.delete(streamName);
    });
    return run;
  }
}

/**
 * Injection token for the event store as stored (the HashChainingEventStore under the encryption
 * layer): reads return encrypted fields and hashes, as audit verification needs them.
 */
export const STORED_EVENT_STORE = Symbol('STORED_EVENT_STORE');
