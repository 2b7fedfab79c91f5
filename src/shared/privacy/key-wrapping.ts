import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DATA_KEY_BYTES } from './key-store.port';

/**
 * How key stores keep data keys at rest. Optional envelope encryption: with a master key
 * (RELATA_MASTER_KEY) each data key is stored wrapped by AES-256-GCM under it, bound to its
 * subject id, so a copy of the key store alone decrypts nothing. Without one, keys are stored as
 * they are and the key store must be protected like the data (file permissions, database auth).
 *
 * Blob layout: one format byte, then
 * - 0x00 (plain):   key (32 bytes);
 * - 0x01 (wrapped): iv (12) | wrapped key (32) | GCM tag (16).
 *
 * Keys stored plain stay readable after a master key is introduced (new keys are then wrapped);
 * wrapped keys need the master key.
 */
const PLAIN = 0x00;
const WRAPPED = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class KeyWrapping {
  /** @param masterKey 32 bytes, or null to store keys plain. */
  constructor(private readonly masterKey: Buffer | null) {
    if (masterKey !== null && masterKey.length !== DATA_KEY_BYTES) {
      throw new Error(`The master key must be ${DATA_KEY_BYTES} bytes`);
    }
  }

  seal(subjectId: string, key: Buffer): Buffer {
    if (this.masterKey === null) return Buffer.concat([Buffer.from([PLAIN]), key]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(aad(subjectId));
    const wrapped = Buffer.concat([cipher.update(key), cipher.final()]);
    return Buffer.concat([Buffer.from([WRAPPED]), iv, wrapped, cipher.getAuthTag()]);
  }

  open(subjectId: string, blob: Buffer): Buffer {
    if (blob[0] === PLAIN && blob.length === 1 + DATA_KEY_BYTES) return Buffer.from(blob.subarray(1));
    if (blob[0] === WRAPPED && blob.length === 1 + IV_BYTES + DATA_KEY_BYTES + TAG_BYTES) {
      if (this.masterKey === null) {
        throw new Error(`The data key of ${subjectId} is wrapped: set RELATA_MASTER_KEY to the master key it was wrapped with`);
      }
      const iv = blob.subarray(1, 1 + IV_BYTES);
      const wrapped = blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + DATA_KEY_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', this.masterKey, iv);
      decipher.setAAD(aad(subjectId));
      decipher.setAuthTag(blob.subarray(1 + IV_BYTES + DATA_KEY_BYTES));
      try {
        return Buffer.concat([decipher.update(wrapped), decipher.final()]);
      } catch {
        throw new Error(`The data key of ${subjectId} cannot be unwrapped: RELATA_MASTER_KEY is not the key it was wrapped with`);
      }
    }
    throw new Error(`The stored data key of ${subjectId} has an unknown format`);
  }
}

function aad(subjectId: string): Buffer {
  return Buffer.from(`relata-data-key-v1:${subjectId}`, 'utf8');
}

/**
 * RELATA_MASTER_KEY: 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`).
 * Returns null when unset. Throws with a message that does not repeat the value.
 */
export function parseMasterKey(raw: string | undefined): Buffer | null {
  const value = raw?.trim();
  if (value === undefined || value === '') return null;
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(value)) {
    const key = Buffer.from(value, 'base64');
    if (key.length === DATA_KEY_BYTES) return key;
  }
  throw new Error(`must be ${DATA_KEY_BYTES} bytes as 64 hex digits or base64 (e.g. openssl rand -base64 32)`);
}
