import { createHash } from 'node:crypto';
import type { EventMetadata, NewEvent, RecordedEvent } from './event-store.port';

/**
 * Tamper evidence: every event's metadata carries `hash`, a SHA-256 over the event as stored,
 * chained to the previous event of its stream through `prevHash`. `prev` is the previous event's
 * `hash` in the stream (null for revision 0), `data` is the data as stored (personal fields
 * already encrypted, so the chain still verifies after a key is deleted). `prevHash` repeats
 * `prev` so a broken link can be told from altered content.
 *
 * Two schemes; every event says which by `metadata.chain` (absent: v1), and both verify:
 *
 * relata-chain-v2 (written since issue 14): a hash over the bytes the store writes. The data and
 * the metadata (without `chain`, `hash`, `prevHash`) are serialised once with JSON.stringify;
 * those strings are hashed and handed to the adapter to store as they are (NewEvent.stored):
 *
 *   hash = sha256hex('["relata-chain-v2",' + JSON(prev) + ',' + JSON(stream) + ',' + JSON(id) + ','
 *                    + JSON(type) + ',' + dataJson + ',' + metadataJson + ']')
 *
 * Verification serialises what it reads back again: JSON.stringify of a value parsed from
 * JSON.stringify's own output gives the same string (same key order, same number and string
 * spelling), so an intact event hashes to the same bytes and any change to a value, a key or the
 * key order shows. Only a change that JSON parsing erases (whitespace between tokens, a
 * character written as an escape) changes no value and is not reported.
 *
 * relata-chain-v1 (before): a hash over canonical JSON (keys sorted) of a copy:
 *
 *   hash = sha256hex(canonicalJson({ v: 'relata-chain-v1', prev, stream, id, type, data, metadata }))
 *
 * with `metadata` without `hash` and `prevHash`. Costlier (a sorted copy per event besides the
 * serialisation the store makes), kept for verifying events written with it.
 *
 * Changing an event's data, type, id or metadata changes its hash; deleting, inserting or
 * reordering events breaks the next event's link. A chain alone cannot show that the last events
 * of a stream were cut off: anchor `head.hash` from a verification run elsewhere if that matters.
 */
export const CHAIN_VERSION = 'relata-chain-v1';

export interface ChainFields {
  hash: string;
  prevHash: string | null;
}

/** The chain's view of an event: what the hash covers. */
export interface ChainInput {
  streamName: string;
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace. Follows JSON.stringify
 * for everything else (toJSON, undefined members skipped, undefined in arrays and non-finite
 * numbers as null), so a value hashes the same before it is stored and after it is read back.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value) ?? 'null';
}

