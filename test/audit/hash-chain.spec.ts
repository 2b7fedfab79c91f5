import type { EventMetadata, RecordedEvent } from '../../src/shared/event-store/event-store.port';
import { canonicalJson, chainEvents, checkLink, eventHash } from '../../src/shared/event-store/hash-chain';
import { positionOf } from '../../src/shared/event-store/position';

const metadata: EventMetadata = {
  actor: 'user:ana',
  correlationId: 'corr-1',
  causationId: 'cmd-1',
  occurredAt: '2026-03-10T12:00:00.000Z',
  recordedAt: '2026-03-10T12:00:00.000Z',
  schemaVersion: 1,
};

function recorded(streamName: string, revision: bigint, event: { id: string; type: string; data: unknown; metadata: EventMetadata }): RecordedEvent {
  return { ...event, streamName, revision, position: positionOf(revision) };
}

describe('canonical JSON', () => {
  it('sorts keys at every depth and leaves out whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('is the same for a value and its JSON round trip (what a store gives back)', () => {
    const value = { when: new Date('2026-01-01T00:00:00Z'), gone: undefined, list: [1, undefined, NaN], n: -0, text: 'Zoë "q" \n' };
    expect(canonicalJson(value)).toBe(canonicalJson(JSON.parse(JSON.stringify(value))));
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('refuses bigints, which JSON cannot hold', () => {
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});

describe('hash chain', () => {
  const batch = [
    { id: 'e-1', type: 'Opened', data: { name: 'Ana' }, metadata },
    { id: 'e-2', type: 'Renamed', data: { name: 'Bia' }, metadata },
  ];

  it('chains each event to the one before, starting from the given hash', () => {
    const [first, second] = chainEvents('s-1', batch, null);
    expect(first.metadata.prevHash).toBeNull();
    expect(first.metadata.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(second.metadata.prevHash).toBe(first.metadata.hash);
    expect(second.metadata.hash).toBe(eventHash({ streamName: 's-1', ...batch[1] }, first.metadata.hash as string));
    expect(chainEvents('s-1', batch, null)).toEqual([first, second]);
  });

  it('covers the stream, id, type, data, metadata and predecessor', () => {
    const base = eventHash({ streamName: 's', ...batch[0] }, null);
    expect(eventHash({ streamName: 's', ...batch[0] }, 'f'.repeat(64))).not.toBe(base);
    expect(eventHash({ streamName: 't', ...batch[0] }, null)).not.toBe(base);
    expect(eventHash({ streamName: 's', ...batch[0], id: 'e-9' }, null)).not.toBe(base);
    expect(eventHash({ streamName: 's', ...batch[0], type: 'Other' }, null)).not.toBe(base);
    expect(eventHash({ streamName: 's', ...batch[0], data: { name: 'Ana ' } }, null)).not.toBe(base);
    expect(eventHash({ streamName: 's', ...batch[0], metadata: { ...metadata, actor: 'user:eve' } }, null)).not.toBe(base);
    // ...but not the chain fields themselves, nor key order.
    expect(eventHash({ streamName: 's', ...batch[0], metadata: { ...metadata, hash: 'x', prevHash: 'y' } }, null)).toBe(base);
    const reordered = Object.fromEntries(Object.entries(metadata).reverse()) as EventMetadata;
    expect(Object.keys(reordered)).not.toEqual(Object.keys(metadata));
    expect(eventHash({ streamName: 's', ...batch[0], metadata: reordered }, null)).toBe(base);
  });

  it('re-chains events that already carry chain fields', () => {
    const once = chainEvents('s-1', batch, null);
    expect(chainEvents('s-1', once, null)).toEqual(once);
  });

  describe('checkLink', () => {
    const [first, second] = chainEvents('s-1', batch, null).map((event, i) => recorded('s-1', BigInt(i), event));

    it('accepts an intact chain', () => {
      expect(checkLink(first, 0n, null)).toBeNull();
      expect(checkLink(second, 1n, first.metadata.hash as string)).toBeNull();
    });

    it('tells altered content from a broken link, a gap and a missing hash', () => {
      expect(checkLink({ ...second, data: { name: 'Eve' } }, 1n, first.metadata.hash as string)).toMatchObject({
        problem: 'content-altered',
        actual: second.metadata.hash,
      });
      expect(checkLink(second, 1n, 'a'.repeat(64))).toEqual({ problem: 'broken-link', expected: 'a'.repeat(64), actual: first.metadata.hash });
      expect(checkLink(second, 0n, null)).toEqual({ problem: 'revision-gap', expected: '0', actual: '1' });
      const { hash: _hash, ...unhashed } = first.metadata;
      expect(checkLink({ ...first, metadata: unhashed as EventMetadata }, 0n, null)).toMatchObject({ problem: 'missing-hash', actual: null });
    });
  });
});
