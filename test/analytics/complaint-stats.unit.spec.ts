import type { ComplaintFacts } from '../../src/analytics/complaint-stats.projection';
import { complaintStatistics, durationStats, periodCount, periodLabel, periodsOf, periodStart } from '../../src/analytics/complaint-stats';

const facts = (overrides: Partial<ComplaintFacts>): ComplaintFacts => ({
  complaintId: 'c',
  number: 'CMP-2026-000001',
  customerId: 'cu-1',
  status: 'registered',
  category: 'billing',
  product: null,
  channel: 'phone',
  department: null,
  severity: null,
  registeredAt: '2026-03-01T00:00:00.000Z',
  acknowledgedAt: null,
  valid: null,
  resolvedAt: null,
  resolutionWithinSla: null,
  breachedFirstResponse: false,
  breachedResolution: false,
  everResolvedOrClosed: false,
  reopenCount: 0,
  csat: null,
  nps: null,
  closedAt: null,
  closeReason: null,
  company: null,
  state: null,
  issue: null,
  subIssue: null,
  sourceChannel: null,
  companyResponse: null,
  timely: null,
  disputed: null,
  ...overrides,
});

describe('duration statistics', () => {
  it('gives mean, median (mean of the middle two when even) and p90 (nearest rank)', () => {
    expect(durationStats([4, 1, 3, 2])).toEqual({ count: 4, mean: 2.5, median: 2.5, p90: 4 });
    expect(durationStats([5, 1, 9])).toEqual({ count: 3, mean: 5, median: 5, p90: 9 });
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(durationStats(hundred)).toMatchObject({ median: 50.5, p90: 90 });
    expect(durationStats([])).toEqual({ count: 0, mean: null, median: null, p90: null });
  });
});

describe('periods', () => {
  it('labels days, ISO weeks (Monday start, year of the Thursday) and months', () => {
    const at = (iso: string) => Date.parse(iso);
    expect(periodLabel(periodStart(at('2026-03-10T15:00:00Z'), 'day'), 'day')).toBe('2026-03-10');
    expect(new Date(periodStart(at('2026-03-15T15:00:00Z'), 'week')).toISOString()).toBe('2026-03-09T00:00:00.000Z');
    expect(periodLabel(periodStart(at('2026-03-15T15:00:00Z'), 'week'), 'week')).toBe('2026-W11');
    // 1 January 2027 is a Friday: it belongs to the last week of 2026 (2026-W53).
    expect(periodLabel(periodStart(at('2027-01-01T00:00:00Z'), 'week'), 'week')).toBe('2026-W53');
    expect(periodLabel(periodStart(at('2025-12-29T00:00:00Z'), 'week'), 'week')).toBe('2026-W01');
    expect(periodLabel(periodStart(at('2026-12-31T23:59:59Z'), 'month'), 'month')).toBe('2026-12');
  });

  it('clips the periods to the window and counts them', () => {
    const from = Date.parse('2026-01-15T00:00:00Z');
    const to = Date.parse('2026-03-10T00:00:00Z');
    expect(periodsOf(from, to, 'month').map((p) => [p.period, new Date(p.start).toISOString(), new Date(p.end).toISOString()])).toEqual([
      ['2026-01', '2026-01-15T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
      ['2026-02', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
      ['2026-03', '2026-03-01T00:00:00.000Z', '2026-03-10T00:00:00.000Z'],
    ]);
    expect(periodCount(from, to, 'month')).toBe(3);
    expect(periodCount(from, to, 'day')).toBe(54);
    expect(periodCount(from, to, 'week')).toBe(periodsOf(from, to, 'week').length);
  });
});

describe('complaint statistics', () => {
  const window = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-03T00:00:00Z') };

  it('takes the complaints registered in [from, to) and the previous period of the same length', () => {
    const all = [
      facts({ complaintId: 'a', registeredAt: '2026-03-01T00:00:00.000Z', valid: true }),
      facts({ complaintId: 'b', registeredAt: '2026-03-02T23:59:59.999Z', valid: false }),
      facts({ complaintId: 'c', registeredAt: '2026-03-03T00:00:00.000Z' }),
      facts({ complaintId: 'd', registeredAt: '2026-02-27T00:00:00.000Z', valid: true }),
      facts({ complaintId: 'e', registeredAt: '2026-02-26T23:59:59.999Z' }),
    ];
    const report = complaintStatistics(all, window);
    expect(report.totals).toMatchObject({ complaints: 2, validity: { assessed: 2, valid: 1, ratio: 0.5 } });
    expect(report.previous).toMatchObject({
      from: '2026-02-27T00:00:00.000Z',
      to: '2026-03-01T00:00:00.000Z',
      totals: { complaints: 1, validity: { ratio: 1 } },
    });
    expect(report.change.validityRatio).toEqual({ previous: 1, current: 0.5, difference: -0.5, relative: -0.5 });
    expect(report.groups).toBeUndefined();
    expect(report.series).toBeUndefined();
  });

  it('counts a breached deadline as missed even when resolved in time, and a resolution-less breach as decided', () => {
    const report = complaintStatistics(
      [
        facts({ complaintId: 'a', resolvedAt: '2026-03-01T05:00:00.000Z', resolutionWithinSla: true }),
        facts({ complaintId: 'b', resolvedAt: '2026-03-01T05:00:00.000Z', resolutionWithinSla: true, breachedResolution: true }),
        facts({ complaintId: 'c', breachedResolution: true }),
        facts({ complaintId: 'd' }),
      ],
      window,
    );
    expect(report.totals.sla).toEqual({
      decided: 3,
      withinSla: 1,
      compliance: 0.3333,
      breaches: { firstResponse: 0, resolution: 2, complaints: 2 },
    });
  });

  it('groups within each period when both are asked, every group in every period', () => {
    const report = complaintStatistics(
      [
        facts({ complaintId: 'a', category: 'billing', registeredAt: '2026-03-01T10:00:00.000Z' }),
        facts({ complaintId: 'b', category: 'delivery', registeredAt: '2026-03-02T10:00:00.000Z' }),
        facts({ complaintId: 'c', category: 'billing', registeredAt: '2026-03-02T11:00:00.000Z' }),
      ],
      { ...window, groupBy: 'category', interval: 'day' },
    );
    expect(report.groups?.map((g) => [g.group, g.complaints])).toEqual([
      ['billing', 2],
      ['delivery', 1],
    ]);
    expect(report.series?.map((s) => [s.period, s.group, s.complaints])).toEqual([
      ['2026-03-01', 'billing', 1],
      ['2026-03-01', 'delivery', 0],
      ['2026-03-02', 'billing', 1],
      ['2026-03-02', 'delivery', 1],
    ]);
  });
});
