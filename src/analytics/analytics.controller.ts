import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { CLOCK, type Clock } from '../shared/clock';
import { liveAsOf } from './as-of';
import type { CommandContext } from '../shared/decider/command-context';
import { ValidationFailedError } from '../shared/errors/domain-errors';
import { Ctx } from '../shared/http/command-context.decorator';
import { csvReply, wantsCsv } from '../shared/http/csv';
import { EmptyBodyDto } from '../shared/http/validation';
import type { Page } from '../shared/read-store/read-store.port';
import { FitClvModelCommand, RecomputeSegmentsCommand } from './analytics-command.handlers';
import {
  ComplaintStatsQuery,
  GetClvModelQuery,
  GetCustomerValueQuery,
  ListClvModelsQuery,
  ListLifetimeValuesQuery,
  ListSegmentHistoryQuery,
  ListSegmentMembersQuery,
  ListSegmentsQuery,
  SegmentTransitionsQuery,
} from './analytics-query.handlers';
import { type ComplaintStatsReport, STAT_DIMENSIONS } from './complaint-stats';
import {
  ComplaintStatsQueryDto,
  ConsistencyQueryDto,
  FitClvModelDto,
  LifetimeValueQueryDto,
  PageQueryDto,
  PredictionQueryDto,
  RecomputeSegmentsQueryDto,
  SegmentHistoryQueryDto,
  SegmentMembersQueryDto,
  SegmentsQueryDto,
  TransitionsQueryDto,
} from './dto/analytics.dto';
import { UuidParam as Id } from '../shared/http/uuid-param';

/** Leading CSV columns, so that every export (even an empty one) has a stable header. */
const VALUE_COLUMNS = [
  'customerId',
  'name',
  'status',
  'registeredAt',
  'currentValue.revenue',
  'currentValue.margin',
  'currentValue.purchaseCount',
  'currentValue.transactionDays',
  'currentValue.firstPurchaseAt',
  'currentValue.lastPurchaseAt',
  'currentValue.averageOrderValue',
  'potentialValue.openSuggestionsValue',
  'potentialValue.openSuggestions',
  'potentialValue.value',
  'potentialValue.suggestionsAccepted',
  'potentialValue.suggestionsDeclined',
  'potentialValue.acceptanceRate',
  'predictive.clv',
  'predictive.probabilityAlive',
  'predictive.expectedTransactions',
  'predictive.expectedSpend',
];
const SEGMENT_COLUMNS = ['scheme', 'segment', 'customers'];
const MEMBER_COLUMNS = ['customerId', 'name', 'scheme', 'segment', 'since', 'revenue', 'purchaseCount', 'lastPurchaseAt'];
const TRANSITION_COLUMNS = ['from', 'to', 'customers'];
const CHANGE_COLUMNS = ['at', 'customerId', 'scheme', 'from', 'to', 'runId'];
const STATS_COLUMNS = ['from', 'to', 'period', 'group', 'complaints'];

const today = (now: Date): string => now.toISOString().slice(0, 10);
/** A query instant: a date means its 00:00 UTC. */
function asInstant(value: string, field: string): Date {
  const instant = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value);
  if (Number.isNaN(instant.getTime())) throw new ValidationFailedError([{ field, messages: [`${field} must be a date or a date-time`] }]);
  return instant;
}

/**
 * Analytical CRM under /analytics: lifetime value (current, potential, predictive), segments with
 * their history, and complaint statistics. Every list pages with `limit` and `cursor` and answers
 * CSV when asked with `Accept: text/csv` (same items as the JSON page; the next cursor in X-Next-Cursor).
 */
