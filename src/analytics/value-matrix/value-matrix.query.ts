import { Controller, Get, Query as QueryParams } from '@nestjs/common';
import { Query, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { IsISO8601, IsOptional } from 'class-validator';
import { NotFoundError } from '../../shared/errors/domain-errors';
import { ReadModels } from '../../shared/projections/read-models';
import type { AsOfStamp } from '../as-of';
import { ConsistencyQueryDto } from '../dto/analytics.dto';
import { SEGMENT_HISTORY_PROJECTION } from '../segment-history.projection';
import { runStamp, segmentationRunAsOf, segmentsAt } from '../segments/segments-as-of';
import { VALUE_MATRIX_CELLS, VALUE_TIERS, type ValueMatrixCell, type ValueTier } from '../segments/value-matrix';
import type { Valuation } from './potential-value';

export class ValueMatrixQueryDto extends ConsistencyQueryDto {
  /** The matrix of the latest segmentation run at or before this instant; default: the latest run. */
  @IsOptional() @IsISO8601({ strict: true }) asOf?: string;
}

export interface ValueMatrixView extends AsOfStamp {
  requestedAsOf: string | null;
  /** How the run valued customers (margin or revenue; the CLV model in the potential), null for runs recorded before it was said. */
  valuation: Valuation | null;
  /** The currency whose spend the run scored; null for runs recorded before currencies were kept apart. */
  currency: string | null;
  customers: number;
  /** Customers per cell. */
  cells: Record<ValueMatrixCell, number>;
  /** The same as rows of current value by columns of potential value: matrix[current][potential]. */
  matrix: Record<ValueTier, Record<ValueTier, number>>;
}

export class GetValueMatrixQuery extends Query<ValueMatrixView> {
  constructor(
    readonly asOf: string | undefined,
    readonly minPosition?: string,
  ) {
    super();
  }
}

@QueryHandler(GetValueMatrixQuery)
export class GetValueMatrixHandler implements IQueryHandler<GetValueMatrixQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ asOf, minPosition }: GetValueMatrixQuery): Promise<ValueMatrixView> {
    await this.readModels.ensureCaughtUp(SEGMENT_HISTORY_PROJECTION, minPosition);
    const run = await segmentationRunAsOf(this.readModels, asOf);
    if (!run) {
      throw new NotFoundError('SEGMENTATION_NOT_RUN', 'No segmentation run as of this instant (POST /analytics/segments/recompute?asOf=)', {
        asOf: asOf ?? null,
      });
    }
    const members = await segmentsAt(this.readModels, 'value-matrix', run.asOf);
    const cells = Object.fromEntries(
      VALUE_TIERS.flatMap((row) => VALUE_TIERS.map((column) => [VALUE_MATRIX_CELLS[row][column], 0])),
    ) as Record<ValueMatrixCell, number>;
    for (const { segment } of members.values()) if (segment in cells) cells[segment as ValueMatrixCell] += 1;
    const matrix = Object.fromEntries(
      VALUE_TIERS.map((current) => [
        current,
        Object.fromEntries(VALUE_TIERS.map((potential) => [potential, cells[VALUE_MATRIX_CELLS[current][potential]]])),
      ]),
    ) as ValueMatrixView['matrix'];
    return {
      ...runStamp(run, asOf),
      valuation: run.valuation ?? null,
      currency: run.currency ?? null,
      customers: members.size,
      cells,
      matrix,
    };
  }
}

/** The value matrix as of a segmentation run: GET /analytics/value-matrix?asOf=. */
@Controller('analytics')
export class ValueMatrixController {
  constructor(private readonly queries: QueryBus) {}

  @Get('value-matrix')
  async valueMatrix(@QueryParams() query: ValueMatrixQueryDto) {
    return this.queries.execute(new GetValueMatrixQuery(query.asOf, query.minPosition));
  }
}
