import { deterministicUuid } from '../shared/ids';
import type { ImportSourceKind } from './import-records';

/**
 * Ids of imported entities follow from where they came from (source kind + the source's own key),
 * never from a generator: importing the same file twice addresses the same streams and the same
 * entities, so the second run appends nothing.
 *
 * Both layouts of CDNOW use the kind 'cdnow' and the master file's customer id: the sample's
 * rows are the master's rows, so importing both yields each purchase once.
 */

export type ImportedEntity = 'customer' | 'purchase' | 'complaint' | 'refund';

/** The name hashed into the uuid; kind and entity hold no ':' so the key after them needs no escaping. */
function importName(kind: ImportSourceKind, entity: ImportedEntity, sourceKey: string): string {
  if (sourceKey.length === 0) throw new Error(`An imported ${entity} needs a non-empty source key`);
  return `import:${kind}:${entity}:${sourceKey}`;
}

/** The uuid of an imported entity. */
export function importedEntityId(kind: ImportSourceKind, entity: ImportedEntity, sourceKey: string): string {
  return deterministicUuid(importName(kind, entity, sourceKey));
}

export const importedCustomerId = (kind: ImportSourceKind, customerKey: string): string => importedEntityId(kind, 'customer', customerKey);
export const importedPurchaseId = (kind: ImportSourceKind, sourceKey: string): string => importedEntityId(kind, 'purchase', sourceKey);
export const importedRefundId = (kind: ImportSourceKind, sourceKey: string): string => importedEntityId(kind, 'refund', sourceKey);
export const importedComplaintId = (kind: ImportSourceKind, sourceKey: string): string => importedEntityId(kind, 'complaint', sourceKey);

/**
 * An Idempotency-Key for the command that imports one entity: the command processor derives the
 * event ids from it, so a re-run is recognised as a replay. Fits the purchaseId pattern
 * ([A-Za-z0-9._:-], at most 100 characters) when the source key does.
 */
export function importIdempotencyKey(kind: ImportSourceKind, entity: ImportedEntity, sourceKey: string): string {
  return importName(kind, entity, sourceKey);
}
