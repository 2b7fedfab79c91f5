import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import { liveAsOf } from './as-of';
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import { ReadModels } from '../shared/projections/read-models';
import type { Filter, Page } from '../shared/read-store/read-store.port';
import { type ClvModelData } from './clv-model.events';
import { CLV_MODEL_PROJECTION, CLV_MODELS_COLLECTION, type ClvModelDoc } from './clv-model.projection';
import { ClvPredictor, ClvPredictors, type Prediction } from './clv-model';
import { type CurrentValue, currentValueOf, type PotentialValue, potentialValueOf } from './customer-value';
import { DEFAULT_CURRENCY } from '../shared/money/money';
import { chooseCurrency } from '../shared/money/currency-choice';
import { analysisCurrency, currenciesOf, inCurrency, storedValues, withDays } from './value-currency';
import {
  CUSTOMER_VALUE_PROJECTION,
  type CustomerValueDoc,
  figureField,
  PRODUCT_INTEREST_COLLECTION,
  type ProductInterestDoc,
  STORED_VALUE_SORTS,
  type ValueListDoc,
} from './customer-value.projection';
import { dayNumber } from './clv/summary';
import type { LifetimeValueSort } from './dto/analytics.dto';
import { pageByKeyFromStream } from './paging';
import { EventLoopTurns } from './event-loop-turns';
import { predictionAsOf, type PredictionAsOf } from './prediction-as-of';
import { MEMBERSHIPS_COLLECTION, type MembershipDoc, SEGMENT_HISTORY_PROJECTION } from './segment-history.projection';
import { type SegmentScheme, type SegmentScores } from './segmentation.events';
import { ensureCaughtUp, valuesOf, withoutMeta } from './analytics-query-support';

// The value queries: one customer's value, the lifetime-value list, the fitted CLV models.

export interface PredictionParams {
  horizon?: number;
  discount?: number;
  marginShare?: number;
  /** YYYY-MM-DD; default the model's calibration end (prediction-as-of.ts). */
  asOf?: string;
  /** ISO 4217 code the values are answered in (value-currency.ts). */
  currency?: string;
}

export interface SegmentMembershipView {
  segment: string | null;
  since: string;
  scores: SegmentScores | null;
}

/** One customer's value: current (VAC), potential (VPC) and predictive (CLV; null before a model is fitted or a first purchase). */
export interface LifetimeValueView {
  customerId: string;
  name: string;
  status: CustomerValueDoc['status'];
  registeredAt: string;
  /** Every amount of this answer is in this currency. */
  currency: string;
  currentValue: CurrentValue;
  potentialValue: PotentialValue;
  predictive: Prediction | null;
}

export interface CustomerValueView extends LifetimeValueView, Omit<PredictionAsOf, 'instant'> {
  /** Currencies the customer bought in (ask for another with ?currency=). */
  currencies: string[];
  /** The customer's segment in each scheme and since when (null before the first segmentation run that scored them). */
  segments: Record<SegmentScheme, SegmentMembershipView | null>;
  /** Product interest, biggest spend first. */
  products: ProductInterestView[];
}

export type ClvModelView = ClvModelData & { revision: number };

export interface ProductInterestView {
  product: string;
  purchases: number;
  quantity: number;
  /** Spend on the product per currency. */
  amounts: Record<string, number>;
  firstPurchaseAt: string;
  lastPurchaseAt: string;
}

/** The latest model; with a currency, the latest fitted on that currency's spend (a model predicts in its own currency only). */
async function currentModel(readModels: ReadModels, currency?: string): Promise<ClvModelDoc | null> {
  const models = readModels.collection<ClvModelDoc>(CLV_MODEL_PROJECTION, CLV_MODELS_COLLECTION);
  if (currency === undefined) return (await models.find({}, { sort: { revision: -1 }, limit: 1 })).items[0] ?? null;
  for await (const model of models.findAll({}, { revision: -1 })) if ((model.currency ?? DEFAULT_CURRENCY) === currency) return model;
  return null;
}

/** A page of lifetime values, with the day its predictions were made as of. */
export type LifetimeValuePage = Page<LifetimeValueView> & Omit<PredictionAsOf, 'instant'> & { currency: string };

function lifetimeValueView(doc: ValueListDoc, now: Date, predictor: ClvPredictor | null): LifetimeValueView {
  return {
    customerId: doc.customerId,
    name: doc.name,
    status: doc.status,
    registeredAt: doc.registeredAt,
    currency: doc.currency,
    currentValue: currentValueOf(doc),
    potentialValue: potentialValueOf(doc, now),
    predictive: predictor ? predictor.predict(doc) : null,
  };
}

