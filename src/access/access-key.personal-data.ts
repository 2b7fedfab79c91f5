import type { EventDataInventory } from '../shared/privacy/personal-data';

/**
 * Access-key events concern staff credentials, not customers: the key's name is an operator's label
 * (docs/security-model.md asks not to put people's names in it), the prefix is public by design.
 */
export const ACCESS_KEY_PERSONAL_DATA: readonly EventDataInventory[] = [
  { eventType: 'AccessKeyCreated', personal: [], notPersonal: ['keyId', 'prefix', 'name', 'roles[]', 'expiresAt'] },
  { eventType: 'AccessKeyRevoked', personal: [], notPersonal: ['keyId', 'prefix'] },
];
