import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import { NotFoundError } from '../shared/errors/domain-errors';
import { ReadModels } from '../shared/projections/read-models';
import type { Filter, Page, SortSpec } from '../shared/read-store/read-store.port';
import { SEGMENT_SCHEMES } from '../analytics/segmentation.events';
import type { AcquisitionChannel } from './customer.events';
import type { CustomerSort } from './dto/customer-queries.dto';
import {
  COMPLAINT_OWNERS_COLLECTION,
  type ComplaintOwnerDoc,
  complaintList,
  CUSTOMER_PROFILE_PROJECTION,
  CUSTOMERS_COLLECTION,
  type CustomerComplaintEntry,
  type CustomerOwnerEntry,
  type CustomerProfileDoc,
  INTERACTIONS_COLLECTION,
  type InteractionDoc,
  phoneDigits,
  type PurchaseDoc,
  PURCHASES_COLLECTION,
  PROFILE_CURRENCIES_COLLECTION,
  type CurrencyValue,
  type SuggestionView,
} from './customer-profile.projection';
import { netAverageOrderValue } from './customer-refunds.projection';
import { addMoney, DEFAULT_CURRENCY, MoneyTotals } from '../shared/money/money';
import { chooseCurrency, type CurrencySeenDoc } from '../shared/money/currency-choice';

/** The profile with what depends on the time of reading: open suggestions and potential value (VPC). */
export interface CustomerView {
  id: string;
  status: CustomerProfileDoc['status'];
  name: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  acquisitionChannel: string;
  registeredAt: string;
  convertedAt: string | null;
  deactivatedAt: string | null;
  deactivationReason: string | null;
  currentValue: Omit<CustomerProfileDoc['currentValue'], 'byCurrency'> & {
    byCurrency: Record<string, CurrencyValue & { averageOrderValue: number }>;
  };
  potentialValue: {
    /** Per currency of the purchases and open suggestions; never one sum across currencies. */
    byCurrency: Record<
      string,
      {
        /** Sum of the expected values of the suggestions still open (not decided, not expired). */
        openSuggestionsValue: number;
        /** Current revenue plus the open suggestions: what the customer would be worth taking every suggestion. */
        value: number;
      }
    >;
    /** Accepted / decided suggestions; null before any decision. */
    acceptanceRate: number | null;
  };
  openSuggestions: SuggestionView[];
  suggestions: SuggestionView[];
  referralsMade: string[];
  referredBy: string | null;
  interactionCount: number;
  lastInteractionAt: string | null;
  /** The customer's complaints, oldest first, with their current status. */
  complaints: CustomerComplaintEntry[];
  /** The segment per scheme after the last segmentation run (empty before one). */
  segments: Record<string, string | null>;
  /** The account manager (null: none) and every owner since the first, oldest first. */
  owner: string | null;
  ownerHistory: CustomerOwnerEntry[];
  revision: number;
  updatedAt: string;
}

export type PurchaseView = Pick<
  PurchaseDoc,
  'purchaseId' | 'occurredAt' | 'recordedAt' | 'currency' | 'amount' | 'margin' | 'lines' | 'refunds' | 'refunded' | 'netAmount'
>;

/** Potential value per currency: the revenue in it plus its open suggestions. */
function potentialByCurrency(
  revenue: Record<string, CurrencyValue>,
  open: readonly SuggestionView[],
): CustomerView['potentialValue']['byCurrency'] {
  const openValue = new MoneyTotals();
  for (const s of open) openValue.add(s.currency, s.expectedValue);
  const currencies = [...new Set([...Object.keys(revenue), ...openValue.currencies()])].sort();
  return Object.fromEntries(
    currencies.map((currency) => [
      currency,
      {
        openSuggestionsValue: openValue.get(currency),
        value: addMoney(revenue[currency]?.revenue ?? 0, openValue.get(currency), currency),
      },
    ]),
  );
}

