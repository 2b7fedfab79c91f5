import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../../shared/clock';
import { BusinessRuleViolation, ValidationFailedError } from '../../shared/errors/domain-errors';
import { ReadModels } from '../../shared/projections/read-models';
import { dayNumber } from '../clv/summary';
import { CLV_MODEL_PROJECTION, CLV_MODELS_COLLECTION, type ClvModelDoc } from '../clv-model.projection';
import { CUSTOMER_VALUE_PROJECTION, PRODUCT_INTEREST_COLLECTION, type ProductInterestDoc } from '../customer-value.projection';
import { analysisCurrency, valueDocsIn } from '../value-currency';
import { addMoney, DEFAULT_CURRENCY } from '../../shared/money/money';
import { liveAsOf } from '../as-of';
import { predictionAsOf, type PredictionAsOf } from '../prediction-as-of';
import { MEMBERSHIPS_COLLECTION, type MembershipDoc, SEGMENT_HISTORY_PROJECTION } from '../segment-history.projection';
import type { SegmentScheme } from '../segmentation.events';
import { type ForecastCustomer, type ForecastGroup, type ForecastResult, salesForecast } from './forecast';
import { type ForecastInterval, periodCountOf, periodsOf } from './forecast-periods';
import { type Pipeline, salesPipeline } from './pipeline';

export const FORECAST_GROUPINGS = ['none', 'segment', 'product'] as const;
export type ForecastGrouping = (typeof FORECAST_GROUPINGS)[number];

/** More periods than this in one forecast is a mistake (ten years of weeks). */
export const MAX_FORECAST_PERIODS = 520;
/** Groups shown one by one; the rest are summed into OTHER_GROUP (a chart tells about twelve colours apart). */
export const MAX_GROUPS = 12;
export const OTHER_GROUP = '(other)';
export const NO_SEGMENT = '(none)';

export interface ForecastRequest {
  from: string;
  to: string;
  interval: ForecastInterval;
  groupBy: ForecastGrouping;
  scheme: SegmentScheme;
  asOf?: string;
  /** ISO 4217 code forecast (value-currency.ts). */
  currency?: string;
}

export type ForecastView = Omit<PredictionAsOf, 'instant'> &
  Omit<ForecastResult, 'groups'> & {
    modelId: string;
    /** Every amount of the forecast and pipeline is in this currency. */
    currency: string;
    calibrationEnd: string;
    unit: string;
    from: string;
    to: string;
    interval: ForecastInterval;
    groupBy: ForecastGrouping;
    scheme: SegmentScheme | null;
    groups: ForecastGroup[] | null;
    pipeline: Pipeline;
  };

export class SalesForecastQuery extends Query<ForecastView> {
  constructor(
    readonly request: ForecastRequest,
    readonly minPosition?: string,
  ) {
    super();
  }
}

@QueryHandler(SalesForecastQuery)
export class SalesForecastHandler implements IQueryHandler<SalesForecastQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ request, minPosition }: SalesForecastQuery): Promise<ForecastView> {
    const { from, to, interval, groupBy, scheme } = request;
    if (!(dayNumber(from) < dayNumber(to))) throw new ValidationFailedError([{ field: 'from', messages: ['from must be before to'] }]);
    if (periodCountOf(from, to, interval) > MAX_FORECAST_PERIODS) {
      throw new ValidationFailedError([
        {
          field: 'interval',
          messages: [`the window holds more than ${MAX_FORECAST_PERIODS} periods of a ${interval}; use a longer interval`],
        },
      ]);
    }
    for (const projection of [
      CUSTOMER_VALUE_PROJECTION,
      CLV_MODEL_PROJECTION,
      ...(groupBy === 'segment' ? [SEGMENT_HISTORY_PROJECTION] : []),
    ]) {
      await this.readModels.ensureCaughtUp(projection, minPosition);
    }
    const currency = await analysisCurrency(this.readModels, request.currency);
    // The latest model fitted on this currency's spend.
    let model: ClvModelDoc | undefined;
    for await (const fitted of this.readModels
      .collection<ClvModelDoc>(CLV_MODEL_PROJECTION, CLV_MODELS_COLLECTION)
      .findAll({}, { revision: -1 })) {
      if ((fitted.currency ?? DEFAULT_CURRENCY) === currency) {
        model = fitted;
        break;
      }
    }
    if (!model)
      throw new BusinessRuleViolation(
        'CLV_MODEL_REQUIRED',
        `A forecast needs a CLV model fitted on ${currency} (POST /analytics/clv/fit)`,
        { currency },
      );
    // Today bounds the actuals and defaults the as-of when there is no model's calibration end to use.
    const now = new Date(liveAsOf(this.clock).asOf);
    const { instant, ...asOf } = predictionAsOf(model, request.asOf, now);

