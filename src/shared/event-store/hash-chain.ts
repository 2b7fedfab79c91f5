import { createHash } from 'node:crypto';
import type { EventMetadata, NewEvent, RecordedEvent } from './event-store.port';

/**
 * Tamper evidence: every event's metadata carries `hash`, a SHA-256 over the event as stored,
 * chained to the previous event of its stream through `prevHash`:
 *
 *   hash = sha256hex(canonicalJson({ v: 'relata-chain-v1', prev, stream, id, type, data, metadata }))
 *
 * where `prev` is the previous event's `hash` in the stream (null for revision 0), `data` is the
 * data as stored (personal fields already encrypted, so the chain still verifies after a key is
 * deleted) and `metadata` is the metadata without `hash` and `prevHash`. `prevHash` repeats
 * `prev` so a broken link can be told from altered content.
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

/** The hash of an event chained to `prev`. */
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

/** The batch with `hash` and `prevHash` in each event's metadata, chained from `prev`. */
export function chainEvents(streamName: string, events: NewEvent[], prev: string | null): NewEvent[] {
  let previous = prev;
  return events.map((event) => {
    const metadata = metadataWithoutChain(event.metadata) as EventMetadata;
    const hash = eventHash({ streamName, id: event.id, type: event.type, data: event.data, metadata }, previous);
    const chained: NewEvent = { ...event, metadata: { ...metadata, hash, prevHash: previous } };
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
  if (hash === null) return { problem: 'missing-hash', expected: eventHash(event, prev), actual: null };
  const linked = event.metadata.prevHash;
  const actualPrev = typeof linked === 'string' ? linked : null;
  if (actualPrev !== prev) return { problem: 'broken-link', expected: prev, actual: actualPrev };
  const recomputed = eventHash(event, prev);
  if (recomputed !== hash) return { problem: 'content-altered', expected: recomputed, actual: hash };
  return null;
}
