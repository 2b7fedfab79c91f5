import { Inject, Injectable } from '@nestjs/common';
import {
  EVENT_STORE,
  type EventStore,
  parsePosition,
  type Position,
  type RecordedEvent,
  START,
} from '../shared/event-store/event-store.port';
import { NotFoundError } from '../shared/errors/domain-errors';
import { ProjectionRunner } from '../shared/projections/projection-runner';
import type { Filter } from '../shared/read-store/read-store.port';
import { type AuditEventView, toAuditEventView } from './audit-event-view';
import { AUDIT_INDEX_EVENTS, AUDIT_INDEX_PROJECTION, type AuditIndexDoc, padPosition } from './audit-index.projection';
import { RejectionLog, type RejectionRecord } from './rejection-log';
import { type StatePoint, streamStateAt, type StreamStateView } from './stream-state';
import { streamKindOf } from './stream-kinds';

export interface StreamHistoryPage {
  stream: string;
  /** The stream's kind, or null for a name no feature writes. */
  kind: string | null;
  events: AuditEventView[];
  /** Pass as fromRevision for the next page; null on the last page. */
  nextRevision: number | null;
}

export interface FeedPage {
  events: AuditEventView[];
  /** Pass as fromPosition next (also to poll for newer events); null while the log is empty. */
  nextPosition: string | null;
  /** True when more events follow right now. */
  hasMore: boolean;
}

export interface CorrelationPage {
  correlationId: string;
  events: AuditEventView[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
  /** Commands of this request that were refused (first page only). */
  rejections: RejectionRecord[];
}

/** How many events the unindexed tail of the log is read in. */
const TAIL_CHUNK = 1000;

/** The read side of the audit: stream histories, states as of a point, the global feed, requests' events. */
@Injectable()
export class AuditReader {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
    private readonly rejections: RejectionLog,
  ) {}

  async history(stream: string, fromRevision: bigint, limit: number): Promise<StreamHistoryPage> {
    const page = await this.store.readStream(stream, { fromRevision, maxCount: limit + 1 });
    if (page.length === 0) {
      const exists = fromRevision > 0n && (await this.store.readStream(stream, { maxCount: 1 })).length > 0;
      if (!exists) throw new NotFoundError('STREAM_NOT_FOUND', 'No stream with this name');
    }
    const events = page.slice(0, limit);
    const more = page.length > limit;
    return {
      stream,
      kind: streamKindOf(stream)?.name ?? null,
      events: events.map(toAuditEventView),
      nextRevision: more ? Number(events[events.length - 1].revision) + 1 : null,
    };
  }

  async state(stream: string, point: StatePoint): Promise<StreamStateView> {
    return (await streamStateAt(this.store, stream, point)).view;
  }

  /** The global log in order, after `fromPosition` (exclusive). */
  async feed(fromPosition: Position, limit: number): Promise<FeedPage> {
    const page = await this.store.readAll({ fromPosition, limit: limit + 1 });
    const events = page.slice(0, limit);
    const last = events.at(-1)?.position ?? fromPosition;
    return {
      events: events.map(toAuditEventView),
      nextPosition: last === START ? null : last.toString(),
      hasMore: page.length > limit,
    };
  }

  /**
   * Every event caused by one request, in global order. The audit-index projection finds them up to
   * its checkpoint; the few events after it (its lag) are scanned from the log, so the answer is
   * complete without waiting for the projection.
   */
  async correlation(correlationId: string, after: Position | undefined, limit: number): Promise<CorrelationPage> {
    // Read before the index: everything up to this checkpoint is in the index.
    const checkpoint = this.runner.position(AUDIT_INDEX_PROJECTION);
    const filter: Filter = { correlationId };
    if (after !== undefined) filter.position = { $gt: padPosition(after) };
    const indexed = await this.runner
      .collection<AuditIndexDoc>(AUDIT_INDEX_PROJECTION, AUDIT_INDEX_EVENTS)
      .find(filter, { sort: { position: 1 }, limit: limit + 1 });

    const found: RecordedEvent[] = [];
    for (const doc of indexed.items) {
      const [event] = await this.store.readStream(doc.stream, { fromRevision: BigInt(doc.revision), maxCount: 1 });
      if (event !== undefined) found.push(event);
    }
    if (indexed.items.length <= limit) {
      // The index was exhausted: look through the part of the log it has not covered yet.
      const lastIndexed = indexed.items.length > 0 ? parsePosition(indexed.items[indexed.items.length - 1].position) : START;
      let from = maxOf(checkpoint, after ?? START, lastIndexed);
      const head = await this.store.headPosition();
      scan: while (found.length <= limit && from < head) {
        const chunk = await this.store.readAll({ fromPosition: from, limit: TAIL_CHUNK });
        if (chunk.length === 0) break;
        for (const event of chunk) {
          if (event.position > head) break scan;
          if (event.metadata.correlationId === correlationId) found.push(event);
        }
        from = chunk[chunk.length - 1].position;
      }
    }

    const events = found.slice(0, limit);
    const rejections = after === undefined ? await this.rejections.ofCorrelation(correlationId) : [];
    if (after === undefined && events.length === 0 && rejections.length === 0) {
      throw new NotFoundError('CORRELATION_NOT_FOUND', 'No event and no rejection carries this correlation id');
    }
    return {
      correlationId,
      events: events.map(toAuditEventView),
      nextCursor: found.length > limit ? events[events.length - 1].position.toString() : null,
      rejections,
    };
  }
}

function maxOf(...positions: Position[]): Position {
  return positions.reduce((a, b) => (a > b ? a : b));
}
