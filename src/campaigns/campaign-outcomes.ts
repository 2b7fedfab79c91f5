/**
 * What came of a campaign, as pure functions over the facts the results reader gathers: members
 * with their group, and each member's purchases, interactions and campaign suggestion. Business
 * time throughout: a response counts when it happened inside the window and at or before the
 * as-of. Money is summed per currency, never across currencies, in the currency's minor units.
 *
 * Revenue is shown gross (what the members bought in the period) and net of the refunds of those
 * purchases made by the as-of: a voucher that brings purchases which come back is not a success.
 * Refunds not tied to a purchase (imported cancellations of sales made before the records begin)
 * belong to no campaign purchase and are left out.
 */
import { fromMinorUnits, toMinorUnits } from '../shared/money/money';
import type { CampaignGroup } from './campaign.events';

/** A refund of one of a member's purchases, in the purchase's currency. */
export interface RefundFacts {
  occurredAt: string;
  amount: number;
  margin: number;
}

export interface MemberFacts {
  customerId: string;
  group: CampaignGroup;
  /** The action was taken (treatment members whose action was not skipped). */
  reached: boolean;
  purchases: { occurredAt: string; amount: number; margin: number; currency: string; refunds?: readonly RefundFacts[] }[];
  interactions: { occurredAt: string }[];
  /** The campaign's suggestion to this member: its decision and when (null: none made). */
  suggestion: { status: 'open' | 'accepted' | 'declined'; decidedAt: string | null } | null;
}

export interface Period {
  from: string;
  to: string;
}

export interface CurrencyFigures {
  purchases: number;
  /** Customers with at least one purchase in this currency. */
  buyers: number;
  revenue: number;
  margin: number;
  revenuePerMember: number;
  marginPerMember: number;
  /** Money given back by the as-of for the purchases counted here. */
  refunded: number;
  netRevenue: number;
  netMargin: number;
  netRevenuePerMember: number;
  netMarginPerMember: number;
}

export interface GroupOutcome {
  members: number;
  reached: number;
  /** Members with a purchase or an interaction in the counted period. */
  responded: number;
  responseRate: number | null;
  suggestions: { made: number; accepted: number; declined: number; open: number };
  /** Per currency, in the counted period. */
  revenue: Record<string, CurrencyFigures>;
  /** Per currency, in the year before the window (baselinePeriod): how comparable the groups were. */
  baseline: Record<string, CurrencyFigures>;
}

const round = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;
const within = (at: string, period: Period): boolean =>
  Date.parse(at) >= Date.parse(period.from) && Date.parse(at) <= Date.parse(period.to);

/** The period the campaign's responses count in as of an instant: from the window's start to its end or the as-of, whichever is first (empty before the start). */
export function countedPeriod(window: Period, asOf: string): Period | null {
  if (Date.parse(asOf) < Date.parse(window.from)) return null;
  return { from: window.from, to: Date.parse(asOf) < Date.parse(window.to) ? asOf : window.to };
}

/**
 * The year before the window (up to, not including, its start): what members and control spent
 * before the campaign, to see how comparable the groups are. Not a period of the window's length:
 * segments chosen by recency (at-risk, hibernating) have, by their definition, next to no
 * purchases just before the window.
 */
export function baselinePeriod(window: Period): Period {
  const start = new Date(window.from);
  const yearBefore = new Date(
    Date.UTC(
      start.getUTCFullYear() - 1,
      start.getUTCMonth(),
      start.getUTCDate(),
      start.getUTCHours(),
      start.getUTCMinutes(),
      start.getUTCSeconds(),
      start.getUTCMilliseconds(),
    ),
  );
  return { from: yearBefore.toISOString(), to: new Date(start.getTime() - 1).toISOString() };
}

interface CurrencyTotals {
  purchases: number;
  buyers: Set<string>;
  /** Minor units of the currency, as every sum below. */
  revenue: number;
  margin: number;
  refunded: number;
  refundedMargin: number;
}

