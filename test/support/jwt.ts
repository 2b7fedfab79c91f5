import { createHmac, createSign, type KeyObject } from 'node:crypto';

/** Test-side JWT minting (Relata only verifies tokens; an identity provider issues them). */
const segment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signHs256(claims: Record<string, unknown>, secret: string, header: Record<string, unknown> = {}): string {
  const signed = `${segment({ alg: 'HS256', typ: 'JWT', ...header })}.${segment(claims)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

export function signRs256(claims: Record<string, unknown>, privateKey: KeyObject | string, header: Record<string, unknown> = {}): string {
  const signed = `${segment({ alg: 'RS256', typ: 'JWT', ...header })}.${segment(claims)}`;
  return `${signed}.${createSign('sha256').update(signed).sign(privateKey).toString('base64url')}`;
}

/** An unsigned token ("alg": "none"), which must never be accepted. */
export function unsigned(claims: Record<string, unknown>): string {
  return `${segment({ alg: 'none', typ: 'JWT' })}.${segment(claims)}.`;
}
