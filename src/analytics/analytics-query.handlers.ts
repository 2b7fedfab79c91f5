import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import { type AsOfStamp, liveAsOf } from './as-of';
import { complaintStatsAsOf } from './complaint-stats-as-of';
import { BusinessRuleViolation, NotFoundError, ValidationFailedError } from '../shared/errors/domain-errors';
import { ReadModels } from '../shared/projections/read-models';
import type { Collection, Filter, Page } from '../shared/read-store/read-store.port';
import { type ClvModelData } from './clv-model.events';
import { CLV_MODEL_PROJECTION, CLV_MODELS_COLLECTION, type ClvModelDoc } from './clv-model.projection';
import { ClvPredictor, ClvPredictors, type Prediction } from './clv-model';
import { bucketDays, bucketsCanAnswer, DayBucketCache, statisticsFromBuckets } from './complaint-stats-buckets';
import {
  COMPLAINT_DAY_LISTS_COLLECTION,
  COMPLAINT_DAYS_COLLECTION,
  COMPLAINT_FACTS_COLLECTION,
  COMPLAINT_MONTHS_COLLECTION,
  COMPLAINT_STATS_PROJECTION,
  type ComplaintDayDoc,
  type ComplaintDayListDoc,
  type ComplaintFactsDoc,
} from './complaint-stats.projection';
import {
  complaintStatistics,
  type ComplaintStatsReport,
  NONE,
  periodCount,
  type StatDimension,
  STAT_DIMENSIONS,
  type StatInterval,
} from './complaint-stats';
import { type CurrentValue, currentValueOf, type PotentialValue, potentialValueOf } from './customer-value';
import { DEFAULT_CURRENCY } from '../shared/money/money';
import { chooseCurrency } from '../shared/money/currency-choice';
import { analysisCurrency, currenciesOf, inCurrency, storedValues, withDays } from './value-currency';
import {
  CUSTOMER_VALUE_PROJECTION,
  type CustomerValueDoc,
  figureField,
  PRODUCT_INTEREST_COLLECTION,
  type StoredValueDoc,
  type ProductDoc,
  type ProductInterestDoc,
  PRODUCTS_COLLECTION,
  STORED_VALUE_SORTS,
  type ValueListDoc,
} from './customer-value.projection';
import { dayNumber } from './clv/summary';
import type { LifetimeValueSort, SegmentListScheme } from './dto/analytics.dto';
import { pageByKey, pageByKeyFromStream } from './paging';
import { EventLoopTurns } from './event-loop-turns';
import { predictionAsOf, type PredictionAsOf } from './prediction-as-of';
import { runStamp, segmentationRunAsOf, segmentsAt } from './segments/segments-as-of';
import {
  MEMBERSHIPS_COLLECTION,
  type MembershipDoc,
  SEGMENT_CHANGES_COLLECTION,
  SEGMENT_HISTORY_PROJECTION,
  type SegmentChangeDoc,
  SEGMENTATION_RUNS_COLLECTION,
  type SegmentationRunDoc,
} from './segment-history.projection';
import { SEGMENT_NAMES, schemeOfSegment } from './segmentation';
import { SEGMENT_SCHEMES, type SegmentationRunCompleted, type SegmentScheme, type SegmentScores } from './segmentation.events';

// ---------------------------------------------------------------- views

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

export interface SegmentListItem {
  scheme: SegmentListScheme;
  segment: string;
  customers: number;
  /** Product micro-segments: purchases and spend on the product per currency. */
  purchases?: number;
  amounts?: Record<string, number>;
}

export interface SegmentMemberView {
  customerId: string;
  name: string | null;
  scheme: SegmentListScheme;
  segment: string;
  /** When the customer entered the segment (product micro-segments: their first purchase of it). */
  since: string;
  scores: SegmentScores | null;
  /** The customer's revenue per currency. */
  revenue: Record<string, number> | null;
  purchaseCount: number | null;
  lastPurchaseAt: string | null;
  /** Product micro-segments only: the customer's purchases of the product, spend per currency. */
  productPurchases?: number;
  productQuantity?: number;
  productAmounts?: Record<string, number>;
}

