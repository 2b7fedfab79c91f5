import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { API_KEY_PATTERN, apiKeyMatches, generateApiKey, hashApiKey, parseApiKey } from '../../src/access/api-key-format';
import { ConfigError, loadConfig } from '../../src/config/config';

const KEY = 'rk_Abcd1234_0123456789abcdefghijABCDEFGHIJKL';

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('access control settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-access-config-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('defaults: no bootstrap key (one is generated), API keys only, 600 requests a minute, 1 MiB bodies', () => {
    expect(loadConfig({})).toMatchObject({ bootstrapAdminKey: null, jwt: null, rateLimitPerMinute: 600, bodyLimitBytes: 1048576 });
  });

  it('takes a well-formed bootstrap admin key and refuses others without echoing them', () => {
    expect(loadConfig({ RELATA_BOOTSTRAP_ADMIN_KEY: KEY }).bootstrapAdminKey).toBe(KEY);
    const error = refusal({ RELATA_BOOTSTRAP_ADMIN_KEY: 'hunter2-is-my-password' });
    expect(error.variable).toBe('RELATA_BOOTSTRAP_ADMIN_KEY');
    expect(error.message).not.toContain('hunter2');
  });

  it('HS256 with a secret of at least 32 bytes; issuer, audience and roles claim', () => {
    const secret = 's'.repeat(32);
    expect(
      loadConfig({
        RELATA_JWT_SECRET: secret,
        RELATA_JWT_ISSUER: 'https://idp/',
        RELATA_JWT_AUDIENCE: 'relata',
        RELATA_JWT_ROLES_CLAIM: 'groups',
      }).jwt,
    ).toEqual({
      algorithm: 'HS256',
      key: secret,
      issuer: 'https://idp/',
      audience: 'relata',
      rolesClaim: 'groups',
    });
    expect(loadConfig({ RELATA_JWT_SECRET: secret }).jwt).toMatchObject({ issuer: null, audience: null, rolesClaim: 'roles' });
    const short = refusal({ RELATA_JWT_SECRET: 'short-secret' });
    expect(short.variable).toBe('RELATA_JWT_SECRET');
    expect(short.message).not.toContain('short-secret');
  });

  it('RS256 with a PEM public key given inline (also with \\n escapes) or as a file path', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const file = path.join(dir, 'idp.pem');
    fs.writeFileSync(file, pem);
    for (const value of [pem, pem.replace(/\n/g, '\\n'), file]) {
      expect(loadConfig({ RELATA_JWT_PUBLIC_KEY: value }).jwt).toMatchObject({ algorithm: 'RS256', key: pem });
    }
  });

  it('refuses a bad public key, both algorithms at once, and JWT settings without JWTs', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(refusal({ RELATA_JWT_PUBLIC_KEY: ec }).variable).toBe('RELATA_JWT_PUBLIC_KEY');
    expect(refusal({ RELATA_JWT_PUBLIC_KEY: small }).variable).toBe('RELATA_JWT_PUBLIC_KEY');
    expect(refusal({ RELATA_JWT_PUBLIC_KEY: path.join(dir, 'missing.pem') }).message).toMatch(/ENOENT/);
    expect(refusal({ RELATA_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----' }).variable).toBe(
      'RELATA_JWT_PUBLIC_KEY',
    );
    expect(refusal({ RELATA_JWT_SECRET: 's'.repeat(32), RELATA_JWT_PUBLIC_KEY: ec }).variable).toBe('RELATA_JWT_SECRET');
    expect(refusal({ RELATA_JWT_AUDIENCE: 'relata' }).variable).toBe('RELATA_JWT_AUDIENCE');
  });

  it('validates the rate limit and the body limit like the other numbers', () => {
    expect(loadConfig({ RELATA_RATE_LIMIT_PER_MINUTE: '0', RELATA_BODY_LIMIT_BYTES: '4096' })).toMatchObject({
      rateLimitPerMinute: 0,
      bodyLimitBytes: 4096,
    });
    expect(refusal({ RELATA_RATE_LIMIT_PER_MINUTE: 'lots' }).variable).toBe('RELATA_RATE_LIMIT_PER_MINUTE');
    expect(refusal({ RELATA_BODY_LIMIT_BYTES: '10' }).variable).toBe('RELATA_BODY_LIMIT_BYTES');
  });
});

describe('API key format', () => {
  it('generates rk_<prefix8>_<secret32> keys, distinct each time, and parses them', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).toMatch(API_KEY_PATTERN);
    expect(a.key).not.toBe(b.key);
    expect(parseApiKey(a.key)).toEqual(a);
    for (const bad of [
      'rk_short_0123456789abcdefghijABCDEFGHIJKL',
      `${KEY}x`,
      KEY.replace('rk_', 'pk_'),
      'rk_Abcd1234_0123456789abcdefghijABCDEFGHIJK!',
    ]) {
      expect(parseApiKey(bad)).toBeNull();
    }
  });

  it('stores a SHA-256 hash and matches only the same key', () => {
    const hash = hashApiKey(KEY);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(KEY.slice(12));
    expect(apiKeyMatches(KEY, hash)).toBe(true);
    expect(apiKeyMatches(KEY.replace(/L$/, 'M'), hash)).toBe(false);
    expect(apiKeyMatches(KEY, 'abcd')).toBe(false);
  });
});
