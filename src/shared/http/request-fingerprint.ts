import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { bodyLimitBreach } from './body-limits';

/** JSON with every object's keys sorted, so the same body spelled in another order fingerprints the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What an Idempotency-Key is bound to besides the principal: the method, the path (ids included)
 * and the body. The key itself goes into the hash too, as a salt: the fingerprint is kept with the
 * events, and a bare hash of a body would let anyone who can guess the body confirm it.
 * Null when the body is beyond the request bounds: validation refuses it anyway (and canonicalising
 * it would be the very work the bounds prevent).
 */
export function requestFingerprint(request: FastifyRequest, idempotencyKey: string): string | null {
  const body: unknown = request.body;
  if (bodyLimitBreach(body) !== null) return null;
  const path = (request.url ?? '').split('?')[0];
  return createHash('sha256')
    .update(JSON.stringify([idempotencyKey, request.method, path, canonicalJson(body ?? null)]))
    .digest('hex');
}