export interface TransitionsView {
  scheme: SegmentScheme;
  from: string;
  to: string;
  /** Customers in a segment at `from` or at `to`. */
  customers: number;
  /** One entry per (segment at from, segment at to) pair that holds customers; NONE = in no segment. */
  items: { from: string; to: string; customers: number }[];
  /** The same as a matrix: matrix[from][to] = customers. */
  matrix: Record<string, Record<string, number>>;
  nextCursor: null;
  asOf: string;
  asOfBasis: AsOfStamp['asOfBasis'];
}

export interface SegmentChangeView {
  customerId: string;
  scheme: SegmentScheme;
  from: string | null;
  to: string | null;
  at: string;
  runId: string;
  scores: SegmentScores | null;
}

export interface ProductInterestView {
  product: string;
  purchases: number;
  quantity: number;
  /** Spend on the product per currency. */
  amounts: Record<string, number>;
  firstPurchaseAt: string;
  lastPurchaseAt: string;
}

/** A stored document without the store's fields (`_id`, `_position`). */
function withoutMeta<T extends object>(doc: T & { _id: string; _position?: unknown }): T {
  const copy: Record<string, unknown> = { ...doc };
  delete copy._id;
  delete copy._position;
  return copy as T;
}

// ---------------------------------------------------------------- shared helpers

/** The latest model; with a currency, the latest fitted on that currency's spend (a model predicts in its own currency only). */
async function currentModel(readModels: ReadModels, currency?: string): Promise<ClvModelDoc | null> {
  const models = readModels.collection<ClvModelDoc>(CLV_MODEL_PROJECTION, CLV_MODELS_COLLECTION);
  if (currency === undefined) return (await models.find({}, { sort: { revision: -1 }, limit: 1 })).items[0] ?? null;
  for await (const model of models.findAll({}, { revision: -1 })) if ((model.currency ?? DEFAULT_CURRENCY) === currency) return model;
  return null;
}

/** Revenue per currency of a stored document. */
const revenueByCurrency = (doc: StoredValueDoc): Record<string, number> =>
  Object.fromEntries(currenciesOf(doc).map((currency) => [currency, doc.byCurrency[currency].revenue]));
const totalPurchases = (doc: StoredValueDoc): number =>
  Object.values(doc.byCurrency).reduce((sum, figures) => sum + figures.purchaseCount, 0);
const lastPurchase = (doc: StoredValueDoc): string | null =>
  Object.values(doc.byCurrency).reduce<string | null>(
    (last, figures) =>
      figures.lastPurchaseAt !== null && (last === null || figures.lastPurchaseAt > last) ? figures.lastPurchaseAt : last,
    null,
  );

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

async function ensureCaughtUp(readModels: ReadModels, projections: string[], minPosition: string | undefined): Promise<void> {
  for (const projection of projections) await readModels.ensureCaughtUp(projection, minPosition);
}

function parseWindow(fromText: string, toText: string): { from: Date; to: Date } {
  const from = new Date(fromText);
  const to = new Date(toText);
  if (!(from.getTime() < to.getTime())) throw new ValidationFailedError([{ field: 'from', messages: ['from must be before to'] }]);
  return { from, to };
}

// ---------------------------------------------------------------- queries

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

export class ListSegmentsQuery extends Query<
  Page<SegmentListItem> & { lastRun: SegmentationRunCompleted['data'] | null } & AsOfStamp & { requestedAsOf: string | null }
> {
  constructor(
    readonly scheme: SegmentListScheme | undefined,
    readonly page: { limit: number; cursor?: string },
    readonly minPosition?: string,
    readonly asOf?: string,
  ) {
    super();
  }
}

export class ListSegmentMembersQuery extends Query<Page<SegmentMemberView> & AsOfStamp & { requestedAsOf: string | null }> {
  constructor(
    readonly name: string,
    readonly order: 'asc' | 'desc',
    readonly page: { limit: number; cursor?: string },
    readonly minPosition?: string,
    readonly asOf?: string,
  ) {
    super();
  }
}

