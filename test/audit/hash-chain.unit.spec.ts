import type { EventMetadata, RecordedEvent } from '../../src/shared/event-store/event-store.port';
import { canonicalJson, chainEvents, checkLink, eventHash, eventHashV2 } from '../../src/shared/event-store/hash-chain';
import { positionOf } from '../../src/shared/event-store/position';

const metadata: EventMetadata = {
  actor: 'user:ana',
  correlationId: 'corr-1',
  causationId: 'cmd-1',
  occurredAt: '2026-03-10T12:00:00.000Z',
  recordedAt: '2026-03-10T12:00:00.000Z',
  schemaVersion: 1,
};

/** The events of the known-answer vectors, for both schemes. */
const vectorEvents = {
  opened: { id: 'e-1', type: 'Opened', data: { name: 'Ana' }, metadata },
  renamed: { id: 'e-2', type: 'Renamed', data: { name: 'Bia' }, metadata },
  closed: { id: 'e-3', type: 'Closed', data: null, metadata },
  noted: { id: 'e-4', type: 'Noted', data: { nested: { b: -1.5, a: true }, list: [1, undefined, 'Zoë'] }, metadata },
};

/**
 * Their digests, per scheme: the three events chained in stream s-1 (opened, renamed, closed),
 * then noted alone in stream s-2. Computed outside Relata (see the known-answer tests below).
 */
const KNOWN_DIGESTS = {
  v1: [
    'a00d2a2c551c0a395b276d9fcc2c67184f4cecaf1eee8177e7f03e08093fca3f',
    'a4438c6302dae48f72a6bdbd5dad009e96dd64d293cc5b01c116baa048215757',
    'c4d1acd899277b2e264f3ebcc160c1098ffd8ef1f0d289843db8556e05a810e2',
    '3316ad1424a813e252db3792e4d787344d393b3758e2e775c2b0266af97badc2',
  ],
  v2: [
    '199456d9dd0be72659b5b3b22c7a379edf535681ad89cf1fb457870d3d3dba34',
    'aee7107375e63c0446910af0b452da125f4928646e7550db47e48b2fb148189d',
    '25b8625053325c2e0c5f3679c900e5c91e78bba4249d38201ccbadea841d2fe7',
    '53337a392ac26eb8bdf78b7ebc209656a149c4ead2aab12827dcda29c49a1e37',
  ],
};

function recorded(
  streamName: string,
  revision: bigint,
  event: { id: string; type: string; data: unknown; metadata: EventMetadata },
): RecordedEvent {
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
    expect(() => canonicalJson({ n: 1n })).toThrow(new TypeError('canonicalJson: bigint is not JSON'));
  });

  it('spells booleans and null as JSON does, and leaves out functions and symbols', () => {
    expect(canonicalJson({ t: true, f: false, n: null, fn: () => 1, s: Symbol('x') })).toBe('{"f":false,"n":null,"t":true}');
    expect(canonicalJson([true, false])).toBe('[true,false]');
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
    expect(second.metadata.hash).toBe(eventHashV2({ streamName: 's-1', ...batch[1] }, first.metadata.hash as string));
    expect(chainEvents('s-1', batch, null)).toEqual([first, second]);
  });

  it('hands the store the serialised text it hashed: the JSON of the data and of the chained metadata', () => {
    const [first] = chainEvents('s-1', batch, null);
    expect(first.metadata.chain).toBe('relata-chain-v2');
    expect(first.stored).toEqual({ data: JSON.stringify(batch[0].data), metadata: JSON.stringify(first.metadata) });
    const [bare] = chainEvents('s-1', [{ ...batch[0], data: undefined, metadata: {} as EventMetadata }], null);
    expect(bare.stored).toEqual({ data: 'null', metadata: JSON.stringify(bare.metadata) });
    expect(JSON.parse(bare.stored!.metadata)).toEqual({ chain: 'relata-chain-v2', hash: bare.metadata.hash, prevHash: null });
  });

  /** The hash of the first event, and of each variant of it that changes one covered part. */
  const hashesOfVariants = (hash: typeof eventHash): { base: string; variants: string[] } => {
    const event = { streamName: 's', ...batch[0] };
    return {
      base: hash(event, null),
      variants: [
        hash(event, 'f'.repeat(64)),
        hash({ ...event, streamName: 't' }, null),
        hash({ ...event, id: 'e-9' }, null),
        hash({ ...event, type: 'Other' }, null),
        hash({ ...event, data: { name: 'Ana ' } }, null),
        hash({ ...event, metadata: { ...metadata, actor: 'user:eve' } }, null),
      ],
    };
  };
  const reordered = Object.fromEntries(Object.entries(metadata).reverse()) as EventMetadata;

  it('v2 covers the stream, id, type, data, metadata, predecessor and the order of keys as stored', () => {
    const { base, variants } = hashesOfVariants(eventHashV2);
    expect(variants).toHaveLength(6);
    expect(variants).not.toContain(base);
    expect(eventHashV2({ streamName: 's', ...batch[0], metadata: reordered }, null)).not.toBe(base);
    // ...but not the chain fields themselves.
    const withChain = { ...metadata, chain: 'relata-chain-v2', hash: 'x', prevHash: 'y' };
    expect(eventHashV2({ streamName: 's', ...batch[0], metadata: withChain }, null)).toBe(base);
  });

  it('v1 covers the stream, id, type, data, metadata and predecessor', () => {
    const { base, variants } = hashesOfVariants(eventHash);
    expect(variants).toHaveLength(6);
    expect(variants).not.toContain(base);
    // ...but not the chain fields themselves, nor key order.
    expect(eventHash({ streamName: 's', ...batch[0], metadata: { ...metadata, hash: 'x', prevHash: 'y' } }, null)).toBe(base);
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

    it('accepts a v1 event and a v2 event linked to it, and takes a removed or changed scheme label as altered content', () => {
      const v1Hash = eventHash({ streamName: 's-1', ...batch[0] }, null);
      const v1 = recorded('s-1', 0n, { ...batch[0], metadata: { ...metadata, hash: v1Hash, prevHash: null } });
      const [v2Event] = chainEvents('s-1', [batch[1]], v1Hash);
      const v2 = recorded('s-1', 1n, v2Event);
      expect([checkLink(v1, 0n, null), checkLink(v2, 1n, v1Hash)]).toEqual([null, null]);

      const { chain: _chain, ...unlabelled } = v2.metadata;
      expect(checkLink({ ...v2, metadata: unlabelled as EventMetadata }, 1n, v1Hash)).toMatchObject({ problem: 'content-altered' });
      expect(checkLink({ ...v1, metadata: { ...v1.metadata, chain: 'relata-chain-v2' } }, 0n, null)).toMatchObject({
        problem: 'content-altered',
      });
    });

    it('tells altered content from a broken link, a gap and a missing hash', () => {
      expect(checkLink({ ...second, data: { name: 'Eve' } }, 1n, first.metadata.hash as string)).toMatchObject({
        problem: 'content-altered',
        actual: second.metadata.hash,
      });
      expect(checkLink(second, 1n, 'a'.repeat(64))).toEqual({
        problem: 'broken-link',
        expected: 'a'.repeat(64),
        actual: first.metadata.hash,
      });
      expect(checkLink(second, 0n, null)).toEqual({ problem: 'revision-gap', expected: '0', actual: '1' });
      const { hash: _hash, ...unhashed } = first.metadata;
      expect(checkLink({ ...first, metadata: unhashed as EventMetadata }, 0n, null)).toMatchObject({
        problem: 'missing-hash',
        actual: null,
      });
    });
  });
});

