import type { Role } from './roles';

/**
 * Creating and revoking API keys are security-relevant changes, so each is an event (stream
 * `access-key-<id>`) for the audit trail. The events never hold the key or its hash: the log is
 * immutable and widely read, and the hash lives in the `access_keys` collection only.
 */
export const ACCESS_KEY_STREAM_PREFIX = 'access-key-';

export function accessKeyStream(keyId: string): string {
  return `${ACCESS_KEY_STREAM_PREFIX}${keyId}`;
}

export interface AccessKeyCreatedData {
  keyId: string;
  /** The key's public prefix (rk_<prefix>_...), to tell keys apart in logs. */
  prefix: string;
  name: string;
  roles: Role[];
  pii: boolean;
  expiresAt: string | null;
}

export interface AccessKeyRevokedData {
  keyId: string;
  prefix: string;
}

export type AccessKeyEvent =
  { type: 'AccessKeyCreated'; data: AccessKeyCreatedData } | { type: 'AccessKeyRevoked'; data: AccessKeyRevokedData };

export const ACCESS_KEY_EVENT_TYPES = ['AccessKeyCreated', 'AccessKeyRevoked'] as const;
