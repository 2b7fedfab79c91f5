import type { EventMetadata, RecordedEvent } from '../shared/event-store/event-store.port';

/** An event as the audit routes, the feed and the replay CLI show it. */
export interface AuditEventView {
  /** Global position (a decimal string: positions are bigints). */
  position: string;
  stream: string;
  /** 0-based revision within the stream. */
  revision: number;
  id: string;
  type: string;
  /** actor, correlationId, causationId, occurredAt, recordedAt, schemaVersion, and any extra member, verbatim. */
  metadata: EventMetadata;
  data: unknown;
}

export function toAuditEventView(event: RecordedEvent): AuditEventView {
  return {
    position: event.position.toString(),
    stream: event.streamName,
    revision: Number(event.revision),
    id: event.id,
    type: event.type,
    metadata: event.metadata,
    data: event.data,
  };
}
