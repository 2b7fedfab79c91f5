import type { Clock } from '../shared/clock';

export interface PrincipalCacheOptions {
  /** How long an entry is believed, in ms; 0 turns the cache off. */
  ttlMs: number;
  /** Most entries kept; the oldest go first. */
  maxEntries: number;
}

interface Entry<V> {
  value: V;
  storedAt: number;
}

/**
 * What an API key stood for at most ttlMs ago, by the key's hash: the access guard then answers
 * without a read-store query per request. The process that revokes a key drops it here at once
 * (forget); other processes sharing the store believe their copy until it is ttlMs old, so a
 * revocation reaches every instance within the TTL. Expiry is not cached: the caller checks it
 * against the clock on every request.
 */
export class PrincipalCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly clock: Clock,
    private readonly options: PrincipalCacheOptions,
  ) {}

  get(hash: string): V | undefined {
    const entry = this.entries.get(hash);
    if (entry === undefined) return undefined;
    const age = this.clock.now().getTime() - entry.storedAt;
    // A clock set back (a test, an NTP step) makes the age negative: not believed either.
    if (age < 0 || age >= this.options.ttlMs) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.value;
  }

  set(hash: string, value: V): void {
    if (this.options.ttlMs <= 0) return;
    this.entries.delete(hash);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(hash, { value, storedAt: this.clock.now().getTime() });
  }

  /** Drops every entry the predicate picks (a revoked key's). */
  forget(picks: (value: V) => boolean): void {
    for (const [hash, entry] of this.entries) if (picks(entry.value)) this.entries.delete(hash);
  }
}