/** `complaints`: the customer's complaint list (complaintList of their complaint owner documents). */
export function toCustomerView(doc: CustomerProfileDoc, now: Date, complaints: CustomerComplaintEntry[]): CustomerView {
  const nowIso = now.toISOString();
  const open = doc.suggestions.filter((s) => s.status === 'open' && s.expiresAt > nowIso);
  const decided = doc.suggestionsAccepted + doc.suggestionsDeclined;
  const value = doc.currentValue;
  const byCurrency = Object.fromEntries(
    Object.entries(value.byCurrency)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, v]) => [currency, { ...v, averageOrderValue: netAverageOrderValue(v, currency) }]),
  );
  return {
    id: doc.customerId,
    status: doc.status,
    name: doc.name,
    email: doc.email,
    phone: doc.phone,
    company: doc.company,
    acquisitionChannel: doc.acquisitionChannel,
    registeredAt: doc.registeredAt,
    convertedAt: doc.convertedAt,
    deactivatedAt: doc.deactivatedAt,
    deactivationReason: doc.deactivationReason,
    currentValue: { ...value, byCurrency },
    potentialValue: {
      byCurrency: potentialByCurrency(value.byCurrency, open),
      acceptanceRate: decided ? doc.suggestionsAccepted / decided : null,
    },
    openSuggestions: open,
    suggestions: doc.suggestions,
    referralsMade: doc.referralsMade,
    referredBy: doc.referredBy,
    interactionCount: doc.interactionCount,
    lastInteractionAt: doc.lastInteractionAt,
    complaints,
    segments: doc.segments ?? {},
    owner: doc.owner ?? null,
    ownerHistory: doc.ownerHistory ?? [],
    revision: doc.revision,
    updatedAt: doc.updatedAt,
  };
}

export class GetCustomerQuery extends Query<CustomerView> {
  constructor(
    readonly customerId: string,
    readonly minPosition?: string,
  ) {
    super();
  }
}

export interface CustomerListFilter {
  status?: string;
  q?: string;
  /** `name` in any scheme, or `scheme:name`. */
  segment?: string;
  minRevenue?: number;
  maxRevenue?: number;
  /** The currency of minRevenue/maxRevenue and of the revenue sort. */
  currency?: string;
  company?: string;
  acquisitionChannel?: AcquisitionChannel;
  /** ISO instants: registered in [registeredFrom, registeredTo). */
  registeredFrom?: string;
  registeredTo?: string;
}

export class ListCustomersQuery extends Query<Page<CustomerView>> {
  constructor(
    readonly filter: CustomerListFilter,
    readonly page: { limit: number; cursor?: string },
    readonly minPosition?: string,
    readonly sort: { field: CustomerSort; order: 'asc' | 'desc' } = { field: 'registeredAt', order: 'desc' },
  ) {
    super();
  }
}

export class ListPurchasesQuery extends Query<Page<PurchaseView>> {
  constructor(
    readonly customerId: string,
    readonly page: { limit: number; cursor?: string },
    readonly minPosition?: string,
  ) {
    super();
  }
}

