import type { Clock } from '../clock';
import { type KeyLookup, type KeyStore, SubjectForgottenError } from './key-store.port';

/**
 * RELATA_KEY_CACHE_ENTRIES' default: every customer of the sample data sets and of a mid-sized
 * installation. An entry with the field keys derived from it takes about 1.2 KB of heap.
 */
export const DEFAULT_KEY_CACHE_ENTRIES = 100_000;

export interface CachingKeyStoreOptions {
  clock: Clock;
  /** Most subjects kept (least recently used go first). Default DEFAULT_KEY_CACHE_ENTRIES; the app passes RELATA_KEY_CACHE_ENTRIES. */
  maxEntries?: number;
  /**
   * How long an entry is trusted. Deletes through this instance take effect at once; this bounds
   * how long another process (a second app instance on the same MongoDB) keeps decrypting with a
   * key deleted elsewhere. Default 60 s.
   */
  ttlMs?: number;
}

interface Entry {
  lookup: Exclude<KeyLookup, { state: 'missing' }>;
  expiresAt: number;
}

/**
 * A KeyStore decorator keeping recent lookups in memory, so appends and reads of one customer's
 * events do not query the key store each time. "Missing" is never cached (another process may
 * create the key); a delete replaces the entry with the tombstone before it returns.
 */
export class CachingKeyStore implements KeyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly inner: KeyStore,
    options: CachingKeyStoreOptions,
  ) {
    this.clock = options.clock;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_KEY_CACHE_ENTRIES);
    this.ttlMs = Math.max(0, options.ttlMs ?? 60_000);
  }

  async getOrCreate(subjectId: string): Promise<Buffer> {
    const cached = this.cached(subjectId);
    if (cached?.state === 'active') return cached.key;
    if (cached?.state === 'forgotten') throw new SubjectForgottenError(subjectId);
    try {
      const key = await this.inner.getOrCreate(subjectId);
      const kept = this.remember(subjectId, { state: 'active', key });
      return kept.state === 'active' ? kept.key : key;
    } catch (error) {
      if (error instanceof SubjectForgottenError) this.remember(subjectId, { state: 'forgotten', forgottenAt: '' });
      throw error;
    }
  }

  async get(subjectId: string): Promise<KeyLookup> {
    const cached = this.cached(subjectId);
    if (cached !== undefined) return cached;
    const lookup = await this.inner.get(subjectId);
    return lookup.state === 'missing' ? lookup : this.remember(subjectId, lookup);
  }

  async delete(subjectId: string): Promise<boolean> {
    // Dropped first, so no read of this instance uses the key once the delete has started.
    this.entries.delete(subjectId);
    const deleted = await this.inner.delete(subjectId);
    this.remember(subjectId, { state: 'forgotten', forgottenAt: this.clock.now().toISOString() });
    return deleted;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  async close(): Promise<void> {
    this.entries.clear();
    await this.inner.close();
  }

  /** Lets the inner store drop old page images (see residue.ts). */
  async checkpoint(): Promise<void> {
    const inner = this.inner as KeyStore & { checkpoint?: () => Promise<void> };
    if (typeof inner.checkpoint === 'function') await inner.checkpoint();
  }

  private cached(subjectId: string): Entry['lookup'] | undefined {
    const entry = this.entries.get(subjectId);
    if (entry === undefined) return undefined;
    // An expired entry stays until the store has answered again (remember), for its key's Buffer.
    if (entry.expiresAt <= this.clock.now().getTime()) return undefined;
    // Re-inserted: Map order is the recency order.
    this.entries.delete(subjectId);
    this.entries.set(subjectId, entry);
    return entry.lookup;
  }

  /** Keeps the answer and returns what to hand out for it. */
  private remember(subjectId: string, fresh: Entry['lookup']): Entry['lookup'] {
    const previous = this.entries.get(subjectId)?.lookup;
    // The same key as before is answered as the same Buffer: the field keys derived from it (HKDF,
    // cached per Buffer by the encrypting event store) are then reused past each TTL, not derived again.
    const lookup = fresh.state === 'active' && previous?.state === 'active' && previous.key.equals(fresh.key) ? previous : fresh;
    this.entries.delete(subjectId);
    this.entries.set(subjectId, { lookup, expiresAt: this.clock.now().getTime() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return lookup;
  }
}