/** Purchases in the period and their refunds made by `refundsBy`, per currency. */
function moneyIn(members: readonly MemberFacts[], period: Period | null, refundsBy: string): Record<string, CurrencyFigures> {
  const totals = new Map<string, CurrencyTotals>();
  if (period) {
    for (const member of members) {
      for (const purchase of member.purchases) {
        if (!within(purchase.occurredAt, period)) continue;
        const { currency } = purchase;
        const total = totals.get(currency) ?? {
          purchases: 0,
          buyers: new Set<string>(),
          revenue: 0,
          margin: 0,
          refunded: 0,
          refundedMargin: 0,
        };
        total.purchases += 1;
        total.buyers.add(member.customerId);
        total.revenue += toMinorUnits(purchase.amount, currency);
        total.margin += toMinorUnits(purchase.margin, currency);
        for (const refund of purchase.refunds ?? []) {
          if (Date.parse(refund.occurredAt) > Date.parse(refundsBy)) continue;
          total.refunded += toMinorUnits(refund.amount, currency);
          total.refundedMargin += toMinorUnits(refund.margin, currency);
        }
        totals.set(currency, total);
      }
    }
  }
  const out: Record<string, CurrencyFigures> = {};
  for (const [currency, total] of [...totals].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const money = (minor: number): number => fromMinorUnits(minor, currency);
    const perMember = (minor: number): number => (members.length > 0 ? round(money(minor) / members.length, 4) : 0);
    const [netRevenue, netMargin] = [total.revenue - total.refunded, total.margin - total.refundedMargin];
    out[currency] = {
      purchases: total.purchases,
      buyers: total.buyers.size,
      revenue: money(total.revenue),
      margin: money(total.margin),
      revenuePerMember: perMember(total.revenue),
      marginPerMember: perMember(total.margin),
      refunded: money(total.refunded),
      netRevenue: money(netRevenue),
      netMargin: money(netMargin),
      netRevenuePerMember: perMember(netRevenue),
      netMarginPerMember: perMember(netMargin),
    };
  }
  return out;
}

/** One group's outcome as of `asOf`; `counted` null: the window had not started yet. */
export function groupOutcome(members: readonly MemberFacts[], window: Period, counted: Period | null, asOf: string): GroupOutcome {
  let responded = 0;
  const suggestions = { made: 0, accepted: 0, declined: 0, open: 0 };
  for (const member of members) {
    const active =
      counted !== null &&
      (member.purchases.some((p) => within(p.occurredAt, counted)) || member.interactions.some((i) => within(i.occurredAt, counted)));
    if (active) responded += 1;
    if (member.suggestion) {
      suggestions.made += 1;
      const decided = member.suggestion.decidedAt !== null && Date.parse(member.suggestion.decidedAt) <= Date.parse(asOf);
      if (decided && member.suggestion.status === 'accepted') suggestions.accepted += 1;
      else if (decided && member.suggestion.status === 'declined') suggestions.declined += 1;
      else suggestions.open += 1;
    }
  }
  return {
    members: members.length,
    reached: members.filter((member) => member.reached).length,
    responded,
    responseRate: members.length > 0 ? round(responded / members.length, 4) : null,
    suggestions,
    revenue: moneyIn(members, counted, asOf),
    baseline: moneyIn(members, baselinePeriod(window), asOf),
  };
}

type PerMemberKey = 'revenuePerMember' | 'marginPerMember' | 'netRevenuePerMember' | 'netMarginPerMember';

/** Treatment minus control, per member: response rate, and revenue and margin (gross and net of refunds) per currency either group bought in. */
export function lift(
  treatment: GroupOutcome,
  control: GroupOutcome,
): { responseRate: number | null } & Record<PerMemberKey, Record<string, number>> {
  const currencies = [...new Set([...Object.keys(treatment.revenue), ...Object.keys(control.revenue)])].sort();
  const per = (key: PerMemberKey): Record<string, number> =>
    Object.fromEntries(currencies.map((c) => [c, round((treatment.revenue[c]?.[key] ?? 0) - (control.revenue[c]?.[key] ?? 0), 4)]));
  return {
    responseRate:
      treatment.responseRate === null || control.responseRate === null ? null : round(treatment.responseRate - control.responseRate, 4),
    revenuePerMember: per('revenuePerMember'),
    marginPerMember: per('marginPerMember'),
    netRevenuePerMember: per('netRevenuePerMember'),
    netMarginPerMember: per('netMarginPerMember'),
  };
}

export interface SegmentTransition {
  from: string | null;
  to: string | null;
  customers: number;
}

/** Members' segments at targeting against those at the later run, counted per (from, to). */
export function transitions(
  customerIds: readonly string[],
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): SegmentTransition[] {
  const counts = new Map<string, SegmentTransition>();
  for (const customerId of customerIds) {
    const from = before.get(customerId) ?? null;
    const to = after.get(customerId) ?? null;
    const key = JSON.stringify([from, to]);
    const entry = counts.get(key) ?? { from, to, customers: 0 };
    entry.customers += 1;
    counts.set(key, entry);
  }
  return [...counts.values()].sort(
    (a, b) => b.customers - a.customers || String(a.from).localeCompare(String(b.from)) || String(a.to).localeCompare(String(b.to)),
  );
}
