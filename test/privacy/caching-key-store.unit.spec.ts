import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/shared/clock';
import { CachingKeyStore } from '../../src/shared/privacy/caching-key-store';
import { type KeyLookup, type KeyStore, SubjectForgottenError } from '../../src/shared/privacy/key-store.port';

/** An in-memory key store that counts the calls reaching it. */
class CountingKeyStore implements KeyStore {
  readonly keys = new Map<string, Buffer | null>();
  calls = 0;
  /** Answer a fresh copy of the key each time, as the SQLite and MongoDB key stores do. */
  copies = false;

  async getOrCreate(subjectId: string): Promise<Buffer> {
    this.calls += 1;
    const key = this.keys.get(subjectId);
    if (key === null) throw new SubjectForgottenError(subjectId);
    if (key) return key;
    const created = randomBytes(32);
    this.keys.set(subjectId, created);
    return created;
  }
  async get(subjectId: string): Promise<KeyLookup> {
    this.calls += 1;
    const key = this.keys.get(subjectId);
    if (key === undefined) return { state: 'missing' };
    if (key === null) return { state: 'forgotten', forgottenAt: 'then' };
    return { state: 'active', key: this.copies ? Buffer.from(key) : key };
  }
  async delete(subjectId: string): Promise<boolean> {
    this.calls += 1;
    const had = Boolean(this.keys.get(subjectId));
    this.keys.set(subjectId, null);
    return had;
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('CachingKeyStore', () => {
  let inner: CountingKeyStore;
  let clock: ManualClock;
  let cache: CachingKeyStore;

  beforeEach(() => {
    inner = new CountingKeyStore();
    clock = new ManualClock();
    cache = new CachingKeyStore(inner, { clock, maxEntries: 2, ttlMs: 1000 });
  });

  it('serves repeated lookups from memory', async () => {
    const key = await cache.getOrCreate('a');
    expect(await cache.get('a')).toEqual({ state: 'active', key });
    expect(await cache.getOrCreate('a')).toBe(key);
    expect(inner.calls).toBe(1);
  });

  it('a delete takes effect at once: the key is no longer served, nor re-created', async () => {
    await cache.getOrCreate('a');
    expect(await cache.delete('a')).toBe(true);
    expect(await cache.get('a')).toMatchObject({ state: 'forgotten' });
    await expect(cache.getOrCreate('a')).rejects.toBeInstanceOf(SubjectForgottenError);
  });

  it('does not cache "missing" (another process may create the key)', async () => {
    expect(await cache.get('a')).toEqual({ state: 'missing' });
    const key = randomBytes(32);
    inner.keys.set('a', key);
    expect(await cache.get('a')).toEqual({ state: 'active', key });
  });

  it('asks again after the TTL: a delete made elsewhere is seen then', async () => {
    await cache.getOrCreate('a');
    inner.keys.set('a', null);
    expect((await cache.get('a')).state).toBe('active');
    clock.advance(1000);
    expect((await cache.get('a')).state).toBe('forgotten');
  });

  it('answers an unchanged key as the same Buffer after the TTL, so keys derived from it per Buffer stay cached', async () => {
    inner.copies = true;
    const key = await cache.getOrCreate('a');
    clock.advance(1000);
    const again = await cache.get('a');
    expect(inner.calls).toBe(2);
    expect(again).toEqual({ state: 'active', key });
    expect(again.state === 'active' && again.key).toBe(key);
  });

  it('answers a changed key as the new one after the TTL', async () => {
    inner.copies = true;
    await cache.getOrCreate('a');
    const replaced = randomBytes(32);
    inner.keys.set('a', replaced);
    clock.advance(1000);
    expect(await cache.get('a')).toEqual({ state: 'active', key: replaced });
  });

  it('keeps at most maxEntries, dropping the least recently used', async () => {
    await cache.getOrCreate('a');
    await cache.getOrCreate('b');
    await cache.get('a');
    await cache.getOrCreate('c');
    const before = inner.calls;
    await cache.get('a');
    await cache.get('c');
    expect(inner.calls).toBe(before);
    await cache.get('b');
    expect(inner.calls).toBe(before + 1);
  });
});
