import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessGuard } from '../access/access-guard';
import { START } from '../shared/event-store/event-store.port';
import { ValidationFailedError } from '../shared/errors/domain-errors';
import { csvReply, wantsCsv } from '../shared/http/csv';
import { AuditFeedStreams } from './audit-feed-streams';
import { AuditReader } from './audit-reader';
import { parsePosition } from '../shared/event-store/position';
import {
  CorrelationQueryDto,
  FeedQueryDto,
  FeedStreamQueryDto,
  RejectionsQueryDto,
  StreamHistoryQueryDto,
  StreamStateQueryDto,
} from './dto/audit-queries.dto';
import { RejectionLog } from './rejection-log';
import type { StatePoint } from './stream-state';

/** Stream names and correlation ids are visible ASCII (importers and clients choose some of them). */
const NAME = /^[\x21-\x7e]{1,300}$/;
const POSITION = /^\d{1,20}$/;

/** Leading CSV columns of the feed; each event's data follows as data.* columns (the union over the page). */
const FEED_CSV_COLUMNS = [
  'position',
  'stream',
  'revision',
  'id',
  'type',
  'metadata.actor',
  'metadata.correlationId',
  'metadata.causationId',
  'metadata.occurredAt',
  'metadata.recordedAt',
];
const REJECTION_CSV_COLUMNS = ['id', 'at', 'actor', 'method', 'route', 'status', 'code', 'detail', 'fields', 'correlationId'];

function nameParam(field: string, value: string): string {
  if (!NAME.test(value)) throw new ValidationFailedError([{ field, messages: [`${field} must be 1 to 300 visible ASCII characters`] }]);
  return value;
}

/** Read-only routes for auditors: histories, states as of a point, the change feed, requests' events, refusals. */
@Controller('audit')
export class AuditController {
  constructor(
    private readonly reader: AuditReader,
    private readonly feedStreams: AuditFeedStreams,
    private readonly rejections: RejectionLog,
    private readonly access: AccessGuard,
  ) {}

  /** The change feed, live, as Server-Sent Events. */
  @Get('feed/stream')
  feedStream(@Query() query: FeedStreamQueryDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    const lastEventId = request.headers['last-event-id'];
    let from = query.fromPosition === undefined ? START : parsePosition(query.fromPosition);
    if (lastEventId !== undefined) {
      if (typeof lastEventId !== 'string' || !POSITION.test(lastEventId.trim())) {
        throw new ValidationFailedError([
          { field: 'Last-Event-ID', messages: ['Last-Event-ID must be the id (position) of a feed event'] },
        ]);
      }
      from = parsePosition(lastEventId.trim());
    }
    // From here on the response is ours, not Fastify's: headers set so far (correlation id) go along.
    reply.hijack();
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) headers[name] = typeof value === 'number' ? String(value) : value;
    }
    void this.feedStreams.serve(request.raw, reply.raw, from, headers, () => this.access.stillAllows(request));
  }

  /** As CSV with `Accept: text/csv`: X-Next-Cursor then holds the nextPosition to pass back as fromPosition. */
  @Get('feed')
  async feed(@Query() query: FeedQueryDto, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const page = await this.reader.feed(query.fromPosition === undefined ? START : parsePosition(query.fromPosition), query.limit);
    if (!wantsCsv(accept)) return page;
    return csvReply(reply, page.events, {
      columns: FEED_CSV_COLUMNS,
      nextCursor: page.hasMore ? page.nextPosition : null,
      filename: 'audit-feed.csv',
    });
  }

  @Get('streams/:stream/state')
  state(@Param('stream') stream: string, @Query() query: StreamStateQueryDto) {
    nameParam('stream', stream);
    if (query.asOf !== undefined && query.revision !== undefined) {
      const messages = ['give either asOf or revision, not both'];
      throw new ValidationFailedError([
        { field: 'asOf', messages },
        { field: 'revision', messages },
      ]);
    }
    if (query.basis !== undefined && query.asOf === undefined) {
      throw new ValidationFailedError([{ field: 'basis', messages: ['basis applies to asOf only'] }]);
    }
    let point: StatePoint = { at: 'latest' };
    if (query.asOf !== undefined) point = { at: 'time', asOf: new Date(query.asOf), basis: query.basis ?? 'recorded' };
    else if (query.revision !== undefined) point = { at: 'revision', revision: BigInt(query.revision) };
    return this.reader.state(stream, point);
  }

  @Get('streams/:stream')
  history(@Param('stream') stream: string, @Query() query: StreamHistoryQueryDto) {
    nameParam('stream', stream);
    return this.reader.history(stream, BigInt(query.fromRevision ?? '0'), query.limit);
  }

  @Get('correlations/:id')
  correlation(@Param('id') id: string, @Query() query: CorrelationQueryDto) {
    nameParam('id', id);
    return this.reader.correlation(id, query.after === undefined ? undefined : parsePosition(query.after), query.limit);
  }

  @Get('rejections')
  async listRejections(
    @Query() query: RejectionsQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const bound = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());
    const page = await this.rejections.list({
      from: bound(query.from),
      to: bound(query.to),
      code: query.code,
      actor: query.actor,
      status: query.status,
      limit: query.limit,
      cursor: query.cursor,
    });
    if (!wantsCsv(accept)) return page;
    // A CSV cell holds one value: the invalid fields are joined.
    const rows = page.items.map((item) => ({ ...item, fields: item.fields.join(' ') }));
    return csvReply(reply, rows, { columns: REJECTION_CSV_COLUMNS, nextCursor: page.nextCursor, filename: 'rejections.csv' });
  }
}