    const docs = await valueDocsIn(this.readModels, currency);
    const groupsOf = await this.groupings(groupBy, scheme, currency);
    let lastPurchaseDay: number | null = null;
    for (const doc of docs) {
      const last = doc.days.at(-1)?.[0];
      if (last !== undefined && (lastPurchaseDay === null || last > lastPurchaseDay)) lastPurchaseDay = last;
    }
    // Actuals are known up to the last purchase recorded, and never beyond today.
    const today = dayNumber(now.toISOString());
    const knownUntil = lastPurchaseDay === null ? null : Math.min(lastPurchaseDay, today);
    const periods = periodsOf(from, to, interval);
    const customers: ForecastCustomer[] = docs.map((doc) => ({
      customerId: doc.customerId,
      days: doc.days,
      groups: groupsOf(doc.customerId),
    }));
    const result = salesForecast({ bgnbd: model.bgnbd, gammaGamma: model.gammaGamma, unit: model.unit }, customers, {
      asOfDay: dayNumber(asOf.asOf),
      periods,
      actualsKnownUntil: knownUntil,
      groupActuals: groupBy !== 'product',
      currency,
    });
    // Open suggestions are live: as of now unless a day was asked for.
    const pipeline = salesPipeline(docs, asOf.asOfBasis === 'requested' ? instant : now, periods, currency);
    return {
      ...asOf,
      modelId: model.modelId,
      currency,
      calibrationEnd: model.calibrationEnd,
      unit: model.unit,
      from,
      to,
      interval,
      groupBy,
      scheme: groupBy === 'segment' ? scheme : null,
      ...result,
      groups: result.groups === null ? null : foldSmallGroups(result.groups, currency),
      pipeline,
    };
  }

  /** Each customer's share of the forecast per group. */
  private async groupings(
    groupBy: ForecastGrouping,
    scheme: SegmentScheme,
    currency: string,
  ): Promise<(customerId: string) => ForecastCustomer['groups']> {
    if (groupBy === 'none') return () => [];
    if (groupBy === 'segment') {
      const segment = new Map<string, string>();
      for await (const m of this.readModels
        .collection<MembershipDoc>(SEGMENT_HISTORY_PROJECTION, MEMBERSHIPS_COLLECTION)
        .findAll({ scheme })) {
        if (m.segment !== null) segment.set(m.customerId, m.segment);
      }
      return (id) => [{ group: segment.get(id) ?? NO_SEGMENT, transactionShare: 1, revenueShare: 1 }];
    }
    // Products: the customer's forecast split as their purchases and spend so far split.
    const interest = new Map<string, ProductInterestDoc[]>();
    for await (const doc of this.readModels
      .collection<ProductInterestDoc>(CUSTOMER_VALUE_PROJECTION, PRODUCT_INTEREST_COLLECTION)
      .findAll()) {
      const list = interest.get(doc.customerId) ?? [];
      list.push(doc);
      interest.set(doc.customerId, list);
    }
    return (id) => {
      const list = interest.get(id) ?? [];
      const purchases = list.reduce((s, p) => s + p.purchases, 0);
      const spend = (p: ProductInterestDoc): number => p.amounts[currency] ?? 0;
      const amount = list.reduce((s, p) => s + spend(p), 0);
      return list.map((p) => ({
        group: p.product,
        transactionShare: purchases > 0 ? p.purchases / purchases : 1 / list.length,
        revenueShare: amount > 0 ? spend(p) / amount : purchases > 0 ? p.purchases / purchases : 1 / list.length,
      }));
    };
  }
}

/** The biggest groups one by one, the others summed into OTHER_GROUP. */
function foldSmallGroups(groups: ForecastGroup[], currency: string): ForecastGroup[] {
  if (groups.length <= MAX_GROUPS) return groups;
  const kept = groups.slice(0, MAX_GROUPS - 1);
  const rest = groups.slice(MAX_GROUPS - 1);
  const add = (a: { transactions: number; revenue: number } | null, b: { transactions: number; revenue: number } | null) =>
    a === null || b === null
      ? (a ?? b)
      : {
          transactions: Math.round((a.transactions + b.transactions) * 1000) / 1000,
          revenue: addMoney(a.revenue, b.revenue, currency),
        };
  const other = rest.reduce((acc, g) => ({
    group: OTHER_GROUP,
    forecast: add(acc.forecast, g.forecast)!,
    periods: acc.periods.map((p, k) => ({
      ...p,
      forecast: add(p.forecast, g.periods[k].forecast),
      actual: add(p.actual, g.periods[k].actual),
    })),
  }));
  return [...kept, { ...other, group: OTHER_GROUP }];
}