export class GetCustomerValueQuery extends Query<CustomerValueView> {
  constructor(
    readonly customerId: string,
    readonly prediction: PredictionParams,
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class ListLifetimeValuesQuery extends Query<LifetimeValuePage> {
  constructor(
    readonly filter: { status?: string; minRevenue?: number; minPurchases?: number },
    readonly sort: { field: LifetimeValueSort; order: 'asc' | 'desc' },
    readonly page: { limit: number; cursor?: string },
    readonly prediction: PredictionParams,
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class GetClvModelQuery extends Query<ClvModelView> {
  constructor(readonly minPosition?: string) {
    super();
  }
}

export class ListClvModelsQuery extends Query<Page<ClvModelView>> {
  constructor(
    readonly page: { limit: number; cursor?: string },
    readonly minPosition?: string,
  ) {
    super();
  }
}

@QueryHandler(GetCustomerValueQuery)
export class GetCustomerValueHandler implements IQueryHandler<GetCustomerValueQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private readonly predictors = new ClvPredictors();

  async execute({ customerId, prediction, minPosition }: GetCustomerValueQuery): Promise<CustomerValueView> {
    await ensureCaughtUp(this.readModels, [CUSTOMER_VALUE_PROJECTION, SEGMENT_HISTORY_PROJECTION, CLV_MODEL_PROJECTION], minPosition);
    const stored = await storedValues(this.readModels).get(customerId);
    if (!stored) throw new NotFoundError('CUSTOMER_NOT_FOUND', 'No customer with this id');
    // One currency per answer: the one asked for, or the customer's only one.
    const currencies = currenciesOf(stored);
    const doc = inCurrency(withDays(stored), chooseCurrency(prediction.currency, currencies));
    const model = await currentModel(this.readModels, doc.currency);
    const { instant, ...asOf } = predictionAsOf(model, prediction.asOf, new Date(liveAsOf(this.clock).asOf));
    // Open suggestions are live: as of now unless a day was asked for.
    const suggestionsAt = asOf.asOfBasis === 'requested' ? instant : new Date(liveAsOf(this.clock).asOf);
    const view = lifetimeValueView(doc, suggestionsAt, this.predictors.for(model, prediction, instant));

    const segments = { rfm: null, 'value-matrix': null } as CustomerValueView['segments'];
    for await (const m of this.readModels
      .collection<MembershipDoc>(SEGMENT_HISTORY_PROJECTION, MEMBERSHIPS_COLLECTION)
      .findAll({ customerId })) {
      segments[m.scheme] = { segment: m.segment, since: m.since, scores: m.scores };
    }
    const products: CustomerValueView['products'] = [];
    for await (const interest of this.readModels
      .collection<ProductInterestDoc>(CUSTOMER_VALUE_PROJECTION, PRODUCT_INTEREST_COLLECTION)
      .findAll({ customerId }, { purchases: -1 })) {
      const { product, purchases, quantity, amounts, firstPurchaseAt, lastPurchaseAt } = interest;
      products.push({ product, purchases, quantity, amounts, firstPurchaseAt, lastPurchaseAt });
    }
    return { ...view, currencies, ...asOf, segments, products };
  }
}

@QueryHandler(ListLifetimeValuesQuery)
export class ListLifetimeValuesHandler implements IQueryHandler<ListLifetimeValuesQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly turns: EventLoopTurns,
  ) {}

  private readonly predictors = new ClvPredictors();

  async execute({ filter, sort, page, prediction, minPosition }: ListLifetimeValuesQuery): Promise<LifetimeValuePage> {
    await ensureCaughtUp(this.readModels, [CUSTOMER_VALUE_PROJECTION, CLV_MODEL_PROJECTION], minPosition);
    const currency = await analysisCurrency(this.readModels, prediction.currency);
    const query: Filter = {};
    if (filter.status) query.status = filter.status;
    if (filter.minRevenue !== undefined) query[figureField(currency, 'revenue')] = { $gte: filter.minRevenue };
    if (filter.minPurchases !== undefined && filter.minPurchases > 0)
      query[figureField(currency, 'purchaseCount')] = { $gte: filter.minPurchases };
    const customers = storedValues(this.readModels);
    const model = await currentModel(this.readModels, currency);
    const { instant, ...asOf } = predictionAsOf(model, prediction.asOf, new Date(liveAsOf(this.clock).asOf));
    // Open suggestions are live: as of now unless a day was asked for.
    const now = asOf.asOfBasis === 'requested' ? instant : new Date(liveAsOf(this.clock).asOf);
    const predictor = this.predictors.for(model, prediction, instant);
    const direction = sort.order === 'asc' ? 1 : -1;

    if ((STORED_VALUE_SORTS as readonly string[]).includes(sort.field)) {
      // The purchase days are most of a heavy buyer's document: the list reads their summary instead.
      const field = figureField(currency, sort.field as (typeof STORED_VALUE_SORTS)[number]);
      const result = await customers.find(query, {
        sort: { [field]: direction },
        limit: page.limit,
        cursor: page.cursor,
        exclude: ['days'],
      });
      const asOfDay = dayNumber(asOf.asOf);
      // Purchases dated after the as-of day (all of them in a history valued as of its past), or a
      // document built before the summary existed: the days are needed, read in one query.
      const lean = result.items.map((doc) => inCurrency(doc, currency));
      const incomplete = lean.filter((doc) => {
        const summary = doc.daySummary as ValueListDoc['daySummary'] | undefined;
        return !(summary !== undefined && (summary.lastDay === null || summary.lastDay <= asOfDay));
      });
      const full = await valuesOf(
        customers,
        incomplete.map((doc) => doc._id),
      );
      const items = lean.map((doc) => {
        const stored = full.get(doc._id);
        return lifetimeValueView(stored ? inCurrency(withDays(stored), currency) : doc, now, predictor);
      });
      return { items, nextCursor: result.nextCursor, currency, ...asOf };
    }

    // Values computed at query time: every matching customer is valued, then sorted and paged.
    if (sort.field !== 'potentialValue' && !predictor) {
      throw new BusinessRuleViolation('CLV_MODEL_REQUIRED', `Sorting by ${sort.field} needs a fitted CLV model (POST /analytics/clv/fit)`);
    }
    // Valued as they stream in, giving other requests a turn every few hundred customers: a new
    // discount rate means a new valuation of the whole base, too long to hold the event loop for.
    const views = (async function* valued(): AsyncIterable<LifetimeValueView> {
      for await (const doc of customers.findAll(query)) yield lifetimeValueView(inCurrency(withDays(doc), currency), now, predictor);
    })();
    const valueOf = (view: LifetimeValueView): number | null => {
      switch (sort.field) {
        case 'potentialValue':
          return view.potentialValue.value;
        case 'clv':
          return view.predictive?.clv ?? null;
        case 'probabilityAlive':
          return view.predictive?.probabilityAlive ?? null;
        default:
          return view.predictive?.expectedTransactions ?? null;
      }
    };
    const sorted = await pageByKeyFromStream(
      views,
      (view) => {
        const value = valueOf(view);
        return [value === null ? null : direction * value, view.customerId];
      },
      page.limit,
      page.cursor,
      this.turns,
    );
    return { ...sorted, currency, ...asOf };
  }
}

@QueryHandler(GetClvModelQuery)
export class GetClvModelHandler implements IQueryHandler<GetClvModelQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ minPosition }: GetClvModelQuery): Promise<ClvModelView> {
    await ensureCaughtUp(this.readModels, [CLV_MODEL_PROJECTION], minPosition);
    const model = await currentModel(this.readModels);
    if (!model) throw new NotFoundError('CLV_MODEL_NOT_FITTED', 'No CLV model has been fitted yet (POST /analytics/clv/fit)');
    return withoutMeta<ClvModelView>(model);
  }
}

/** Every fitted model, newest first (the first is current). */
@QueryHandler(ListClvModelsQuery)
export class ListClvModelsHandler implements IQueryHandler<ListClvModelsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ page, minPosition }: ListClvModelsQuery): Promise<Page<ClvModelView>> {
    await ensureCaughtUp(this.readModels, [CLV_MODEL_PROJECTION], minPosition);
    const result = await this.readModels
      .collection<ClvModelDoc>(CLV_MODEL_PROJECTION, CLV_MODELS_COLLECTION)
      .find({}, { sort: { revision: -1 }, limit: page.limit, cursor: page.cursor });
    return { items: result.items.map((doc) => withoutMeta<ClvModelView>(doc)), nextCursor: result.nextCursor };
  }
}
