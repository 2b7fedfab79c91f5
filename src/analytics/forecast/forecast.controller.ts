import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { csvReply, wantsCsv } from '../../shared/http/csv';
import { ConsistencyQueryDto, CURRENCY } from '../dto/analytics.dto';
import { SEGMENT_SCHEMES, type SegmentScheme } from '../segmentation.events';
import { FORECAST_INTERVALS, type ForecastInterval } from './forecast-periods';
import { FORECAST_GROUPINGS, type ForecastGrouping, type ForecastView, SalesForecastQuery } from './forecast.query';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class ForecastQueryDto extends ConsistencyQueryDto {
  /** First day of the window (YYYY-MM-DD, inclusive). */
  @Matches(DATE, { message: 'from must be a date YYYY-MM-DD' }) @IsISO8601({ strict: true }) from!: string;
  /** The day after the window (YYYY-MM-DD, exclusive). */
  @Matches(DATE, { message: 'to must be a date YYYY-MM-DD' }) @IsISO8601({ strict: true }) to!: string;
  @IsOptional() @IsIn(FORECAST_INTERVALS) interval: ForecastInterval = 'month';
  @IsOptional() @IsIn(FORECAST_GROUPINGS) groupBy: ForecastGrouping = 'none';
  /** The segment scheme of groupBy=segment. */
  @IsOptional() @IsIn(SEGMENT_SCHEMES) scheme: SegmentScheme = 'rfm';
  /** Day the forecast starts after (YYYY-MM-DD); default the fitted model's calibration end. */
  @IsOptional() @Matches(DATE, { message: 'asOf must be a date YYYY-MM-DD' }) @IsISO8601({ strict: true }) asOf?: string;
  /** ISO 4217 code forecast; default the only currency recorded (422 CURRENCY_REQUIRED lists them when several). */
  @IsOptional() @Matches(CURRENCY, { message: 'currency must be an ISO 4217 code such as EUR' }) currency?: string;
}

const FORECAST_COLUMNS = [
  'group',
  'period',
  'from',
  'to',
  'forecast.transactions',
  'forecast.revenue',
  'actual.transactions',
  'actual.revenue',
];

/**
 * GET /analytics/forecast: expected purchases and revenue per period from the fitted CLV model,
 * in total and per segment or product, the actuals beside them (a backtest with MAPE when the
 * window is in the past) and the weighted pipeline of open suggestions. CSV with Accept: text/csv:
 * one row per period of the total, then per group and period.
 */
@Controller('analytics')
export class ForecastController {
  constructor(private readonly queries: QueryBus) {}

  @Get('forecast')
  async forecast(
    @Query() query: ForecastQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const view = await this.queries.execute(
      new SalesForecastQuery(
        {
          from: query.from,
          to: query.to,
          interval: query.interval,
          groupBy: query.groupBy,
          scheme: query.scheme,
          asOf: query.asOf,
          currency: query.currency,
        },
        query.minPosition,
      ),
    );
    if (!wantsCsv(accept)) return view;
    return csvReply(reply, forecastRows(view), { columns: FORECAST_COLUMNS, filename: 'forecast.csv' });
  }
}

function forecastRows(view: ForecastView): Record<string, unknown>[] {
  const rows = view.periods.map((p) => ({ group: 'total', ...p }));
  for (const group of view.groups ?? []) rows.push(...group.periods.map((p) => ({ group: group.group, ...p })));
  return rows;
}
