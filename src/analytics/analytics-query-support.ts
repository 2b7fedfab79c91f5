import { ValidationFailedError } from '../shared/errors/domain-errors';
import { ReadModels } from '../shared/projections/read-models';
import type { Collection } from '../shared/read-store/read-store.port';
import type { StoredValueDoc } from './customer-value.projection';

// What the analytics query handlers (value-, segment- and complaint-stats-query.handlers.ts) share.

/** A stored document without the store's fields (`_id`, `_position`). */
export function withoutMeta<T extends object>(doc: T & { _id: string; _position?: unknown }): T {
  const copy: Record<string, unknown> = { ...doc };
  delete copy._id;
  delete copy._position;
  return copy as T;
}

export async function ensureCaughtUp(readModels: ReadModels, projections: string[], minPosition: string | undefined): Promise<void> {
  for (const projection of projections) await readModels.ensureCaughtUp(projection, minPosition);
}

export function parseWindow(fromText: string, toText: string): { from: Date; to: Date } {
  const from = new Date(fromText);
  const to = new Date(toText);
  if (!(from.getTime() < to.getTime())) throw new ValidationFailedError([{ field: 'from', messages: ['from must be before to'] }]);
  return { from, to };
}

/** The value documents of a page's customers, in one query (not one per member). */
export async function valuesOf(customers: Collection<StoredValueDoc>, ids: readonly string[]): Promise<Map<string, StoredValueDoc>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const page = await customers.find({ _id: { $in: unique } }, { limit: unique.length });
  return new Map(page.items.map((doc) => [doc._id, doc]));
}