@Controller('analytics')
export class AnalyticsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private list<P extends Page<unknown>>(
    accept: string | undefined,
    reply: FastifyReply,
    page: P,
    columns: readonly string[],
    filename: string,
  ): P | string {
    if (!wantsCsv(accept)) return page;
    return csvReply(reply, page.items, { columns, nextCursor: page.nextCursor, filename });
  }

  @Get('customers/:id/value')
  async customerValue(
    @Id('id') id: string,
    @Query() query: PredictionQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const view = await this.queries.execute(new GetCustomerValueQuery(id, query, query.minPosition));
    if (!wantsCsv(accept)) return view;
    const { products: _products, ...row } = view;
    return csvReply(reply, [row], { columns: VALUE_COLUMNS, filename: `customer-value-${id}.csv` });
  }

  @Get('lifetime-value')
  async lifetimeValue(
    @Query() query: LifetimeValueQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.queries.execute(
      new ListLifetimeValuesQuery(
        { status: query.status, minRevenue: query.minRevenue, minPurchases: query.minPurchases },
        { field: query.sort, order: query.order },
        { limit: query.limit, cursor: query.cursor },
        query,
        query.minPosition,
      ),
    );
    return this.list(accept, reply, page, VALUE_COLUMNS, 'lifetime-value.csv');
  }

  @Get('segments')
  async segments(
    @Query() query: SegmentsQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.queries.execute(
      new ListSegmentsQuery(query.scheme, { limit: query.limit, cursor: query.cursor }, query.minPosition, query.asOf),
    );
    return this.list(accept, reply, page, SEGMENT_COLUMNS, 'segments.csv');
  }

  @Post('segments/recompute')
  @HttpCode(200)
  async recompute(
    @Query() query: RecomputeSegmentsQueryDto,
    @Body() _body: EmptyBodyDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const asOf = query.asOf ? asInstant(query.asOf, 'asOf') : new Date(liveAsOf(this.clock).asOf);
    const result = await this.commands.execute(new RecomputeSegmentsCommand(asOf, context, query.currency));
    if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
    return result;
  }

  @Get('segments/transitions')
  async transitions(
    @Query() query: TransitionsQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const view = await this.queries.execute(
      new SegmentTransitionsQuery(
        query.scheme,
        asInstant(query.from, 'from').toISOString(),
        asInstant(query.to, 'to').toISOString(),
        query.minPosition,
      ),
    );
    return this.list(accept, reply, view, TRANSITION_COLUMNS, 'segment-transitions.csv');
  }

  @Get('segments/history')
  async history(
    @Query() query: SegmentHistoryQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const filter = {
      customerId: query.customerId,
      scheme: query.scheme,
      segment: query.segment,
      from: query.from ? asInstant(query.from, 'from').toISOString() : undefined,
      to: query.to ? asInstant(query.to, 'to').toISOString() : undefined,
    };
    const page = await this.queries.execute(
      new ListSegmentHistoryQuery(filter, { limit: query.limit, cursor: query.cursor }, query.minPosition),
    );
    return this.list(accept, reply, page, CHANGE_COLUMNS, 'segment-history.csv');
  }

  @Get('segments/:name/members')
  async members(
    @Param('name') name: string,
    @Query() query: SegmentMembersQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.queries.execute(
      new ListSegmentMembersQuery(name, query.order, { limit: query.limit, cursor: query.cursor }, query.minPosition, query.asOf),
    );
    return this.list(accept, reply, page, MEMBER_COLUMNS, `segment-${name}.csv`);
  }

  @Get('complaints')
  async complaints(
    @Query() query: ComplaintStatsQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const filter = Object.fromEntries(STAT_DIMENSIONS.filter((d) => query[d] !== undefined).map((d) => [d, query[d]]));
    const report = await this.queries.execute(
      new ComplaintStatsQuery(
        {
          from: query.from ? asInstant(query.from, 'from').toISOString() : undefined,
          to: query.to ? asInstant(query.to, 'to').toISOString() : undefined,
        },
        query.groupBy,
        query.interval,
        filter,
        query.minPosition,
      ),
    );
    if (!wantsCsv(accept)) return report;
    return csvReply(reply, statsRows(report), { columns: STATS_COLUMNS, filename: 'complaint-statistics.csv' });
  }

  @Post('clv/fit')
  @HttpCode(201)
  async fit(@Body() dto: FitClvModelDto, @Ctx() context: CommandContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const outcome = await this.commands.execute(
      new FitClvModelCommand(
        {
          until: dto.until ?? today(new Date(liveAsOf(this.clock).asOf)),
          unit: dto.unit,
          holdoutEnd: dto.holdoutEnd,
          currency: dto.currency,
        },
        context,
      ),
    );
    void reply.header('Location', '/analytics/clv/model');
    if (outcome.replayed) void reply.header('Idempotent-Replayed', 'true');
    return { ...outcome.model, position: outcome.position, replayed: outcome.replayed };
  }

  @Get('clv/model')
  async model(@Query() query: ConsistencyQueryDto) {
    return this.queries.execute(new GetClvModelQuery(query.minPosition));
  }

  @Get('clv/models')
  async models(
    @Query() query: PageQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.queries.execute(new ListClvModelsQuery({ limit: query.limit, cursor: query.cursor }, query.minPosition));
    return this.list(accept, reply, page, ['modelId', 'calibrationEnd', 'unit', 'fittedAt'], 'clv-models.csv');
  }
}

/** CSV of the statistics: one row per period (per group within it), else per group, else the totals. */
function statsRows(report: ComplaintStatsReport): Record<string, unknown>[] {
  const window = { from: report.from, to: report.to };
  if (report.series) return report.series.map((row) => ({ ...window, ...row }));
  if (report.groups) return report.groups.map((row) => ({ ...window, ...row }));
  return [{ ...window, ...report.totals }];
}
