import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `rk_<prefix>_<secret>`: `rk_` says what it is (secret scanners match it), the
 * 8-character prefix identifies the key (it is stored and listed in clear, and finds the key in
 * one lookup) and the 32-character secret (base62, about 190 bits) proves possession.
 *
 * Only a SHA-256 hash of the whole key is stored. A slow password hash (scrypt, argon2) protects
 * low-entropy secrets that people choose against guessing; these are long random strings, so no
 * guess can succeed and a fast hash is as safe while costing microseconds on every request.
 */
export const API_KEY_PATTERN = /^rk_([0-9A-Za-z]{8})_([0-9A-Za-z]{32})$/;
export const API_KEY_FORMAT = 'rk_ followed by 8 letters or digits, _ and 32 letters or digits';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function randomBase62(length: number): string {
  let out = '';
  // randomInt draws uniformly (no modulo bias).
  for (let i = 0; i < length; i++) out += BASE62[randomInt(BASE62.length)];
  return out;
}

export interface ParsedApiKey {
  key: string;
  prefix: string;
}

export function parseApiKey(value: string): ParsedApiKey | null {
  const match = API_KEY_PATTERN.exec(value);
  return match ? { key: value, prefix: match[1] } : null;
}

export function generateApiKey(): ParsedApiKey {
  const prefix = randomBase62(8);
  return { key: `rk_${prefix}_${randomBase62(32)}`, prefix };
}

/** Hex SHA-256 of the key: what the store keeps. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Compares a presented key with a stored hash in constant time. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKey(key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
