import { formatPosition, type Position, type RecordedEvent } from '../shared/event-store/event-store.port';
import { EVERY_EVENT_TYPE, type ProjectionContext, type ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';

export const AUDIT_INDEX_PROJECTION = 'audit-index';
export const AUDIT_INDEX_EVENTS = 'events';

/** Positions are bigints; zero-padded to 20 digits they sort and compare as strings in both read stores. */
export const padPosition = (position: Position): string => formatPosition(position).padStart(20, '0');

/** One document per event of the log: where to find it, by the request (correlation id) that caused it. */
export interface AuditIndexDoc extends Document {
  /** The padded position (also the _id). */
  position: string;
  correlationId: string;
  causationId: string;
  stream: string;
  revision: number;
  type: string;
}

async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const correlationId = event.metadata.correlationId;
  // Events written by hand without a correlation id have nothing to be found by.
  if (typeof correlationId !== 'string' || correlationId === '') return;
  const position = padPosition(event.position);
  await ctx.collection<AuditIndexDoc>(AUDIT_INDEX_EVENTS).replace(position, {
    position,
    correlationId,
    causationId: typeof event.metadata.causationId === 'string' ? event.metadata.causationId : '',
    stream: event.streamName,
    revision: Number(event.revision),
    type: event.type,
  });
}

/**
 * "Every event caused by one request": an index of the whole log by correlation id. Events hold
 * their data in the log; the index only says where they are (no personal data here).
 */
export const auditIndexProjection: ProjectionDefinition = {
  name: AUDIT_INDEX_PROJECTION,
  version: 1,
  // Reads no personal field: metadata and positions only.
  needsPlaintext: false,
  eventTypes: [EVERY_EVENT_TYPE],
  collections: {
    [AUDIT_INDEX_EVENTS]: { indexes: [{ keys: { correlationId: 1, position: 1 } }] },
  },
  handle,
};