export class SegmentTransitionsQuery extends Query<TransitionsView> {
  constructor(
    readonly scheme: SegmentScheme,
    readonly from: string,
    readonly to: string,
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class ListSegmentHistoryQuery extends Query<Page<SegmentChangeView>> {
  constructor(
    readonly filter: { customerId?: string; scheme?: SegmentScheme; segment?: string; from?: string; to?: string },
    readonly page: { limit: number; cursor?: string },
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class ComplaintStatsQuery extends Query<ComplaintStatsReport & AsOfStamp> {
  constructor(
    readonly window: { from?: string; to?: string },
    readonly groupBy: StatDimension | undefined,
    readonly interval: StatInterval | undefined,
    readonly filter: Partial<Record<StatDimension, string>>,
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

// ---------------------------------------------------------------- handlers

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

@QueryHandler(ListSegmentsQuery)
export class ListSegmentsHandler implements IQueryHandler<ListSegmentsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ scheme, page, minPosition, asOf }: ListSegmentsQuery) {
    await ensureCaughtUp(this.readModels, [SEGMENT_HISTORY_PROJECTION, CUSTOMER_VALUE_PROJECTION], minPosition);
    const memberships = this.readModels.collection<MembershipDoc>(SEGMENT_HISTORY_PROJECTION, MEMBERSHIPS_COLLECTION);
    const run = await segmentationRunAsOf(this.readModels, asOf);
    const items: (SegmentListItem & { rank: number })[] = [];
    for (const [schemeIndex, s] of SEGMENT_SCHEMES.entries()) {
      if (scheme !== undefined && scheme !== s) continue;
      // As of an instant: counted from the changes up to its run; otherwise the memberships (the latest run).
      const counts = new Map<string, number>();
      if (asOf !== undefined)
        for (const { segment } of run ? (await segmentsAt(this.readModels, s, run.asOf)).values() : [])
          counts.set(segment, (counts.get(segment) ?? 0) + 1);
      for (const [index, segment] of SEGMENT_NAMES[s].entries()) {
        const customers = asOf !== undefined ? (counts.get(segment) ?? 0) : await memberships.count({ scheme: s, segment });
        items.push({ scheme: s, segment, customers, rank: schemeIndex * 100 + index });
      }
    }
    if (asOf !== undefined && (scheme === undefined || scheme === 'product')) {
      // Product micro-segments as of the instant: the customers who had bought the product by then.
      const buyers = new Map<string, number>();
      for await (const interest of this.readModels
        .collection<ProductInterestDoc>(CUSTOMER_VALUE_PROJECTION, PRODUCT_INTEREST_COLLECTION)
        .findAll({ firstPurchaseAt: { $lte: new Date(asOf).toISOString() } })) {
        buyers.set(interest.product, (buyers.get(interest.product) ?? 0) + 1);
      }
      for (const [product, customers] of buyers) items.push({ scheme: 'product', segment: `product:${product}`, customers, rank: 1000 });
    } else if (scheme === undefined || scheme === 'product') {
      for await (const product of this.readModels.collection<ProductDoc>(CUSTOMER_VALUE_PROJECTION, PRODUCTS_COLLECTION).findAll()) {
        items.push({
          scheme: 'product',
          segment: `product:${product.product}`,
          customers: product.customers,
          purchases: product.purchases,
          amounts: product.amounts,
          rank: 1000,
        });
      }
    }
    // Schemes in order, each scheme's segments in display order; products by customers, then name.
    const result = pageByKey(items, (item) => [item.rank, item.rank === 1000 ? -item.customers : 0, item.segment], page.limit, page.cursor);
    const runs = await this.readModels
      .collection<SegmentationRunDoc>(SEGMENT_HISTORY_PROJECTION, SEGMENTATION_RUNS_COLLECTION)
      .find({}, { sort: { asOf: -1 }, limit: 1 });
    return {
      items: result.items.map(({ rank: _rank, ...item }) => item),
      nextCursor: result.nextCursor,
      lastRun: runs.items[0] ? withoutMeta<SegmentationRunCompleted['data']>(runs.items[0]) : null,
      ...runStamp(run, asOf),
    };
  }
}

/** The value documents of a page's customers, in one query (not one per member). */
async function valuesOf(customers: Collection<StoredValueDoc>, ids: readonly string[]): Promise<Map<string, StoredValueDoc>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const page = await customers.find({ _id: { $in: unique } }, { limit: unique.length });
  return new Map(page.items.map((doc) => [doc._id, doc]));
}

@QueryHandler(ListSegmentMembersQuery)
export class ListSegmentMembersHandler implements IQueryHandler<ListSegmentMembersQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({
    name,
    order,
    page,
    minPosition,
    asOf,
  }: ListSegmentMembersQuery): Promise<Page<SegmentMemberView> & AsOfStamp & { requestedAsOf: string | null }> {
    await ensureCaughtUp(this.readModels, [SEGMENT_HISTORY_PROJECTION, CUSTOMER_VALUE_PROJECTION], minPosition);
    const run = await segmentationRunAsOf(this.readModels, asOf);
    return { ...(await this.members(name, order, page, minPosition, asOf === undefined ? null : run)), ...runStamp(run, asOf) };
  }

  /** `at`: the run the members are as of; null: the latest (the memberships). */
  private async members(
    name: string,
    order: 'asc' | 'desc',
    page: { limit: number; cursor?: string },
    minPosition: string | undefined,
    at: SegmentationRunDoc | null,
  ): Promise<Page<SegmentMemberView>> {
    await ensureCaughtUp(this.readModels, [SEGMENT_HISTORY_PROJECTION, CUSTOMER_VALUE_PROJECTION], minPosition);
    const customers = storedValues(this.readModels);
    const direction = order === 'asc' ? 1 : -1;

    if (name.startsWith('product:')) {
      const product = name.slice('product:'.length);
      const known = await this.readModels.collection<ProductDoc>(CUSTOMER_VALUE_PROJECTION, PRODUCTS_COLLECTION).get(product);
      if (!known) throw new NotFoundError('SEGMENT_NOT_FOUND', 'No segment with this name', { segment: name });
      const result = await this.readModels
        .collection<ProductInterestDoc>(CUSTOMER_VALUE_PROJECTION, PRODUCT_INTEREST_COLLECTION)
        .find({ product }, { sort: { purchases: direction }, limit: page.limit, cursor: page.cursor });
      const values = await valuesOf(
        customers,
        result.items.map((interest) => interest.customerId),
      );
      const items: SegmentMemberView[] = [];
      for (const interest of result.items) {
        const doc = values.get(interest.customerId);
        items.push({
          customerId: interest.customerId,
          name: doc?.name ?? null,
          scheme: 'product',
          segment: name,
          since: interest.firstPurchaseAt,
          scores: null,
          revenue: doc ? revenueByCurrency(doc) : null,
          purchaseCount: doc ? totalPurchases(doc) : null,
          lastPurchaseAt: interest.lastPurchaseAt,
          productPurchases: interest.purchases,
          productQuantity: interest.quantity,
          productAmounts: interest.amounts,
        });
      }
      return { items, nextCursor: result.nextCursor };
    }

    const scheme = schemeOfSegment(name);
    if (scheme === null) throw new NotFoundError('SEGMENT_NOT_FOUND', 'No segment with this name', { segment: name });
    const result = at
      ? pageByKey(
          [...(await segmentsAt(this.readModels, scheme, at.asOf))]
            .filter(([, m]) => m.segment === name)
            .map(([customerId, m]) => ({ customerId, ...m })),
          (m) => [direction * Date.parse(m.since), m.customerId],
          page.limit,
          page.cursor,
        )
      : await this.readModels
          .collection<MembershipDoc>(SEGMENT_HISTORY_PROJECTION, MEMBERSHIPS_COLLECTION)
          .find({ scheme, segment: name }, { sort: { since: direction }, limit: page.limit, cursor: page.cursor });
    const values = await valuesOf(
      customers,
      result.items.map((m) => m.customerId),
    );
    const items: SegmentMemberView[] = [];
    for (const m of result.items) {
      const doc = values.get(m.customerId);
      items.push({
        customerId: m.customerId,
        name: doc?.name ?? null,
        scheme,
        segment: name,
        since: m.since,
        scores: m.scores,
        revenue: doc ? revenueByCurrency(doc) : null,
        purchaseCount: doc ? totalPurchases(doc) : null,
        lastPurchaseAt: doc ? lastPurchase(doc) : null,
      });
    }
    return { items, nextCursor: result.nextCursor };
  }
}

@QueryHandler(SegmentTransitionsQuery)
export class SegmentTransitionsHandler implements IQueryHandler<SegmentTransitionsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ scheme, from: fromText, to: toText, minPosition }: SegmentTransitionsQuery): Promise<TransitionsView> {
    await ensureCaughtUp(this.readModels, [SEGMENT_HISTORY_PROJECTION], minPosition);
    const { from, to } = parseWindow(fromText, toText);
    const fromIso = from.toISOString();
    const toIso = to.toISOString();
    // The segment at an instant is where the customer's last change at or before it put them.
    const at = new Map<string, { from: string | null; to: string | null }>();
    for await (const change of this.readModels
      .collection<SegmentChangeDoc>(SEGMENT_HISTORY_PROJECTION, SEGMENT_CHANGES_COLLECTION)
      .findAll({ scheme, at: { $lte: toIso } }, { at: 1 })) {
      const entry = at.get(change.customerId) ?? { from: null, to: null };
      if (change.at <= fromIso) entry.from = change.to;
      entry.to = change.to;
      at.set(change.customerId, entry);
    }
    const label = (segment: string | null): string => segment ?? NONE;
    const order = [...SEGMENT_NAMES[scheme], NONE];
    const matrix: Record<string, Record<string, number>> = {};
    let customers = 0;
    for (const entry of at.values()) {
      if (entry.from === null && entry.to === null) continue;
      customers++;
      const row = (matrix[label(entry.from)] ??= {});
      row[label(entry.to)] = (row[label(entry.to)] ?? 0) + 1;
    }
    const items = Object.entries(matrix)
      .flatMap(([f, row]) => Object.entries(row).map(([t, count]) => ({ from: f, to: t, customers: count })))
      .sort((p, q) => order.indexOf(p.from) - order.indexOf(q.from) || order.indexOf(p.to) - order.indexOf(q.to));
    // Segments at `from` and at `to`: the answer is as of `to`.
    return { scheme, from: fromIso, to: toIso, asOf: toIso, asOfBasis: 'requested', customers, items, matrix, nextCursor: null };
  }
}

