import { getMetadataStorage } from 'class-validator';

/**
 * Every property name some DTO declares with a validation rule: exactly the names the validation
 * pipe's whitelist lets through, so the names Relata chose rather than its clients.
 *
 * class-validator lists its metadata only per class, so the storage's map of classes is read
 * directly. Should a release rename it, the set comes out empty and callers treat every name as
 * the client's: the safe side for a privacy rule (a test checks the set is filled).
 */
let declared: { classes: number; names: ReadonlySet<string> } | null = null;
/** Names Relata validates outside DTOs (path parameters, headers), declared where they are read. */
const declaredElsewhere = new Set<string>();

/** Declares names that are checked outside a DTO (a path parameter, a header): they are Relata's, not a client's. */
export function declareFieldNames(...names: string[]): void {
  for (const name of names) declaredElsewhere.add(name);
}

function metadataByClass(): Map<unknown, { propertyName: string }[]> | null {
  const map = (getMetadataStorage() as unknown as { validationMetadatas?: unknown }).validationMetadatas;
  return map instanceof Map ? (map as Map<unknown, { propertyName: string }[]>) : null;
}

export function declaredFieldNames(): ReadonlySet<string> {
  const byClass = metadataByClass();
  if (byClass === null) return new Set();
  // DTO classes register as their modules load; recollect when new ones have.
  if (declared === null || declared.classes !== byClass.size) {
    const names = new Set<string>();
    for (const metadatas of byClass.values()) for (const metadata of metadatas) names.add(metadata.propertyName);
    declared = { classes: byClass.size, names };
  }
  return declared.names;
}

/** Array indices in a dotted path and the name the validation errors give a whole body. */
const STRUCTURAL = /^(?:\d{1,9}|body)$/;

/**
 * A field path (`lines.0.quantity`) with every segment no DTO declares replaced by `*`: a client
 * may send any property name, and a name can be personal data ({"ana.lima@example.com": 1}).
 */
export function withUndeclaredNamesHidden(path: string): string {
  const names = declaredFieldNames();
  return path
    .split('.')
    .map((segment) => (STRUCTURAL.test(segment) || names.has(segment) || declaredElsewhere.has(segment) ? segment : '*'))
    .join('.');
}
