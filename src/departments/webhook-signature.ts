import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures. Each delivery carries
 *   Webhook-Id: <event id>            (the same on every retry: receivers de-duplicate on it)
 *   Webhook-Timestamp: <unix seconds> (of this attempt: receivers reject stale ones against replay)
 *   Webhook-Signature: v1=<hex>       (HMAC-SHA256, keyed with the UTF-8 bytes of the secret, of `${timestamp}.${body}`)
 * Signing the timestamp with the body stops an eavesdropper from replaying an old body later.
 */

export const SIGNATURE_VERSION = 'v1';

/** The hex HMAC-SHA256 of `${timestamp}.${body}`. */
export function computeSignature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The Webhook-Signature header value. */
export function signatureHeader(secret: string, timestamp: string, body: string): string {
  return `${SIGNATURE_VERSION}=${computeSignature(secret, timestamp, body)}`;
}

/** How a receiver checks a delivery (constant-time comparison); exported for receivers written in TypeScript. */
export function verifySignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(signatureHeader(secret, timestamp, body));
  return header
    .split(/[ ,]+/)
    .map((candidate) => Buffer.from(candidate))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
}

/** A fresh secret: 32 random bytes, base64url, with a prefix that makes it recognisable in a secret scanner. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
