import { generateKeyPairSync } from 'node:crypto';
import { AuthenticationFailed } from '../../src/access/authentication-failed';
import { JWT_CLOCK_SKEW_SECONDS, JwtVerifier } from '../../src/access/jwt-verifier';
import type { JwtConfig } from '../../src/config/config';
import { signHs256, signRs256, unsigned } from '../support/jwt';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const NOW = new Date('2026-03-10T12:00:00.000Z');
const nowS = NOW.getTime() / 1000;
const hs256: JwtConfig = { algorithm: 'HS256', key: SECRET, issuer: null, audience: null, rolesClaim: 'roles' };

function reasonOf(verify: () => unknown): string {
  try {
    verify();
  } catch (error) {
    if (error instanceof AuthenticationFailed) return error.reason;
    throw error;
  }
  throw new Error('the token was accepted');
}

describe('JWT verification (node:crypto only)', () => {
  const verifier = new JwtVerifier(hs256);
  const valid = { sub: 'user-7', exp: nowS + 3600, roles: ['agent', 'analyst'] };

  it('accepts an HS256 token: sub is the subject, known roles are the roles, pii a grant', () => {
    expect(verifier.verify(signHs256(valid, SECRET), NOW)).toEqual({
      subject: 'user-7',
      roles: ['agent', 'analyst'],
      pii: false,
      via: 'jwt',
    });
    expect(verifier.verify(signHs256({ ...valid, roles: ['analyst', 'pii', 'superuser'] }, SECRET), NOW)).toMatchObject({
      roles: ['analyst'],
      pii: true,
    });
    expect(verifier.verify(signHs256({ ...valid, roles: 'agent supervisor' }, SECRET), NOW).roles).toEqual(['agent', 'supervisor']);
    expect(verifier.verify(signHs256({ ...valid, roles: undefined }, SECRET), NOW).roles).toEqual([]);
  });

  it('refuses a wrong signature, another algorithm, alg none and garbage', () => {
    expect(reasonOf(() => verifier.verify(signHs256(valid, `${SECRET}x`), NOW))).toMatch(/signature/);
    const token = signHs256(valid, SECRET);
    const tampered = token.replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ ...valid, roles: ['admin'] })).toString('base64url')}.`);
    expect(reasonOf(() => verifier.verify(tampered, NOW))).toMatch(/signature/);
    expect(reasonOf(() => verifier.verify(unsigned(valid), NOW))).toMatch(/HS256|not a JWT/);
    expect(reasonOf(() => verifier.verify(signHs256(valid, SECRET, { alg: 'HS512' }), NOW))).toMatch(/HS256/);
    expect(reasonOf(() => verifier.verify('not-a-token', NOW))).toMatch(/not a JWT/);
    expect(reasonOf(() => verifier.verify('a.b.c', NOW))).toMatch(/JSON/);
    expect(reasonOf(() => verifier.verify(`${'a'.repeat(9000)}.b.c`, NOW))).toMatch(/too long/);
    expect(reasonOf(() => verifier.verify(signHs256(valid, SECRET, { crit: ['b64'] }), NOW))).toMatch(/critical/);
  });

  it('checks exp (required) and nbf, with a small allowance for clock skew', () => {
    expect(reasonOf(() => verifier.verify(signHs256({ sub: 'u' }, SECRET), NOW))).toMatch(/exp/);
    expect(reasonOf(() => verifier.verify(signHs256({ ...valid, exp: String(nowS + 60) }, SECRET), NOW))).toMatch(/exp/);
    expect(reasonOf(() => verifier.verify(signHs256({ ...valid, exp: nowS - JWT_CLOCK_SKEW_SECONDS }, SECRET), NOW))).toMatch(/expired/);
    expect(verifier.verify(signHs256({ ...valid, exp: nowS - JWT_CLOCK_SKEW_SECONDS + 1 }, SECRET), NOW).subject).toBe('user-7');
    expect(reasonOf(() => verifier.verify(signHs256({ ...valid, nbf: nowS + JWT_CLOCK_SKEW_SECONDS + 1 }, SECRET), NOW))).toMatch(
      /not valid yet/,
    );
    expect(verifier.verify(signHs256({ ...valid, nbf: nowS + JWT_CLOCK_SKEW_SECONDS }, SECRET), NOW).subject).toBe('user-7');
    expect(reasonOf(() => verifier.verify(signHs256({ ...valid, nbf: 'soon' }, SECRET), NOW))).toMatch(/nbf/);
  });

  it('checks iss and aud when configured (aud may be a list)', () => {
    const strict = new JwtVerifier({ ...hs256, issuer: 'https://idp.example.com/', audience: 'relata' });
    const good = { ...valid, iss: 'https://idp.example.com/', aud: 'relata' };
    expect(strict.verify(signHs256(good, SECRET), NOW).subject).toBe('user-7');
    expect(strict.verify(signHs256({ ...good, aud: ['other', 'relata'] }, SECRET), NOW).subject).toBe('user-7');
    expect(reasonOf(() => strict.verify(signHs256({ ...good, iss: 'https://evil.example.com/' }, SECRET), NOW))).toMatch(/issuer/);
    expect(reasonOf(() => strict.verify(signHs256({ ...good, iss: undefined }, SECRET), NOW))).toMatch(/issuer/);
    expect(reasonOf(() => strict.verify(signHs256({ ...good, aud: ['other'] }, SECRET), NOW))).toMatch(/audience/);
    // Not configured: not checked.
    expect(verifier.verify(signHs256({ ...valid, iss: 'anyone', aud: 'anything' }, SECRET), NOW).subject).toBe('user-7');
  });

  it('requires a subject and refuses the prefixes Relata writes itself', () => {
    expect(reasonOf(() => verifier.verify(signHs256({ ...valid, sub: undefined }, SECRET), NOW))).toMatch(/sub/);
    expect(reasonOf(() => verifier.verify(signHs256({ ...valid, sub: 42 }, SECRET), NOW))).toMatch(/sub/);
    expect(reasonOf(() => verifier.verify(signHs256({ ...valid, sub: 'a\nb' }, SECRET), NOW))).toMatch(/sub/);
    for (const sub of ['key:0000', 'system:sla-scheduler', 'importer:cdnow']) {
      expect(reasonOf(() => verifier.verify(signHs256({ ...valid, sub }, SECRET), NOW))).toMatch(/reserved/);
    }
  });

  it('reads the roles from the configured claim, by name or by dotted path', () => {
    const namespaced = new JwtVerifier({ ...hs256, rolesClaim: 'https://relata.example/roles' });
    expect(namespaced.verify(signHs256({ ...valid, 'https://relata.example/roles': ['auditor'] }, SECRET), NOW).roles).toEqual(['auditor']);
    const keycloak = new JwtVerifier({ ...hs256, rolesClaim: 'realm_access.roles' });
    expect(keycloak.verify(signHs256({ ...valid, realm_access: { roles: ['supervisor', 'pii'] } }, SECRET), NOW)).toMatchObject({
      roles: ['supervisor'],
      pii: true,
    });
    expect(keycloak.verify(signHs256({ ...valid, realm_access: 'x' }, SECRET), NOW).roles).toEqual([]);
  });

  describe('RS256', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rs256 = new JwtVerifier({ algorithm: 'RS256', key: pem, issuer: null, audience: null, rolesClaim: 'roles' });

    it('accepts a token signed with the private key, refuses another key and HS256 keyed with the public key', () => {
      expect(rs256.verify(signRs256(valid, privateKey), NOW).subject).toBe('user-7');
      expect(reasonOf(() => rs256.verify(signRs256(valid, other.privateKey), NOW))).toMatch(/signature/);
      // Algorithm confusion: an HS256 token whose "secret" is the public key anyone can read.
      expect(reasonOf(() => rs256.verify(signHs256(valid, pem), NOW))).toMatch(/RS256/);
      expect(reasonOf(() => rs256.verify(signRs256({ ...valid, exp: nowS - 3600 }, privateKey), NOW))).toMatch(/expired/);
    });
  });
});