@QueryHandler(ListSegmentHistoryQuery)
export class ListSegmentHistoryHandler implements IQueryHandler<ListSegmentHistoryQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ filter, page, minPosition }: ListSegmentHistoryQuery): Promise<Page<SegmentChangeView>> {
    await ensureCaughtUp(this.readModels, [SEGMENT_HISTORY_PROJECTION], minPosition);
    const query: Filter = {};
    if (filter.customerId) query.customerId = filter.customerId;
    if (filter.scheme) query.scheme = filter.scheme;
    if (filter.segment) query.$or = [{ from: filter.segment }, { to: filter.segment }];
    if (filter.from || filter.to) {
      if (filter.from && filter.to) parseWindow(filter.from, filter.to);
      query.at = {
        ...(filter.from ? { $gte: new Date(filter.from).toISOString() } : {}),
        ...(filter.to ? { $lt: new Date(filter.to).toISOString() } : {}),
      };
    }
    const result = await this.readModels
      .collection<SegmentChangeDoc>(SEGMENT_HISTORY_PROJECTION, SEGMENT_CHANGES_COLLECTION)
      .find(query, { sort: { at: -1 }, limit: page.limit, cursor: page.cursor });
    return { items: result.items.map((doc) => withoutMeta<SegmentChangeView>(doc)), nextCursor: result.nextCursor };
  }
}

