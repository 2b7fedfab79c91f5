import type { Clock } from '../clock';
import type { ReadStore } from '../read-store/read-store.port';
import { type ProjectionMetaDocument, PROJECTIONS_META_COLLECTION } from './projection-runner';

/**
 * Rebuilds asked of the process that runs the projections (the worker lease holder) by another
 * one, e.g. `relata projections rebuild` next to a running server: the request is a field of the
 * projection's meta document, which the running runner's housekeeping takes up (and clears), and
 * the switch it ends with is seen in the same document.
 */

/** Generations readers read when the rebuilds were requested, by projection. */
export type RequestedRebuilds = Map<string, number>;

export class ProjectionNotStartedError extends Error {
  constructor(readonly projection: string) {
    super(`Projection ${projection} has never been started on these stores`);
    this.name = 'ProjectionNotStartedError';
  }
}

/** Files a rebuild request for each projection, in one transaction. */
export async function requestRebuilds(
  readStore: ReadStore,
  names: readonly string[],
  clock: Clock,
  by: string,
): Promise<RequestedRebuilds> {
  return readStore.withTransaction(async (tx) => {
    const metas = tx.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
    const requested: RequestedRebuilds = new Map();
    for (const name of names) {
      const meta = await metas.get(name);
      if (meta === null) throw new ProjectionNotStartedError(name);
      requested.set(name, meta.generation);
      await metas.update(name, { $set: { rebuildRequested: { requestedAt: clock.now().toISOString(), by } } });
    }
    return requested;
  });
}

/**
 * The requested projections whose readers have not yet been switched to a newer generation (a
 * rebuild that was under way when asked counts: it rebuilds from the first event just as well).
 */
export async function pendingRebuilds(readStore: ReadStore, requested: RequestedRebuilds): Promise<string[]> {
  const metas = readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION);
  const pending: string[] = [];
  for (const [name, generation] of requested) {
    const meta = await metas.get(name);
    const switched = meta !== null && meta.generation > generation && meta.rebuild === undefined && meta.rebuildRequested === undefined;
    if (!switched) pending.push(name);
  }
  return pending;
}
