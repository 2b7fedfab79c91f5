import type { EventStore, RecordedEvent } from '../shared/event-store/event-store.port';
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import type { JsonValue } from '../shared/read-store/read-store.port';
import { STREAM_KINDS, type StreamKind, streamKindOf } from './stream-kinds';

/**
 * Which point of a stream's life to fold up to:
 * - `recorded` time: the events the system had recorded at that instant (metadata.recordedAt), so
 *   the state an agent saw on screen then ("what did the agent see at 14:02?"). The stream's
 *   prefix up to the first event recorded later: a folded state is always one that existed.
 * - `occurred` time: the events that had happened in the world by then (metadata.occurredAt), even
 *   if they were keyed in later (imported purchases). Such a state may never have been on screen.
 * - a revision: the stream's first revision+1 events.
 */
export type StatePoint =
  { at: 'latest' } | { at: 'revision'; revision: bigint } | { at: 'time'; asOf: Date; basis: 'recorded' | 'occurred' };

export interface StreamStateView {
  stream: string;
  kind: string;
  /** The point asked for. */
  asOf: string | null;
  basis: 'recorded' | 'occurred' | null;
  requestedRevision: number | null;
  /** The stream's revision at that point (its last event up to it); null when it did not exist yet. */
  revision: number | null;
  position: string | null;
  lastEvent: { type: string; recordedAt: string; occurredAt: string } | null;
  eventsFolded: number;
  /** The stream's last revision today: how far it has gone since that point. */
  currentRevision: number;
  /** Events up to the point whose type the stream's decider does not evolve on: left out of the fold. */
  skippedEvents: { revision: number; type: string }[];
  /** The decider's state, as JSON. */
  state: JsonValue;
}

export interface StreamStateAt {
  view: StreamStateView;
  /** The events up to the point, in stream order (folded and skipped). */
  events: RecordedEvent[];
}

// Long because it reads the stream once, picks the events up to the point (latest, a revision or an
// instant: one short branch each), then folds them; the steps share the events read.
/** The state of a stream at a point of its life, folded with its kind's decider (shared by GET /audit/streams/:stream/state and the replay CLI). */
export async function streamStateAt(
  store: EventStore,
  stream: string,
  point: StatePoint,
  kinds: readonly StreamKind[] = STREAM_KINDS,
): Promise<StreamStateAt> {
  const all = await store.readStream(stream);
  const last = all.at(-1);
  if (last === undefined) throw new NotFoundError('STREAM_NOT_FOUND', 'No stream with this name');
  const kind = streamKindOf(stream, kinds);
  const folder = kind?.folder;
  if (kind === undefined || folder === undefined) {
    throw new BusinessRuleViolation(
      'STREAM_STATE_NOT_AVAILABLE',
      kind === undefined
        ? 'No feature writes streams named like this one, so none can fold it: read its history instead'
        : `Streams of kind ${kind.name} have no state to fold: read their history instead`,
      { kind: kind?.name ?? null },
    );
  }

  let events: RecordedEvent[];
  if (point.at === 'latest') {
    events = all;
  } else if (point.at === 'revision') {
    if (point.revision > last.revision) {
      throw new NotFoundError('REVISION_NOT_FOUND', `The stream has no revision ${point.revision}; its last is ${last.revision}`, {
        lastRevision: Number(last.revision),
      });
    }
    events = all.filter((event) => event.revision <= point.revision);
  } else if (point.basis === 'recorded') {
    const limit = point.asOf.getTime();
    const firstLater = all.findIndex((event) => Date.parse(event.metadata.recordedAt) > limit);
    events = firstLater < 0 ? all : all.slice(0, firstLater);
  } else {
    const limit = point.asOf.getTime();
    events = all.filter((event) => Date.parse(event.metadata.occurredAt) <= limit);
  }

  let state = folder.initialState();
  const skippedEvents: StreamStateView['skippedEvents'] = [];
  for (const event of events) {
    if (!folder.eventTypes.has(event.type)) {
      skippedEvents.push({ revision: Number(event.revision), type: event.type });
      continue;
    }
    try {
      state = folder.evolve(state, { type: event.type, data: event.data as object });
    } catch {
      // Only reachable out of stream order (basis=occurred): evolve assumes the order it was written in.
      throw new BusinessRuleViolation(
        'STREAM_NOT_FOLDABLE',
        'The events up to that point do not fold into a state in this order; ask by recorded time or revision instead',
        { revision: Number(event.revision), eventType: event.type },
      );
    }
  }
  const lastInRange = events.at(-1);

  return {
    events,
    view: {
      stream,
      kind: kind.name,
      asOf: point.at === 'time' ? point.asOf.toISOString() : null,
      basis: point.at === 'time' ? point.basis : null,
      requestedRevision: point.at === 'revision' ? Number(point.revision) : null,
      revision: lastInRange === undefined ? null : Number(lastInRange.revision),
      position: lastInRange === undefined ? null : lastInRange.position.toString(),
      lastEvent:
        lastInRange === undefined
          ? null
          : { type: lastInRange.type, recordedAt: lastInRange.metadata.recordedAt, occurredAt: lastInRange.metadata.occurredAt },
      eventsFolded: events.length - skippedEvents.length,
      currentRevision: Number(last.revision),
      skippedEvents,
      state: folder.view(state),
    },
  };
}