export class ListInteractionsQuery extends Query<Page<Omit<InteractionDoc, '_id' | '_position'>>> {
  constructor(
    readonly customerId: string,
    readonly page: { limit: number; cursor?: string },
    readonly minPosition?: string,
  ) {
    super();
  }
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Text that reads as a phone number: searched by its digits. */
const PHONE_LIKE = /^[+\d\s().-]+$/;

const SORT_FIELDS: Readonly<Record<Exclude<CustomerSort, 'revenue'>, string>> = {
  registeredAt: 'registeredAt',
  purchaseCount: 'currentValue.purchaseCount',
  lastPurchaseAt: 'currentValue.lastPurchaseAt',
};

/** The profile field holding the revenue in the currency (customers without purchases in it have none). */
const revenueField = (currency: string): string => `currentValue.byCurrency.${currency}.revenue`;

/** Whether the list ranks or filters by an amount, and so needs one currency. */
export const needsCurrency = (filter: CustomerListFilter, sort: CustomerSort): boolean =>
  sort === 'revenue' || filter.minRevenue !== undefined || filter.maxRevenue !== undefined;

/** The read-store filter of a customer list; `currency` is the one of the revenue range (see needsCurrency). */
export function customerListFilter(filter: CustomerListFilter, currency = filter.currency ?? DEFAULT_CURRENCY): Filter {
  const query: Filter = {};
  if (filter.status) query.status = filter.status;
  if (filter.q) {
    const digits = phoneDigits(filter.q);
    const text = PHONE_LIKE.test(filter.q) && digits.length >= 3 ? digits : filter.q.toLowerCase();
    query.search = { $regex: escapeRegex(text) };
  }
  if (filter.segment) {
    const split = filter.segment.indexOf(':');
    if (split >= 0) query[`segments.${filter.segment.slice(0, split)}`] = filter.segment.slice(split + 1);
    else query.$or = SEGMENT_SCHEMES.map((scheme) => ({ [`segments.${scheme}`]: filter.segment }));
  }
  const revenue: Record<string, number> = {};
  if (filter.minRevenue !== undefined) revenue.$gte = filter.minRevenue;
  if (filter.maxRevenue !== undefined) revenue.$lte = filter.maxRevenue;
  if (Object.keys(revenue).length > 0) query[revenueField(currency)] = revenue;
  if (filter.company) query.company = { $regex: `^${escapeRegex(filter.company)}$`, $options: 'i' };
  if (filter.acquisitionChannel) query.acquisitionChannel = filter.acquisitionChannel;
  const registered: Record<string, string> = {};
  if (filter.registeredFrom) registered.$gte = filter.registeredFrom;
  if (filter.registeredTo) registered.$lt = filter.registeredTo;
  if (Object.keys(registered).length > 0) query.registeredAt = registered;
  return query;
}

@QueryHandler(GetCustomerQuery)
export class GetCustomerHandler implements IQueryHandler<GetCustomerQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ customerId, minPosition }: GetCustomerQuery): Promise<CustomerView> {
    await this.readModels.ensureCaughtUp(CUSTOMER_PROFILE_PROJECTION, minPosition);
    const doc = await this.readModels.collection<CustomerProfileDoc>(CUSTOMER_PROFILE_PROJECTION, CUSTOMERS_COLLECTION).get(customerId);
    if (!doc) throw new NotFoundError('CUSTOMER_NOT_FOUND', 'No customer with this id');
    const complaints = await complaintsOf(this.readModels, [customerId]);
    return toCustomerView(doc, this.clock.now(), complaints.get(customerId) ?? []);
  }
}

/** The complaint lists of these customers, read from their complaints' owner documents. */
async function complaintsOf(readModels: ReadModels, customerIds: string[]): Promise<Map<string, CustomerComplaintEntry[]>> {
  const owners: ComplaintOwnerDoc[] = [];
  if (customerIds.length > 0) {
    const collection = readModels.collection<ComplaintOwnerDoc>(CUSTOMER_PROFILE_PROJECTION, COMPLAINT_OWNERS_COLLECTION);
    for await (const owner of collection.findAll({ customerId: { $in: customerIds } }, { customerId: 1, order: 1 })) owners.push(owner);
  }
  const byCustomer = new Map<string, ComplaintOwnerDoc[]>();
  for (const owner of owners) byCustomer.set(owner.customerId, [...(byCustomer.get(owner.customerId) ?? []), owner]);
  return new Map([...byCustomer].map(([customerId, own]) => [customerId, complaintList(own)]));
}

