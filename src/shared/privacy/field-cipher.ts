import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';

/**
 * Encryption of one personal field value: AES-256-GCM under the subject's data key.
 *
 * Stored form: `enc:v1:<keyId>:<iv base64>:<ciphertext+tag base64>`, where keyId is the subject
 * id (URI-encoded, so it holds no ':'). The value stays a JSON string, so event data keeps its shape.
 *
 * Deterministic IV (a synthetic IV, as in SIV modes): iv = HMAC-SHA256(ivKey, stream, event id,
 * field path, plaintext) cut to 96 bits. The same event appended twice (a retry with the same
 * ids) therefore produces the same stored bytes, and the event store recognises the replay.
 * Why this is safe: GCM breaks only when one key encrypts two different plaintexts under one IV.
 * Here the IV is a PRF of everything that varies, the plaintext included, so two different
 * plaintexts get the same IV only by a 96-bit collision (negligible at the few thousand values a
 * subject has), even if an event id were ever reused. What it reveals is only that two values
 * at the same stream, event id and path are equal, which a retry shows anyway.
 *
 * The stream, event id and path are also the GCM additional data: a ciphertext moved to another
 * field or event no longer decrypts. Both subkeys come from the data key by HKDF, so the HMAC
 * and the cipher never share a key.
 */
export const ENCRYPTED_PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface FieldKeys {
  encryption: Buffer;
  iv: Buffer;
}

/** Where a value sits: binds its ciphertext to its place. */
export interface FieldContext {
  streamName: string;
  eventId: string;
  path: string;
}

export function deriveFieldKeys(dataKey: Buffer): FieldKeys {
  const derive = (info: string): Buffer => Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), info, 32));
  return { encryption: derive('relata:field-encryption:v1'), iv: derive('relata:field-iv:v1') };
}

export function isEncryptedValue(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(ENCRYPTED_PREFIX);
}

export function encryptField(keys: FieldKeys, keyId: string, context: FieldContext, plaintext: string): string {
  const aad = additionalData(context);
  const iv = createHmac('sha256', keys.iv).update(aad).update('\u0000').update(plaintext, 'utf8').digest().subarray(0, IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv);
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${ENCRYPTED_PREFIX}${encodeURIComponent(keyId)}:${iv.toString('base64')}:${sealed.toString('base64')}`;
}

/** The key id an encrypted value names, or null when the value is not one. */
export function keyIdOf(value: string): string | null {
  const parts = parse(value);
  return parts === null ? null : parts.keyId;
}

/** Decrypts a value; throws FieldDecryptionError when it was altered or moved. */
export function decryptField(keys: FieldKeys, context: FieldContext, value: string): string {
  const parts = parse(value);
  if (parts === null) throw new FieldDecryptionError(context, 'not an encrypted value');
  const decipher = createDecipheriv('aes-256-gcm', keys.encryption, parts.iv);
  decipher.setAAD(additionalData(context));
  decipher.setAuthTag(parts.sealed.subarray(parts.sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(parts.sealed.subarray(0, parts.sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new FieldDecryptionError(context, 'authentication failed (altered, or moved from another field)');
  }
}

export class FieldDecryptionError extends Error {
  readonly code = 'FIELD_DECRYPTION_FAILED';
  constructor(context: FieldContext, reason: string) {
    super(`Cannot decrypt ${context.path} of event ${context.eventId} in ${context.streamName}: ${reason}`);
    this.name = 'FieldDecryptionError';
  }
}

function additionalData(context: FieldContext): Buffer {
  return Buffer.from(`relata-field-v1\u0000${context.streamName}\u0000${context.eventId}\u0000${context.path}`, 'utf8');
}

function parse(value: string): { keyId: string; iv: Buffer; sealed: Buffer } | null {
  if (!value.startsWith(ENCRYPTED_PREFIX)) return null;
  const parts = value.slice(ENCRYPTED_PREFIX.length).split(':');
  if (parts.length !== 3) return null;
  const [encodedKeyId, ivText, sealedText] = parts;
  let keyId: string;
  try {
    keyId = decodeURIComponent(encodedKeyId);
  } catch {
    return null;
  }
  const iv = Buffer.from(ivText, 'base64');
  const sealed = Buffer.from(sealedText, 'base64');
  if (keyId === '' || iv.length !== IV_BYTES || sealed.length < TAG_BYTES) return null;
  return { keyId, iv, sealed };
}
