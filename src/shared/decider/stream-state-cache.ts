import type { Position } from '../event-store/event-store.port';

/** A stream's state as folded by one decider, up to a revision of the stream. */
export interface CachedStreamState<State> {
  state: State;
  /** Revision of the last event folded in (-1: none). */
  revision: bigint;
  /** Position of that event (null: none). */
  position: Position | null;
  /** Revision of every event folded in, by id: an Idempotency-Key retry finds its events without reading the stream. */
  eventIds: ReadonlyMap<string, bigint>;
  /** When it was folded (clock ms): older than the time to live, it is read again in full. */
  cachedAt: number;
}

export interface StreamStateCacheOptions {
  /** Streams kept per decider (least recently used go first). Default 10,000. */
  maxStreams?: number;
  /**
   * Events folded into the states kept per decider, all streams together: a state's size grows with
   * its stream (ids of purchases, of events), so this bounds the memory. Default 100,000.
   */
  maxEvents?: number;
  /**
   * How long a folded state is trusted, in ms. The events after it are always read, so another
   * process's appends are never missed; the bound is for erasure elsewhere: a subject forgotten by
   * another process reads as erased here once this has passed, as with the key cache. Default 60 s.
   */
  ttlMs?: number;
}

interface DeciderStates {
  /** By stream name, least recently used first; `events`: the entry's size when it was kept. */
  entries: Map<string, { entry: CachedStreamState<unknown>; events: number }>;
  events: number;
}

/**
 * The states the command processor folded, so a command on a long stream reads only the events
 * appended since (a customer with a thousand purchases is not re-read and re-folded a thousand
 * times). Deciders are pure and their states immutable, so a cached state is shared safely.
 *
 * Entries are per decider object, since two deciders may fold the same stream differently.
 * clear() drops everything: erasure calls it, because a cached state holds the personal data its
 * events held before the subject's key was deleted.
 */
export class StreamStateCache {
  private readonly byDecider = new Map<object, DeciderStates>();
  private readonly maxStreams: number;
  private readonly maxEvents: number;
  private readonly ttlMs: number;
  private clears = 0;

  constructor(options: StreamStateCacheOptions = {}) {
    this.maxStreams = Math.max(0, options.maxStreams ?? 10_000);
    this.maxEvents = Math.max(0, options.maxEvents ?? 100_000);
    this.ttlMs = Math.max(0, options.ttlMs ?? 60_000);
  }

  /** The state folded for this decider and stream, unless absent or older than the time to live. */
  get<State>(decider: object, streamName: string, now: number): CachedStreamState<State> | undefined {
    const states = this.byDecider.get(decider);
    const kept = states?.entries.get(streamName);
    if (states === undefined || kept === undefined) return undefined;
    states.entries.delete(streamName);
    if (now - kept.entry.cachedAt >= this.ttlMs) {
      states.events -= kept.events;
      return undefined;
    }
    // Re-inserted: Map order is the recency order.
    states.entries.set(streamName, kept);
    return kept.entry as CachedStreamState<State>;
  }

  /** Read before reading a stream; hand it to set(), which ignores a state read before a clear(). */
  get epoch(): number {
    return this.clears;
  }

  /**
   * Keeps a folded state, unless one at a later revision is already kept (a concurrent command) or
   * the cache was cleared since its events were read (they may hold personal data since erased).
   */
  set<State>(decider: object, streamName: string, entry: CachedStreamState<State>, epoch: number): void {
    const events = entry.eventIds.size;
    if (this.maxStreams === 0 || epoch !== this.clears || events > this.maxEvents) return;
    let states = this.byDecider.get(decider);
    if (states === undefined) {
      states = { entries: new Map(), events: 0 };
      this.byDecider.set(decider, states);
    }
    const current = states.entries.get(streamName);
    if (current !== undefined) {
      if (current.entry.revision > entry.revision) return;
      states.entries.delete(streamName);
      states.events -= current.events;
    }
    states.entries.set(streamName, { entry, events });
    states.events += events;
    for (const [oldest, kept] of states.entries) {
      if (states.entries.size <= this.maxStreams && states.events <= this.maxEvents) break;
      states.entries.delete(oldest);
      states.events -= kept.events;
    }
  }

  /**
   * Moves a kept state on past the events a command of this process has just appended, so the
   * next command for the stream does not read its own events back and fold them again. Only when
   * the kept state is still the one the command decided on (at `fromRevision`: a concurrent
   * command may have moved it on) and nothing was cleared since `epoch` (erasure).
   */
  advance<State>(
    decider: object,
    streamName: string,
    fromRevision: bigint,
    appended: { state: State; position: Position; eventIds: readonly string[] },
    epoch: number,
  ): void {
    const kept = this.byDecider.get(decider)?.entries.get(streamName);
    if (kept === undefined || kept.entry.revision !== fromRevision || epoch !== this.clears) return;
    // Grown in place, as loading does: a state at an earlier revision only points a retry at its events sooner.
    const eventIds = kept.entry.eventIds as Map<string, bigint>;
    appended.eventIds.forEach((id, i) => eventIds.set(id, fromRevision + 1n + BigInt(i)));
    const revision = fromRevision + BigInt(appended.eventIds.length);
    this.set(decider, streamName, { ...kept.entry, state: appended.state, revision, position: appended.position, eventIds }, epoch);
  }

  clear(): void {
    this.clears += 1;
    this.byDecider.clear();
  }
}
