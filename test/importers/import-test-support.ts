import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ImportItem } from '../../src/importers/import-records';

const repoRoot = path.resolve(__dirname, '..', '..');

/** A file of the sample data sets kept in the repository (samples/, see samples/README.md); fails clearly when absent. */
export function sharedDataFile(...parts: string[]): string {
  const file = path.resolve(repoRoot, 'samples', ...parts);
  if (!existsSync(file)) {
    throw new Error(`Sample file missing: ${file}. The sample data sets live in samples/ in the repository.`);
  }
  return file;
}

/** Text as a stream of byte chunks of the given size (splitting CRLFs, quotes and UTF-8 sequences). */
export function chunked(text: string, size = 64 * 1024): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export interface Sorted<T> {
  records: T[];
  recordLines: number[][];
  skipped: Extract<ImportItem<T>, { type: 'skipped' }>[];
  duplicates: Extract<ImportItem<T>, { type: 'duplicate' }>[];
  notes: Extract<ImportItem<T>, { type: 'note' }>[];
}

export async function sortItems<T>(items: AsyncIterable<ImportItem<T>> | Iterable<ImportItem<T>>): Promise<Sorted<T>> {
  const sorted: Sorted<T> = { records: [], recordLines: [], skipped: [], duplicates: [], notes: [] };
  for await (const item of items) {
    if (item.type === 'record') {
      sorted.records.push(item.record);
      sorted.recordLines.push(item.lines);
    } else if (item.type === 'skipped') sorted.skipped.push(item);
    else if (item.type === 'duplicate') sorted.duplicates.push(item);
    else sorted.notes.push(item);
  }
  return sorted;
}

export function countBy<T>(values: Iterable<T>, key: (value: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) {
    const k = key(value);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/** Amounts summed in integer cents, so the totals compare exactly. */
export const cents = (amount: number): number => Math.round(amount * 100);
