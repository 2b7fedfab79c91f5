import { createHmac, createPublicKey, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import type { JwtConfig } from '../config/config';
import { AuthenticationFailed } from './authentication-failed';
import { isRole, PII_GRANT, type Principal, type Role } from './roles';

/** Tolerated difference between the identity provider's clock and ours, for exp and nbf. */
export const JWT_CLOCK_SKEW_SECONDS = 30;
/** Longer tokens are refused before any parsing. */
export const MAX_JWT_LENGTH = 8192;
/**
 * Actors that Relata itself writes (API keys, schedulers, importers, and `system:anonymous` for a
 * request no credential authenticated): a token claiming one of them as its subject would pass for
 * it in the event log, so such subjects are refused.
 */
export const RESERVED_SUBJECT_PREFIXES = ['key:', 'system:', 'importer:'] as const;
/**
 * Whole subjects Relata has written itself: "anonymous" is the actor of every event recorded before
 * authentication existed, so a token with that subject would blend into that history.
 */
export const RESERVED_SUBJECT_NAMES = ['anonymous'] as const;

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** No control or invisible formatting characters, no line or paragraph separators, nothing blank at either end. */
const SUBJECT = /^(?![\s\p{Cf}])[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]{1,200}(?<!\s)$/u;

/**
 * Whether a subject reads as one of Relata's own actors. Compared the way a reader of the log
 * would see it: compatibility-normalised (full-width letters), case-folded, trimmed.
 */
export function imitatesReservedSubject(subject: string): boolean {
  const seen = subject.normalize('NFKC').trim().toLowerCase();
  return (
    RESERVED_SUBJECT_PREFIXES.some((prefix) => seen.startsWith(prefix)) || (RESERVED_SUBJECT_NAMES as readonly string[]).includes(seen)
  );
}

function decodeJson(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new AuthenticationFailed(`the token's ${what} is not base64url-encoded JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new AuthenticationFailed(`the token's ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** The claim by its exact name, else by a dotted path into nested objects (`realm_access.roles`). */
function claimAt(payload: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(payload, name)) return payload[name];
  let current: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A list of strings, or one string of names separated by spaces or commas (like `scope`). */
function grantsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((item) => item !== '');
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/**
 * Verifies bearer JWTs (RFC 7519) with node:crypto only: HS256 (HMAC-SHA256 with the shared secret)
 * or RS256 (RSASSA-PKCS1-v1_5 with SHA-256 and the RSA public key), whichever is configured. The
 * header's `alg` must be exactly that one, so neither `none` nor an HS256 token "signed" with the
 * public key (algorithm confusion) gets through. `exp` is required; `nbf`, `iss` and `aud` are
 * checked as configured; `sub` becomes the subject and the roles claim the roles (`pii` among
 * them grants unmasked personal data).
 */
export class JwtVerifier {
  private readonly publicKey: KeyObject | null;

  constructor(private readonly config: JwtConfig) {
    this.publicKey = config.algorithm === 'RS256' ? createPublicKey(config.key) : null;
  }

  verify(token: string, now: Date): Principal {
    if (token.length > MAX_JWT_LENGTH) throw new AuthenticationFailed('the token is too long');
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part))) throw new AuthenticationFailed('the token is not a JWT');
    const header = decodeJson(parts[0], 'header');
    if (header.alg !== this.config.algorithm) throw new AuthenticationFailed(`the token must be signed with ${this.config.algorithm}`);
    if (header.crit !== undefined) throw new AuthenticationFailed('the token has critical header parameters this server does not know');
    if (!this.signatureMatches(`${parts[0]}.${parts[1]}`, Buffer.from(parts[2], 'base64url'))) {
      throw new AuthenticationFailed('the token signature is not valid');
    }
    const payload = decodeJson(parts[1], 'payload');
    this.checkTimes(payload, now);
    if (this.config.issuer !== null && payload.iss !== this.config.issuer)
      throw new AuthenticationFailed('the token is from another issuer');
    if (this.config.audience !== null && !this.audienceMatches(payload.aud))
      throw new AuthenticationFailed('the token is meant for another audience');
    const subject = payload.sub;
    if (typeof subject !== 'string' || !SUBJECT.test(subject)) throw new AuthenticationFailed('the token has no valid subject (sub)');
    if (imitatesReservedSubject(subject)) throw new AuthenticationFailed('the token subject is reserved for actors Relata records itself');
    const grants = grantsOf(claimAt(payload, this.config.rolesClaim));
    const roles: Role[] = [...new Set(grants.filter(isRole))];
    return { subject, roles, pii: grants.includes(PII_GRANT), via: 'jwt' };
  }

  private signatureMatches(signed: string, signature: Buffer): boolean {
    if (this.publicKey === null) {
      const expected = createHmac('sha256', this.config.key).update(signed, 'ascii').digest();
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    }
    try {
      return verify('sha256', Buffer.from(signed, 'ascii'), this.publicKey, signature);
    } catch {
      return false;
    }
  }

  private checkTimes(payload: Record<string, unknown>, now: Date): void {
    const seconds = now.getTime() / 1000;
    const { exp, nbf } = payload;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new AuthenticationFailed('the token has no expiry time (exp)');
    if (seconds >= exp + JWT_CLOCK_SKEW_SECONDS) throw new AuthenticationFailed('the token has expired');
    if (nbf !== undefined) {
      if (typeof nbf !== 'number' || !Number.isFinite(nbf)) throw new AuthenticationFailed('the token has a malformed nbf');
      if (seconds + JWT_CLOCK_SKEW_SECONDS < nbf) throw new AuthenticationFailed('the token is not valid yet');
    }
  }

  private audienceMatches(aud: unknown): boolean {
    const audience = this.config.audience;
    return aud === audience || (Array.isArray(aud) && aud.includes(audience));
  }
}