/**
 * Known answers: the digests below were computed once outside Relata (node's crypto over the
 * canonical form written out by hand, as the comment in hash-chain.ts documents it) and are
 * literals here. Any change to what the hash covers or how (the version tag, a field, the key
 * order, the encoding) fails this, and would leave every stored chain unverifiable.
 */
describe('hash chain known-answer vectors (relata-chain-v1)', () => {
  const { opened, renamed, closed } = vectorEvents;
  const [FIRST, SECOND, THIRD] = KNOWN_DIGESTS.v1;

  it('spells the canonical form of the first event as documented', () => {
    expect(
      canonicalJson({ v: 'relata-chain-v1', prev: null, stream: 's-1', id: 'e-1', type: 'Opened', data: { name: 'Ana' }, metadata }),
    ).toBe(
      '{"data":{"name":"Ana"},"id":"e-1","metadata":{"actor":"user:ana","causationId":"cmd-1","correlationId":"corr-1",' +
        '"occurredAt":"2026-03-10T12:00:00.000Z","recordedAt":"2026-03-10T12:00:00.000Z","schemaVersion":1},"prev":null,"stream":"s-1","type":"Opened","v":"relata-chain-v1"}',
    );
  });

  it('hashes a three-event stream to fixed digests', () => {
    expect(eventHash({ streamName: 's-1', ...opened }, null)).toBe(FIRST);
    expect(eventHash({ streamName: 's-1', ...renamed }, FIRST)).toBe(SECOND);
    expect(eventHash({ streamName: 's-1', ...closed }, SECOND)).toBe(THIRD);
  });

  it('hashes nested data, arrays with gaps and non-ASCII text to a fixed digest', () => {
    const { noted } = vectorEvents;
    expect(eventHash({ streamName: 's-2', ...noted }, null)).toBe(KNOWN_DIGESTS.v1[3]);
  });
});

/**
 * Known answers for v2, computed once outside Relata: node's crypto over the payload written out
 * by hand as hash-chain.ts documents it (the metadata text in the order the object lists its keys).
 */
describe('hash chain known-answer vectors (relata-chain-v2)', () => {
  const { opened, renamed, closed } = vectorEvents;
  const [FIRST, SECOND, THIRD] = KNOWN_DIGESTS.v2;

  it('chains a three-event stream to fixed digests', () => {
    expect(chainEvents('s-1', [opened, renamed, closed], null).map((e) => [e.metadata.prevHash, e.metadata.hash])).toEqual([
      [null, FIRST],
      [FIRST, SECOND],
      [SECOND, THIRD],
    ]);
    expect(eventHashV2({ streamName: 's-1', ...renamed }, FIRST)).toBe(SECOND);
  });

  it('hashes nested data, arrays with gaps and non-ASCII text to a fixed digest', () => {
    const { noted } = vectorEvents;
    expect(eventHashV2({ streamName: 's-2', ...noted }, null)).toBe(KNOWN_DIGESTS.v2[3]);
  });
});
