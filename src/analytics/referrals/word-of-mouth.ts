/**
 * Word of mouth and referrals, in business time (pure).
 *
 * Referrals: who was referred (CustomerRegistered.referredBy, and CustomerReferred recorded by the
 * referrer), the value of referred customers against the others (revenue up to the as-of), and the
 * referral rate (share of customers who referred someone by the as-of) per acquisition channel and
 * per segment.
 *
 * Reach (first essay: a satisfied customer tells 3-4 people, an unsatisfied one 7-10): complainants
 * who answered a satisfaction survey, satisfied (CSAT 4-5, or NPS 9-10 without CSAT) or unsatisfied
 * (CSAT 1-2, or NPS 0-6), times the people each tells: configurable factors, the essay's midpoints
 * by default.
 */
import { averageMoney, MoneyTotals } from '../../shared/money/money';

export interface ReferralCustomer {
  customerId: string;
  customerSince: string;
  acquisitionChannel: string;
  referredBy: string | null;
  referrals: readonly { customerId: string; at: string }[];
  /** Revenue up to the as-of, per currency. */
  revenue: Record<string, number>;
}

/** A group's revenue in one currency: the sum, and the mean over every customer of the group. */
export interface GroupRevenue {
  revenue: number;
  averageRevenue: number | null;
}

export interface ReferralGroup {
  group: string;
  customers: number;
  referrers: number;
  referralRate: number | null;
}

export interface ReferralReport {
  customers: number;
  /** Distinct customers referred by someone, by the as-of. */
  referredCustomers: number;
  /** Referrals recorded (a referrer and a referred customer), by the as-of. */
  referralsMade: number;
  referrers: number;
  referralRate: number | null;
  value: {
    /** Revenue per currency (never summed across them). */
    referred: { customers: number; byCurrency: Record<string, GroupRevenue> };
    others: { customers: number; byCurrency: Record<string, GroupRevenue> };
  };
  byAcquisitionChannel: ReferralGroup[];
  bySegment: ReferralGroup[];
}

const round = (value: number): number => Math.round(value * 10_000) / 10_000;

export function referralReport(
  all: readonly ReferralCustomer[],
  asOf: Date,
  segmentOf: (customerId: string) => string | null,
): ReferralReport {
  const asOfIso = asOf.toISOString();
  const customers = all.filter((c) => c.customerSince <= asOfIso);
  const known = new Set(customers.map((c) => c.customerId));
  // referrer -> referred, from both sides of the record.
  const pairs = new Set<string>();
  for (const c of customers) {
    if (c.referredBy !== null && known.has(c.referredBy)) pairs.add(`${c.referredBy}>${c.customerId}`);
    for (const r of c.referrals) if (r.at <= asOfIso && known.has(r.customerId)) pairs.add(`${c.customerId}>${r.customerId}`);
  }
  const referrers = new Set([...pairs].map((p) => p.split('>')[0]));
  const referred = new Set([...pairs].map((p) => p.split('>')[1]));
  const value = (group: readonly ReferralCustomer[]) => {
    const totals = new MoneyTotals();
    for (const c of group) for (const [currency, amount] of Object.entries(c.revenue)) totals.add(currency, amount);
    const byCurrency = Object.fromEntries(
      totals.currencies().map((currency) => [
        currency,
        {
          revenue: totals.get(currency),
          averageRevenue: group.length ? averageMoney(totals.get(currency), group.length, currency) : null,
        },
      ]),
    );
    return { customers: group.length, byCurrency };
  };
  const grouped = (key: (c: ReferralCustomer) => string): ReferralGroup[] => {
    const groups = new Map<string, ReferralCustomer[]>();
    for (const c of customers) (groups.get(key(c)) ?? groups.set(key(c), []).get(key(c))!).push(c);
    return [...groups.entries()]
      .sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0))
      .map(([group, members]) => {
        const count = members.filter((c) => referrers.has(c.customerId)).length;
        return { group, customers: members.length, referrers: count, referralRate: round(count / members.length) };
      });
  };
  return {
    customers: customers.length,
    referredCustomers: referred.size,
    referralsMade: pairs.size,
    referrers: referrers.size,
    referralRate: customers.length ? round(referrers.size / customers.length) : null,
    value: {
      referred: value(customers.filter((c) => referred.has(c.customerId))),
      others: value(customers.filter((c) => !referred.has(c.customerId))),
    },
    byAcquisitionChannel: grouped((c) => c.acquisitionChannel),
    bySegment: grouped((c) => segmentOf(c.customerId) ?? '(none)'),
  };
}

export interface WordOfMouthFactors {
  /** People a satisfied customer tells (first essay: 3-4). */
  tellsSatisfied: number;
  /** People an unsatisfied customer tells (first essay: 7-10). */
  tellsUnsatisfied: number;
}

export const DEFAULT_WORD_OF_MOUTH: WordOfMouthFactors = { tellsSatisfied: 3.5, tellsUnsatisfied: 8.5 };

export interface SatisfactionAnswer {
  csat: number | null;
  nps: number | null;
}

export interface ReachEstimate {
  factors: WordOfMouthFactors;
  /** Complainants who answered (CSAT or NPS). */
  responses: number;
  satisfied: number;
  neutral: number;
  unsatisfied: number;
  /** People told good things: satisfied x tellsSatisfied. */
  positiveReach: number;
  /** People told bad things: unsatisfied x tellsUnsatisfied. */
  negativeReach: number;
  netReach: number;
}

export function reachEstimate(answers: readonly SatisfactionAnswer[], factors: WordOfMouthFactors): ReachEstimate {
  let satisfied = 0;
  let unsatisfied = 0;
  let responses = 0;
  for (const { csat, nps } of answers) {
    if (csat === null && nps === null) continue;
    responses++;
    if (csat !== null ? csat >= 4 : nps! >= 9) satisfied++;
    else if (csat !== null ? csat <= 2 : nps! <= 6) unsatisfied++;
  }
  const positiveReach = round(satisfied * factors.tellsSatisfied);
  const negativeReach = round(unsatisfied * factors.tellsUnsatisfied);
  return {
    factors,
    responses,
    satisfied,
    neutral: responses - satisfied - unsatisfied,
    unsatisfied,
    positiveReach,
    negativeReach,
    netReach: round(positiveReach - negativeReach),
  };
}