@QueryHandler(ListCustomersQuery)
export class ListCustomersHandler implements IQueryHandler<ListCustomersQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter, page, minPosition, sort }: ListCustomersQuery): Promise<Page<CustomerView>> {
    await this.readModels.ensureCaughtUp(CUSTOMER_PROFILE_PROJECTION, minPosition);
    let currency = filter.currency ?? DEFAULT_CURRENCY;
    if (needsCurrency(filter, sort.field)) {
      const seen: string[] = [];
      for await (const doc of this.readModels
        .collection<CurrencySeenDoc>(CUSTOMER_PROFILE_PROJECTION, PROFILE_CURRENCIES_COLLECTION)
        .findAll())
        seen.push(doc._id);
      currency = chooseCurrency(filter.currency, seen);
    }
    const field = sort.field === 'revenue' ? revenueField(currency) : SORT_FIELDS[sort.field];
    const order: SortSpec = { [field]: sort.order === 'asc' ? 1 : -1 };
    const result = await this.readModels
      .collection<CustomerProfileDoc>(CUSTOMER_PROFILE_PROJECTION, CUSTOMERS_COLLECTION)
      .find(customerListFilter(filter, currency), { sort: order, limit: page.limit, cursor: page.cursor });
    const now = this.clock.now();
    const complaints = await complaintsOf(
      this.readModels,
      result.items.map((doc) => doc.customerId),
    );
    return {
      items: result.items.map((doc) => toCustomerView(doc, now, complaints.get(doc.customerId) ?? [])),
      nextCursor: result.nextCursor,
    };
  }
}

@QueryHandler(ListInteractionsQuery)
export class ListInteractionsHandler implements IQueryHandler<ListInteractionsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ customerId, page, minPosition }: ListInteractionsQuery) {
    await this.readModels.ensureCaughtUp(CUSTOMER_PROFILE_PROJECTION, minPosition);
    const customer = await this.readModels.collection(CUSTOMER_PROFILE_PROJECTION, CUSTOMERS_COLLECTION).get(customerId);
    if (!customer) throw new NotFoundError('CUSTOMER_NOT_FOUND', 'No customer with this id');
    const result = await this.readModels
      .collection<InteractionDoc>(CUSTOMER_PROFILE_PROJECTION, INTERACTIONS_COLLECTION)
      .find({ customerId }, { sort: { occurredAt: -1 }, limit: page.limit, cursor: page.cursor });
    return {
      items: result.items.map(({ _id, _position, ...rest }) => rest),
      nextCursor: result.nextCursor,
    };
  }
}

/** The purchase history, newest first, each purchase with its lines and in the currency it was recorded in. */
@QueryHandler(ListPurchasesQuery)
export class ListPurchasesHandler implements IQueryHandler<ListPurchasesQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ customerId, page, minPosition }: ListPurchasesQuery): Promise<Page<PurchaseView>> {
    await this.readModels.ensureCaughtUp(CUSTOMER_PROFILE_PROJECTION, minPosition);
    const customer = await this.readModels.collection(CUSTOMER_PROFILE_PROJECTION, CUSTOMERS_COLLECTION).get(customerId);
    if (!customer) throw new NotFoundError('CUSTOMER_NOT_FOUND', 'No customer with this id');
    const result = await this.readModels
      .collection<PurchaseDoc>(CUSTOMER_PROFILE_PROJECTION, PURCHASES_COLLECTION)
      .find({ customerId }, { sort: { occurredAt: -1 }, limit: page.limit, cursor: page.cursor });
    return {
      items: result.items.map(({ purchaseId, occurredAt, recordedAt, currency, amount, margin, lines, refunds, refunded, netAmount }) => ({
        purchaseId,
        occurredAt,
        recordedAt,
        currency,
        amount,
        margin,
        lines,
        refunds,
        refunded,
        netAmount,
      })),
      nextCursor: result.nextCursor,
    };
  }
}

export const CUSTOMER_QUERY_HANDLERS = [GetCustomerHandler, ListCustomersHandler, ListInteractionsHandler, ListPurchasesHandler];