/** More periods than this in one series is a mistake (or a denial of service). */
export const MAX_PERIODS = 1000;
const DEFAULT_WINDOW_MS = 30 * 86_400_000;

/** Computed complaint-statistics reports kept per server (each a few KB). */
const MAX_CACHED_REPORTS = 256;

@QueryHandler(ComplaintStatsQuery)
export class ComplaintStatsHandler implements IQueryHandler<ComplaintStatsQuery> {
  private readonly buckets = new DayBucketCache();
  /**
   * Reports computed from buckets, by request and the buckets' signature (their months' versions):
   * a report is a pure function of the two, so a repeated request over unchanged months (a
   * dashboard's usual windows) is answered without merging a year of buckets again.
   */
  private readonly reports = new Map<string, ComplaintStatsReport>();

  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ window, groupBy, interval, filter, minPosition }: ComplaintStatsQuery): Promise<ComplaintStatsReport & AsOfStamp> {
    await ensureCaughtUp(this.readModels, [COMPLAINT_STATS_PROJECTION], minPosition);
    const stamp = await complaintStatsAsOf(this.readModels, this.clock, window.to);
    return { ...(await this.report(window, groupBy, interval, filter, stamp.asOf)), ...stamp };
  }

  private async report(
    window: ComplaintStatsQuery['window'],
    groupBy: StatDimension | undefined,
    interval: StatInterval | undefined,
    filter: ComplaintStatsQuery['filter'],
    toText: string,
  ): Promise<ComplaintStatsReport> {
    const fromText = window.from ?? new Date(Date.parse(toText) - DEFAULT_WINDOW_MS).toISOString();
    const { from, to } = parseWindow(fromText, toText);
    if (interval && periodCount(from.getTime(), to.getTime(), interval) > MAX_PERIODS) {
      throw new ValidationFailedError([
        { field: 'interval', messages: [`the window holds more than ${MAX_PERIODS} periods of a ${interval}; use a longer interval`] },
      ]);
    }
    const request = { from, to, groupBy, interval };
    const filtered = STAT_DIMENSIONS.some((dimension) => filter[dimension] !== undefined);
    if (bucketsCanAnswer(request, filtered)) {
      // Whole days, all complaints: the day buckets the projection keeps (a few hundred small documents).
      const { first, last } = bucketDays(request);
      const { buckets, signature } = await this.buckets.readVersioned(
        {
          days: this.readModels.collection<ComplaintDayDoc>(COMPLAINT_STATS_PROJECTION, COMPLAINT_DAYS_COLLECTION),
          lists: this.readModels.collection<ComplaintDayListDoc>(COMPLAINT_STATS_PROJECTION, COMPLAINT_DAY_LISTS_COLLECTION),
          months: this.readModels.collection(COMPLAINT_STATS_PROJECTION, COMPLAINT_MONTHS_COLLECTION),
        },
        first,
        last,
      );
      // None: no complaint in either window, or a generation projected before the buckets existed
      // (read until the rebuild has caught up); the facts answer both.
      if (buckets.length > 0) {
        const key = `${signature}#${from.toISOString()}#${to.toISOString()}#${interval ?? ''}#${groupBy ?? ''}`;
        let report = this.reports.get(key);
        if (report === undefined) {
          report = statisticsFromBuckets(buckets, request);
          this.reports.set(key, report);
          // Oldest first out (a Map iterates in insertion order).
          if (this.reports.size > MAX_CACHED_REPORTS) this.reports.delete(this.reports.keys().next().value as string);
        }
        // A copy: callers may shape the answer (CSV, masking) without touching the cached one.
        return structuredClone(report);
      }
    }
    const previousFrom = new Date(from.getTime() - (to.getTime() - from.getTime()));
    const query: Filter = { registeredAt: { $gte: previousFrom.toISOString(), $lt: to.toISOString() } };
    for (const dimension of STAT_DIMENSIONS) {
      const value = filter[dimension];
      if (value !== undefined) query[dimension] = value === NONE ? null : value;
    }
    const facts: ComplaintFactsDoc[] = [];
    for await (const doc of this.readModels
      .collection<ComplaintFactsDoc>(COMPLAINT_STATS_PROJECTION, COMPLAINT_FACTS_COLLECTION)
      .findAll(query)) {
      facts.push(doc);
    }
    return complaintStatistics(facts, request);
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

export const ANALYTICS_QUERY_HANDLERS = [
  GetCustomerValueHandler,
  ListLifetimeValuesHandler,
  ListSegmentsHandler,
  ListSegmentMembersHandler,
  SegmentTransitionsHandler,
  ListSegmentHistoryHandler,
  ComplaintStatsHandler,
  GetClvModelHandler,
  ListClvModelsHandler,
];
