import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { type AsOfStamp } from './as-of';
import { NotFoundError } from '../shared/errors/domain-errors';
import { ReadModels } from '../shared/projections/read-models';
import type { Filter, Page } from '../shared/read-store/read-store.port';
import { NONE } from './complaint-stats';
import { currenciesOf, storedValues } from './value-currency';
import {
  CUSTOMER_VALUE_PROJECTION,
  PRODUCT_INTEREST_COLLECTION,
  type StoredValueDoc,
  type ProductDoc,
  type ProductInterestDoc,
  PRODUCTS_COLLECTION,
} from './customer-value.projection';
import type { SegmentListScheme } from './dto/analytics.dto';
import { pageByKey } from './paging';
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
import {
  type CustomerSegmentChanged,
  SEGMENT_SCHEMES,
  type SegmentationRunCompleted,
  type SegmentScheme,
  type SegmentScores,
} from './segmentation.events';
import { ensureCaughtUp, parseWindow, valuesOf, withoutMeta } from './analytics-query-support';

// The segment queries: segments and their sizes, a segment's members, moves between segments, the history of changes.

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

/** One change of a customer's segment, as the event says it. */
export type SegmentChangeView = CustomerSegmentChanged['data'];

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
