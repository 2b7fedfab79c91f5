/** Rules on ids, collection names and projection positions shared by the embedded store's writes and fronts. */
import { InvalidQueryError, type Document } from './read-store.port';

const POSITION_PATTERN = /^-?\d+$/;

export function assertPosition(position: string): void {
  if (typeof position !== 'string' || !POSITION_PATTERN.test(position)) {
    throw new InvalidQueryError(`position must be a decimal integer string, got ${String(position)}`);
  }
}

/** Positions are decimal strings of bigints: compare numerically (fast path for canonical non-negatives). */
function comparePositions(a: string, b: string): number {
  if (a[0] !== '-' && b[0] !== '-' && (a.length === 1 || a[0] !== '0') && (b.length === 1 || b[0] !== '0')) {
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The position guard: apply only when the stored position is absent or lower. */
export function positionAllows(incoming: string, stored: string | null): boolean {
  if (stored === null || !POSITION_PATTERN.test(stored)) return true;
  return comparePositions(incoming, stored) > 0;
}

export function positionColumn(doc: Document): string | null {
  return typeof doc._position === 'string' ? doc._position : null;
}

export function assertId(id: string): void {
  if (typeof id !== 'string' || id === '') throw new InvalidQueryError('a document id must be a non-empty string');
}

export function assertCollectionName(name: string): void {
  if (typeof name !== 'string' || name === '') throw new InvalidQueryError('a collection name must be a non-empty string');
}
