import { InvalidQueryError, type Filter, type SortSpec } from './read-store.port';

/** The top-level fields a filter names, through $and, $or and $nor. */
function filterFields(filter: Filter | undefined, into: Set<string>): Set<string> {
  if (filter === undefined || filter === null) return into;
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('$')) {
      if (Array.isArray(value)) for (const part of value) filterFields(part as Filter, into);
    } else into.add(key.split('.')[0]);
  }
  return into;
}

/**
 * Checks FindOptions.exclude against the query and returns the fields to leave out (none: empty).
 * Leaving out a field the filter or the sort reads would change which documents match or their
 * order, so that is refused.
 */
export function excludedFields(exclude: readonly string[] | undefined, filter: Filter | undefined, sort: SortSpec | undefined): string[] {
  if (exclude === undefined || exclude.length === 0) return [];
  const used = filterFields(filter, new Set(['_id', ...Object.keys(sort ?? {}).map((field) => field.split('.')[0])]));
  for (const field of exclude) {
    if (typeof field !== 'string' || field === '' || field.includes('.') || field.startsWith('$')) {
      throw new InvalidQueryError(`exclude takes top-level field names, got ${JSON.stringify(field)}`);
    }
    if (used.has(field)) throw new InvalidQueryError(`cannot exclude ${field}: the query filters or sorts on it`);
  }
  return [...new Set(exclude)];
}
