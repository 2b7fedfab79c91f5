import { createHash, randomUUID } from 'node:crypto';

/** Ids are injected so tests can make them predictable. */
export interface IdGenerator {
  next(): string;
}

export const ID_GENERATOR = Symbol('ID_GENERATOR');

export class RandomIdGenerator implements IdGenerator {
  next(): string {
    return randomUUID();
  }
}

/** Predictable ids for tests: 00000000-0000-4000-8000-000000000001, ...002, ... */
export class SequentialIdGenerator implements IdGenerator {
  private counter = 0;

  constructor(private readonly prefix = '00000000-0000-4000-8000-') {}

  next(): string {
    this.counter += 1;
    return `${this.prefix}${this.counter.toString(16).padStart(12, '0')}`;
  }
}

// Fixed namespace of Relata's name-based (v5) uuids.
const RELATA_NAMESPACE = '6f1d9c2e-4b7a-5e3f-9a8b-2c4d6e8f0a1b';

/**
 * A name-based uuid (RFC 9562 version 5, SHA-1) from a namespace and a name: the same inputs
 * always give the same id. Used to derive event and entity ids from an Idempotency-Key, and
 * deterministic ids for importers.
 */
export function deterministicUuid(name: string, namespace: string = RELATA_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