function serialise(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('canonicalJson: bigint is not JSON');
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((item) => serialise(item) ?? 'null').join(',')}]`;
      const record = value as Record<string, unknown>;
      const members: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const member = serialise(record[key]);
        if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      // undefined, functions and symbols are left out, as JSON.stringify does.
      return undefined;
  }
}

/** The metadata as the hash covers it: without the chain's own fields. */
export function metadataWithoutChain(metadata: EventMetadata): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (key !== 'hash' && key !== 'prevHash') rest[key] = value;
  }
  return rest;
}

/** The v1 hash of an event chained to `prev` (events written before v2; see the top of this file). */
export function eventHash(event: ChainInput, prev: string | null): string {
  const payload = canonicalJson({
    v: CHAIN_VERSION,
    prev,
    stream: event.streamName,
    id: event.id,
    type: event.type,
    data: event.data ?? null,
    metadata: metadataWithoutChain(event.metadata),
  });
  return createHash('sha256').update(payload, 'utf8').digest('hex');
}

/** The scheme of events chained since issue 14: a hash over the stored bytes. */
export const CHAIN_VERSION_V2 = 'relata-chain-v2';

/** The metadata as v2 hashes it: without the chain's own fields (the same object when it has none). */
function metadataWithoutChainV2(metadata: EventMetadata): EventMetadata {
  if (!('hash' in metadata) && !('prevHash' in metadata) && !('chain' in metadata)) return metadata;
  const { hash: _hash, prevHash: _prevHash, chain: _chain, ...rest } = metadata;
  return rest as EventMetadata;
}

/** The v2 hash over the serialised data and metadata (see the top of this file). */
function hashV2(prev: string | null, streamName: string, id: string, type: string, dataJson: string, metadataJson: string): string {
  return createHash('sha256')
    .update(`["${CHAIN_VERSION_V2}",${JSON.stringify(prev)},${JSON.stringify(streamName)},${JSON.stringify(id)},${JSON.stringify(type)},`)
    .update(dataJson)
    .update(',')
    .update(metadataJson)
    .update(']')
    .digest('hex');
}

/** The v2 hash of an event as read back: its data and metadata serialised again. */
export function eventHashV2(event: ChainInput, prev: string | null): string {
  const metadataJson = JSON.stringify(metadataWithoutChainV2(event.metadata));
  return hashV2(prev, event.streamName, event.id, event.type, JSON.stringify(event.data ?? null), metadataJson);
}

/**
 * The batch with `chain`, `hash` and `prevHash` in each event's metadata, chained from `prev`
 * (v2), each with the serialised form the hash covers for the store to write as it is.
 */
export function chainEvents(streamName: string, events: NewEvent[], prev: string | null): NewEvent[] {
  let previous = prev;
  return events.map((event) => {
    const metadata = metadataWithoutChainV2(event.metadata);
    const data = JSON.stringify(event.data ?? null);
    const metadataJson = JSON.stringify(metadata);
    const hash = hashV2(previous, streamName, event.id, event.type, data, metadataJson);
    // Appended after the hashed members: what JSON.stringify of the chained metadata object gives.
    const chainMembers = `"chain":"${CHAIN_VERSION_V2}","hash":"${hash}","prevHash":${JSON.stringify(previous)}}`;
    const stored = { data, metadata: metadataJson === '{}' ? `{${chainMembers}` : `${metadataJson.slice(0, -1)},${chainMembers}` };
    const chained: NewEvent = { ...event, metadata: { ...metadata, chain: CHAIN_VERSION_V2, hash, prevHash: previous }, stored };
    previous = hash;
    return chained;
  });
}

/** The stored hash of an event, or null when it carries none (not chained). */
export function storedHash(event: Pick<RecordedEvent, 'metadata'>): string | null {
  const hash = event.metadata.hash;
  return typeof hash === 'string' ? hash : null;
}

export type LinkProblem = 'missing-hash' | 'revision-gap' | 'broken-link' | 'content-altered';

export interface LinkCheck {
  problem: LinkProblem;
  /** What the chain expects: the previous hash, the recomputed hash, or the expected revision. */
  expected: string | null;
  /** What the event carries. */
  actual: string | null;
}

/**
 * Checks one event against the chain so far: its revision follows the previous one, it links to
 * the previous event's hash, and its own hash matches its content. Null when it holds.
 */
export function checkLink(event: RecordedEvent, expectedRevision: bigint, prev: string | null): LinkCheck | null {
  if (event.revision !== expectedRevision) {
    return { problem: 'revision-gap', expected: expectedRevision.toString(), actual: event.revision.toString() };
  }
  const hash = storedHash(event);
  if (hash === null) return { problem: 'missing-hash', expected: eventHashV2(event, prev), actual: null };
  const linked = event.metadata.prevHash;
  const actualPrev = typeof linked === 'string' ? linked : null;
  if (actualPrev !== prev) return { problem: 'broken-link', expected: prev, actual: actualPrev };
  // A changed or removed scheme label shows too: the other scheme's hash does not match.
  const recomputed = event.metadata.chain === CHAIN_VERSION_V2 ? eventHashV2(event, prev) : eventHash(event, prev);
  if (recomputed !== hash) return { problem: 'content-altered', expected: recomputed, actual: hash };
  return null;
}
