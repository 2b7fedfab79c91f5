import type { Clock } from '../clock';
import { comparePositions, type EventStore, parsePosition } from '../event-store/event-store.port';
import type { ReadStore } from '../read-store/read-store.port';
import type { ParkedEvent, ProjectionStatus } from './projection';
import {
  LAG_EVENTS_CAP,
  PARKED_EVENTS_COLLECTION,
  type ParkedEventDocument,
  type ProjectionMetaDocument,
  PROJECTIONS_META_COLLECTION,
  storedPosition,
} from './projection-meta';
import type { ProjectionRuntime } from './projection-runtime';

export interface StatusSources {
  readStore: ReadStore;
  /** The log as stored: the lag is counted on it, nothing is decrypted. */
  log: EventStore;
  clock: Clock;
  /** Whether this process's runner is started. */
  running: boolean;
}

/** What GET /projections shows for one projection: stored checkpoint and generation, lag, parked events. */
export async function projectionStatus(runtime: ProjectionRuntime, sources: StatusSources): Promise<ProjectionStatus> {
  const { readStore, log, clock, running } = sources;
  const { definition } = runtime;
  const meta = await readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).get(definition.name);
  const position = meta?.position ?? null;
  // Positions need not be contiguous (EventStoreDB), so the lag is counted by reading the events
  // after the checkpoint, at most LAG_EVENTS_CAP of them: beyond that it reads "10,000 or more".
  const unprocessed = await log.readAll({
    fromPosition: storedPosition(position),
    limit: LAG_EVENTS_CAP + 1,
  });
  const lagEvents = Math.min(unprocessed.length, LAG_EVENTS_CAP);
  const oldest = unprocessed.length > 0 ? Date.parse(unprocessed[0].metadata.recordedAt) : Number.NaN;
  const lagSeconds = Number.isNaN(oldest) ? 0 : Math.max(0, (clock.now().getTime() - oldest) / 1000);

  let state: ProjectionStatus['state'];
  if (runtime.failing) state = 'failed';
  else if (!running) state = 'stopped';
  else if (meta?.rebuild !== undefined) state = 'rebuilding';
  else state = lagEvents === 0 ? 'live' : 'catching-up';

  const parked: ParkedEvent[] = [];
  for await (const doc of readStore.collection<ParkedEventDocument>(PARKED_EVENTS_COLLECTION).findAll({ projection: definition.name })) {
    parked.push({
      projection: doc.projection,
      eventId: doc.eventId,
      eventType: doc.eventType,
      streamName: doc.streamName,
      position: doc.position,
      error: doc.error,
      attempts: doc.attempts,
      parkedAt: doc.parkedAt,
    });
  }
  parked.sort((a, b) => comparePositions(parsePosition(a.position), parsePosition(b.position)));

  return {
    name: definition.name,
    version: meta?.version ?? definition.version,
    generation: meta?.generation ?? 1,
    position,
    lagEvents,
    lagSeconds,
    state,
    ...(meta?.rebuild !== undefined ? { rebuild: { generation: meta.rebuild.generation, position: meta.rebuild.position } } : {}),
    parked,
  };
}
