import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import { NotFoundError } from '../shared/errors/domain-errors';
import { ReadModels } from '../shared/projections/read-models';
import type { Filter, Page } from '../shared/read-store/read-store.port';
import {
  CUSTOMER_PROFILE_PROJECTION,
  CUSTOMERS_COLLECTION,
  type CustomerComplaintEntry,
  type CustomerProfileDoc,
  INTERACTIONS_COLLECTION,
  type InteractionDoc,
  type SuggestionView,
} from './customer-profile.projection';

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
  currentValue: CustomerProfileDoc['currentValue'] & { averageOrderValue: number };
  potentialValue: {
    /** Sum of the expected values of the suggestions still open (not decided, not expired). */
    openSuggestionsValue: number;
    /** Current revenue plus the open suggestions: what the customer would be worth taking every suggestion. */
    value: number;
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
  revision: number;
  updatedAt: string;
}

const cents = (value: number): number => Math.round(value * 100) / 100;

export function toCustomerView(doc: CustomerProfileDoc, now: Date): CustomerView {
  const nowIso = now.toISOString();
  const open = doc.suggestions.filter((s) => s.status === 'open' && s.expiresAt > nowIso);
  const openValue = cents(open.reduce((sum, s) => sum + s.expectedValue, 0));
  const decided = doc.suggestionsAccepted + doc.suggestionsDeclined;
  const value = doc.currentValue;
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
    currentValue: { ...value, averageOrderValue: value.purchaseCount ? cents(value.revenue / value.purchaseCount) : 0 },
    potentialValue: {
      openSuggestionsValue: openValue,
      value: cents(value.revenue + openValue),
      acceptanceRate: decided ? doc.suggestionsAccepted / decided : null,
    },
    openSuggestions: open,
    suggestions: doc.suggestions,
    referralsMade: doc.referralsMade,
    referredBy: doc.referredBy,
    interactionCount: doc.interactionCount,
    lastInteractionAt: doc.lastInteractionAt,
    // Profiles projected before complaints were listed have none until the projection is rebuilt.
    complaints: doc.complaints ?? [],
    revision: doc.revision,
    updatedAt: doc.updatedAt,
  };
}

export class GetCustomerQuery extends Query<CustomerView> {
  constructor(readonly customerId: string, readonly minPosition?: string) {
    super();
  }
}

export class ListCustomersQuery extends Query<Page<CustomerView>> {
  constructor(
    readonly filter: { status?: string; q?: string },
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
    return toCustomerView(doc, this.clock.now());
  }
}

@QueryHandler(ListCustomersQuery)
export class ListCustomersHandler implements IQueryHandler<ListCustomersQuery> {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ filter, page, minPosition }: ListCustomersQuery): Promise<Page<CustomerView>> {
    await this.readModels.ensureCaughtUp(CUSTOMER_PROFILE_PROJECTION, minPosition);
    const query: Filter = {};
    if (filter.status) query.status = filter.status;
    if (filter.q) query.search = { $regex: escapeRegex(filter.q.toLowerCase()) };
    const result = await this.readModels
      .collection<CustomerProfileDoc>(CUSTOMER_PROFILE_PROJECTION, CUSTOMERS_COLLECTION)
      .find(query, { sort: { registeredAt: -1 }, limit: page.limit, cursor: page.cursor });
    const now = this.clock.now();
    return { items: result.items.map((doc) => toCustomerView(doc, now)), nextCursor: result.nextCursor };
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

export const CUSTOMER_QUERY_HANDLERS = [GetCustomerHandler, ListCustomersHandler, ListInteractionsHandler];
