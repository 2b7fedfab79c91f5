import {
  baselinePeriod,
  countedPeriod,
  groupOutcome,
  lift,
  type MemberFacts,
  type RefundFacts,
  transitions,
} from '../../src/campaigns/campaign-outcomes';

const WINDOW = { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };
const member = (customerId: string, extra: Partial<MemberFacts> = {}): MemberFacts => ({
  customerId,
  group: 'treatment',
  reached: true,
  purchases: [],
  interactions: [],
  suggestion: null,
  ...extra,
});
const purchase = (occurredAt: string, amount: number, currency = 'EUR', margin = 0, refunds: RefundFacts[] = []) => ({
  occurredAt,
  amount,
  margin,
  currency,
  refunds,
});
/** The figures of a currency with nothing refunded: net equals gross. */
const gross = (f: {
  purchases: number;
  buyers: number;
  revenue: number;
  margin: number;
  revenuePerMember: number;
  marginPerMember: number;
}) => ({
  ...f,
  refunded: 0,
  netRevenue: f.revenue,
  netMargin: f.margin,
  netRevenuePerMember: f.revenuePerMember,
  netMarginPerMember: f.marginPerMember,
});

describe('campaign outcomes', () => {
  it('count responses in the window up to the as-of: nothing before the window starts, the window end after it', () => {
    expect(countedPeriod(WINDOW, '2026-02-01T00:00:00.000Z')).toBeNull();
    expect(countedPeriod(WINDOW, '2026-03-15T00:00:00.000Z')).toEqual({ from: WINDOW.from, to: '2026-03-15T00:00:00.000Z' });
    expect(countedPeriod(WINDOW, '2027-01-01T00:00:00.000Z')).toEqual(WINDOW);
    expect(baselinePeriod(WINDOW)).toEqual({ from: '2025-03-01T00:00:00.000Z', to: '2026-02-28T23:59:59.999Z' });
  });

  it('sum money per currency in cents, never across currencies, and per member of the group', () => {
    const members = [
      member('a', {
        purchases: [
          purchase('2026-03-02T00:00:00Z', 0.1, 'EUR', 0.05),
          purchase('2026-03-03T00:00:00Z', 0.2, 'EUR'),
          purchase('2026-03-04T00:00:00Z', 99, 'USD'),
        ],
      }),
      member('b', { purchases: [purchase('2026-05-01T00:00:00Z', 500, 'EUR'), purchase('2025-06-01T00:00:00Z', 10, 'EUR')] }),
      member('c'),
    ];
    const outcome = groupOutcome(members, WINDOW, countedPeriod(WINDOW, '2026-06-01T00:00:00Z'), '2026-06-01T00:00:00Z');
    expect(outcome.revenue).toEqual({
      EUR: gross({ purchases: 2, buyers: 1, revenue: 0.3, margin: 0.05, revenuePerMember: 0.1, marginPerMember: 0.0167 }),
      USD: gross({ purchases: 1, buyers: 1, revenue: 99, margin: 0, revenuePerMember: 33, marginPerMember: 0 }),
    });
    expect(outcome.baseline).toEqual({
      EUR: gross({ purchases: 1, buyers: 1, revenue: 10, margin: 0, revenuePerMember: 3.3333, marginPerMember: 0 }),
    });
    expect(outcome).toMatchObject({ members: 3, reached: 3, responded: 1, responseRate: 0.3333 });
  });

  it('count a suggestion as decided only when the decision is at or before the as-of, and an interaction as a response', () => {
    const members = [
      member('a', { suggestion: { status: 'accepted', decidedAt: '2026-03-10T00:00:00.000Z' } }),
      member('b', {
        suggestion: { status: 'declined', decidedAt: '2026-03-20T00:00:00.000Z' },
        interactions: [{ occurredAt: '2026-03-05T00:00:00.000Z' }],
      }),
      member('c', { suggestion: { status: 'open', decidedAt: null } }),
    ];
    const asOf = '2026-03-15T00:00:00.000Z';
    const outcome = groupOutcome(members, WINDOW, countedPeriod(WINDOW, asOf), asOf);
    expect(outcome.suggestions).toEqual({ made: 3, accepted: 1, declined: 0, open: 2 });
    expect(outcome.responded).toBe(1);
  });

  it('lift is treatment minus control per member, in each currency either group bought in', () => {
    const period = countedPeriod(WINDOW, WINDOW.to);
    const treatment = groupOutcome(
      [member('a', { purchases: [purchase('2026-03-02T00:00:00Z', 30)] }), member('b')],
      WINDOW,
      period,
      WINDOW.to,
    );
    const control = groupOutcome(
      [member('c', { group: 'control', reached: false, purchases: [purchase('2026-03-02T00:00:00Z', 8, 'GBP')] })],
      WINDOW,
      period,
      WINDOW.to,
    );
    expect(lift(treatment, control)).toEqual({
      responseRate: -0.5,
      revenuePerMember: { EUR: 15, GBP: -8 },
      marginPerMember: { EUR: 0, GBP: 0 },
      netRevenuePerMember: { EUR: 15, GBP: -8 },
      netMarginPerMember: { EUR: 0, GBP: 0 },
    });
  });

  it('net revenue takes off the refunds of counted purchases made by the as-of, in the currency minor units (KWD has three)', () => {
    const asOf = '2026-04-15T00:00:00.000Z';
    const members = [
      member('a', {
        purchases: [
          purchase('2026-03-02T00:00:00Z', 10.125, 'KWD', 2.5, [
            { occurredAt: '2026-03-05T00:00:00Z', amount: 1.001, margin: 0.25 },
            // After the as-of: not known yet in business time.
            { occurredAt: '2026-05-01T00:00:00Z', amount: 9.124, margin: 2.25 },
          ]),
          // Outside the window: neither the purchase nor its refund count.
          purchase('2026-02-01T00:00:00Z', 5, 'KWD', 0, [{ occurredAt: '2026-03-10T00:00:00Z', amount: 5, margin: 0 }]),
        ],
      }),
      member('b'),
    ];
    const treatment = groupOutcome(members, WINDOW, countedPeriod(WINDOW, asOf), asOf);
    expect(treatment.revenue.KWD).toEqual({
      purchases: 1,
      buyers: 1,
      revenue: 10.125,
      margin: 2.5,
      revenuePerMember: 5.0625,
      marginPerMember: 1.25,
      refunded: 1.001,
      netRevenue: 9.124,
      netMargin: 2.25,
      netRevenuePerMember: 4.562,
      netMarginPerMember: 1.125,
    });
    const control = groupOutcome([member('c', { group: 'control', reached: false })], WINDOW, countedPeriod(WINDOW, asOf), asOf);
    expect(lift(treatment, control)).toMatchObject({ revenuePerMember: { KWD: 5.0625 }, netRevenuePerMember: { KWD: 4.562 } });
  });

  it('transitions count members per (segment at targeting, segment later), customers without a later segment going to null', () => {
    const before = new Map([
      ['a', 'at-risk'],
      ['b', 'at-risk'],
      ['c', 'at-risk'],
    ]);
    const after = new Map([
      ['a', 'loyal'],
      ['b', 'lost'],
    ]);
    const rows = transitions(['a', 'b', 'c', 'd'], before, after);
    expect(rows).toHaveLength(4);
    expect(rows).toEqual(
      expect.arrayContaining([
        { from: 'at-risk', to: 'loyal', customers: 1 },
        { from: 'at-risk', to: 'lost', customers: 1 },
        { from: 'at-risk', to: null, customers: 1 },
        { from: null, to: null, customers: 1 },
      ]),
    );
  });
});
