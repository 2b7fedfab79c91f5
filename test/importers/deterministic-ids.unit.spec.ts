import {
  importedComplaintId,
  importedCustomerId,
  importedEntityId,
  importedPurchaseId,
  importIdempotencyKey,
} from '../../src/importers/deterministic-ids';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('deterministic import ids', () => {
  it('gives the same uuid (v5) for the same source kind, entity and key, on every run', () => {
    const id = importedCustomerId('cdnow', '4');
    expect(id).toMatch(UUID_V5);
    expect(importedCustomerId('cdnow', '4')).toBe(id);
    expect(importedEntityId('cdnow', 'customer', '4')).toBe(id);
  });

  it('tells kinds, entities and keys apart', () => {
    const ids = [
      importedCustomerId('cdnow', '4'),
      importedCustomerId('cdnow', '40'),
      importedCustomerId('online-retail', '4'),
      importedPurchaseId('cdnow', '4'),
      importedComplaintId('cfpb', '4'),
      importedCustomerId('cfpb', '4'),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses an empty source key', () => {
    expect(() => importedPurchaseId('online-retail', '')).toThrow(/non-empty source key/);
  });

  it('makes idempotency keys that fit the purchase id pattern', () => {
    const key = importIdempotencyKey('online-retail', 'purchase', '536365:17850');
    expect(key).toBe('import:online-retail:purchase:536365:17850');
    expect(key).toMatch(/^[A-Za-z0-9._:-]{1,100}$/);
  });
});
