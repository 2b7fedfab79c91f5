import { type CachedStreamState, StreamStateCache } from '../../src/shared/decider/stream-state-cache';
import { positionOf } from '../../src/shared/event-store/position';

const decider = {};
const other = {};
const entry = (revision: number, events = revision + 1, cachedAt = 0): CachedStreamState<string> => ({
  state: `state@${revision}`,
  revision: BigInt(revision),
  position: positionOf(BigInt(revision)),
  eventIds: new Map(Array.from({ length: events }, (_, i) => [`id-${i}`, BigInt(i)] as const)),
  cachedAt,
});

describe('StreamStateCache', () => {
  it('keeps states per decider and stream, and never replaces one with an older revision', () => {
    const cache = new StreamStateCache();
    cache.set(decider, 's1', entry(4), cache.epoch);
    cache.set(decider, 's1', entry(2), cache.epoch);
    expect(cache.get(decider, 's1', 0)?.state).toBe('state@4');
    expect(cache.get(other, 's1', 0)).toBeUndefined();
  });

  it('forgets the least recently used streams beyond maxStreams', () => {
    const cache = new StreamStateCache({ maxStreams: 2 });
    cache.set(decider, 'a', entry(0), cache.epoch);
    cache.set(decider, 'b', entry(0), cache.epoch);
    cache.get(decider, 'a', 0);
    cache.set(decider, 'c', entry(0), cache.epoch);
    expect(['a', 'b', 'c'].map((s) => cache.get(decider, s, 0) !== undefined)).toEqual([true, false, true]);
  });

  it('bounds the events folded into the kept states, and keeps no state larger than the bound', () => {
    const cache = new StreamStateCache({ maxEvents: 10 });
    cache.set(decider, 'a', entry(5), cache.epoch);
    cache.set(decider, 'b', entry(3), cache.epoch);
    cache.set(decider, 'c', entry(3), cache.epoch);
    cache.set(decider, 'huge', entry(20), cache.epoch);
    expect(['a', 'b', 'c', 'huge'].map((s) => cache.get(decider, s, 0) !== undefined)).toEqual([false, true, true, false]);
  });

  it('trusts a state for ttlMs from when it was first folded', () => {
    const cache = new StreamStateCache({ ttlMs: 1000 });
    cache.set(decider, 'a', entry(1, 2, 5000), cache.epoch);
    expect(cache.get(decider, 'a', 5999)).toBeDefined();
    expect(cache.get(decider, 'a', 6000)).toBeUndefined();
  });

  it('moves a kept state on past appended events only from the revision it was kept at', () => {
    const cache = new StreamStateCache();
    cache.set(decider, 'a', entry(1), cache.epoch);
    cache.advance(decider, 'a', 1n, { state: 'state@3', position: positionOf(3n), eventIds: ['new-2', 'new-3'] }, cache.epoch);
    const advanced = cache.get<string>(decider, 'a', 0);
    expect(advanced).toMatchObject({ state: 'state@3', revision: 3n, position: positionOf(3n) });
    expect(advanced?.eventIds.get('new-3')).toBe(3n);

    cache.advance(decider, 'a', 1n, { state: 'stale', position: positionOf(2n), eventIds: ['late'] }, cache.epoch);
    cache.advance(decider, 'b', -1n, { state: 'unknown stream', position: positionOf(0n), eventIds: ['b-0'] }, cache.epoch);
    expect(cache.get(decider, 'a', 0)?.state).toBe('state@3');
    expect(cache.get(decider, 'b', 0)).toBeUndefined();
  });

  it('does not move a state on with events decided before a clear()', () => {
    const cache = new StreamStateCache();
    const epoch = cache.epoch;
    cache.clear();
    cache.set(decider, 'a', entry(1), cache.epoch);
    cache.advance(decider, 'a', 1n, { state: 'decided before', position: positionOf(2n), eventIds: ['x'] }, epoch);
    expect(cache.get(decider, 'a', 0)?.state).toBe('state@1');
  });

  it('after clear(), keeps nothing folded from events read before it', () => {
    const cache = new StreamStateCache();
    const epoch = cache.epoch;
    cache.set(decider, 'a', entry(1), epoch);
    cache.clear();
    expect(cache.get(decider, 'a', 0)).toBeUndefined();
    cache.set(decider, 'b', entry(1), epoch);
    expect(cache.get(decider, 'b', 0)).toBeUndefined();
    cache.set(decider, 'b', entry(1), cache.epoch);
    expect(cache.get(decider, 'b', 0)).toBeDefined();
  });
});
