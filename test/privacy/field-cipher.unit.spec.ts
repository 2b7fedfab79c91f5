import { randomBytes } from 'node:crypto';
import {
  decryptField,
  deriveFieldKeys,
  encryptField,
  FieldDecryptionError,
  isEncryptedValue,
  keyIdOf,
} from '../../src/shared/privacy/field-cipher';

describe('field cipher (AES-256-GCM, synthetic IV)', () => {
  const keys = deriveFieldKeys(randomBytes(32));
  const at = { streamName: 'customer-1', eventId: 'e-1', path: 'name' };

  it('round-trips any text, in the stored form enc:v1:<keyId>:<iv>:<ciphertext+tag>', () => {
    for (const text of ['Ana Lima', '', 'Zoë Ñúñez 🙂', 'x'.repeat(5000), 'enc:v1:looks:like:one']) {
      const value = encryptField(keys, 'cust:1', at, text);
      expect(value).toMatch(/^enc:v1:cust%3A1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/=]+$/);
      expect(isEncryptedValue(value)).toBe(true);
      expect(keyIdOf(value)).toBe('cust:1');
      expect(value).not.toContain(text === '' ? 'never' : text);
      expect(decryptField(keys, at, value)).toBe(text);
    }
  });

  it('is deterministic for the same place and text, so a retried append stores the same bytes', () => {
    expect(encryptField(keys, 'c', at, 'Ana')).toBe(encryptField(keys, 'c', at, 'Ana'));
  });

  it('never reuses an IV for a different text, field, event or stream', () => {
    const ivOf = (value: string) => value.split(':')[3];
    const base = encryptField(keys, 'c', at, 'Ana');
    const others = [
      encryptField(keys, 'c', at, 'Ana '),
      encryptField(keys, 'c', { ...at, path: 'email' }, 'Ana'),
      encryptField(keys, 'c', { ...at, eventId: 'e-2' }, 'Ana'),
      encryptField(keys, 'c', { ...at, streamName: 'customer-2' }, 'Ana'),
      encryptField(deriveFieldKeys(randomBytes(32)), 'c', at, 'Ana'),
    ];
    expect(new Set([base, ...others].map(ivOf)).size).toBe(6);
  });

  it('refuses a value that was altered, or moved to another field or event', () => {
    const value = encryptField(keys, 'c', at, 'Ana');
    const parts = value.split(':');
    const sealed = Buffer.from(parts[4], 'base64');
    sealed[0] ^= 1;
    const altered = [...parts.slice(0, 4), sealed.toString('base64')].join(':');
    expect(() => decryptField(keys, at, altered)).toThrow(FieldDecryptionError);
    expect(() => decryptField(keys, { ...at, path: 'email' }, value)).toThrow(/authentication failed/);
    expect(() => decryptField(keys, { ...at, eventId: 'e-9' }, value)).toThrow(FieldDecryptionError);
    expect(() => decryptField(deriveFieldKeys(randomBytes(32)), at, value)).toThrow(FieldDecryptionError);
    expect(() => decryptField(keys, at, 'enc:v1:c:short')).toThrow(/not an encrypted value/);
  });

  it('tells encrypted values from plain ones', () => {
    expect(isEncryptedValue('Ana')).toBe(false);
    expect(isEncryptedValue(null)).toBe(false);
    expect(keyIdOf('Ana')).toBeNull();
  });
});
