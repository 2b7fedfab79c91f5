import { type CustomerValueDoc, summarizeDays, type ValueSuggestion } from '../../src/analytics/customer-value.projection';
import { potentialValueOf } from '../../src/analytics/customer-value';
import { compareKeys, pageByKey } from '../../src/analytics/paging';
import { nextMidnightUtc } from '../../src/analytics/segmentation-scheduler.service';
import { SEGMENT_NAMES, schemeOfSegment, segmentCustomers } from '../../src/analytics/segmentation';
import {
  type CustomerSegmentChanged,
  customerSegmentsDecider,
  segmentationRunDecider,
  type SegmentationRunCompleted,
} from '../../src/analytics/segmentation.events';
import { dayNumber } from '../../src/analytics/clv/summary';
import { spec } from '../support/decider-spec';

const changed = (scheme: 'rfm' | 'value-matrix', from: string | null, to: string | null, at: string): CustomerSegmentChanged => ({
  type: 'CustomerSegmentChanged',
  data: { customerId: 'cu-1', scheme, from, to, at, runId: at, scores: null },
});
const assign = (at: string, rfm: string | null, valueMatrix?: string | null) => ({
  type: 'AssignSegments' as const,
  data: {
    customerId: 'cu-1',
    runId: at,
    at,
    assignments: [
      { scheme: 'rfm' as const, segment: rfm, scores: null },
      ...(valueMatrix === undefined ? [] : [{ scheme: 'value-matrix' as const, segment: valueMatrix, scores: null }]),
    ],
  },
});

describe('customer-segments decider', () => {
  const march = '2026-03-01T00:00:00.000Z';
  const june = '2026-06-01T00:00:00.000Z';

  it('records only the schemes whose segment changed, from the current one', () => {
    spec(customerSegmentsDecider)
      .given([changed('rfm', null, 'champions', march), changed('value-matrix', null, 'star', march)])
      .when(assign(june, 'at-risk', 'star'))
      .then([changed('rfm', 'champions', 'at-risk', june)]);
  });

  it('appends nothing when nothing changed, or for a rerun of an instant already decided', () => {
    spec(customerSegmentsDecider)
      .given([changed('rfm', null, 'champions', march)])
      .when(assign(march, 'champions'))
      .thenNothing();
    spec(customerSegmentsDecider)
      .given([changed('rfm', null, 'champions', march)])
      .when(assign(march, 'lost'))
      .thenNothing();
  });

  it('places a run older than the last change (a historical run) in the timeline, from the segment at its instant', () => {
    const april = '2026-04-01T00:00:00.000Z';
    spec(customerSegmentsDecider)
      .given([changed('rfm', null, 'at-risk', june)])
      .when(assign(march, 'lost'))
      .then([changed('rfm', null, 'lost', march)]);
    spec(customerSegmentsDecider)
      .given([changed('rfm', null, 'champions', march), changed('rfm', 'champions', 'at-risk', june)])
      .when(assign(april, 'loyal'))
      .then([changed('rfm', 'champions', 'loyal', april)]);
    spec(customerSegmentsDecider)
      .given([changed('rfm', null, 'champions', march), changed('rfm', 'champions', 'at-risk', june)])
      .when(assign(april, 'champions'))
      .thenNothing();
  });

  it('moves a customer out of a scheme with segment null', () => {
    spec(customerSegmentsDecider)
      .given([changed('rfm', null, 'new', march)])
      .when(assign(june, null))
      .then([changed('rfm', 'new', null, june)]);
  });
});

describe('segmentation-run decider', () => {
  const data: SegmentationRunCompleted['data'] = {
    runId: 'r',
    asOf: 'r',
    customersScored: { rfm: 1, 'value-matrix': 1 },
    changes: 1,
    segments: { rfm: { new: 1 }, 'value-matrix': { star: 1 } },
    completedAt: 'now',
  };
  it('completes a run once', () => {
    spec(segmentationRunDecider)
      .given([])
      .when({ type: 'CompleteSegmentationRun', data })
      .then([{ type: 'SegmentationRunCompleted', data }]);
    spec(segmentationRunDecider)
      .given([{ type: 'SegmentationRunCompleted', data }])
      .when({ type: 'CompleteSegmentationRun', data })
      .thenNothing();
  });
});

function doc(customerId: string, registeredAt: string, days: [string, number][], suggestions: ValueSuggestion[] = []): CustomerValueDoc {
  const revenue = days.reduce((s, [, a]) => s + a, 0);
  return {
    _id: customerId,
    customerId,
    name: customerId,
    status: 'customer',
    kind: 'customer',
    registeredAt,
    customerSince: registeredAt,
    acquisitionChannel: 'web',
    referredBy: null,
    referrals: [],
    currency: 'USD',
    revenue,
    margin: 0,
    purchaseCount: days.length,
    averageOrderValue: days.length ? revenue / days.length : 0,
    firstPurchaseAt: days[0]?.[0] ?? null,
    lastPurchaseAt: days.at(-1)?.[0] ?? null,
    days: days.map(([day, amount]) => [dayNumber(day), amount]),
    daySummary: summarizeDays(days.map(([day, amount]) => [dayNumber(day), amount])),
    suggestions,
    suggestionsAccepted: 0,
    suggestionsDeclined: 0,
    updatedAt: registeredAt,
  };
}

describe('scoring as of an instant', () => {
  const offer: ValueSuggestion = {
    suggestionId: 's',
    product: 'Gold',
    expectedValue: 500,
    currency: 'USD',
    suggestedAt: '2026-02-01T00:00:00.000Z',
    expiresAt: '2026-04-01T00:00:00.000Z',
    status: 'accepted',
    decidedAt: '2026-03-05T00:00:00.000Z',
  };
  const docs = [
    doc('a', '2026-01-01T00:00:00.000Z', [
      ['2026-01-10', 100],
      ['2026-03-01', 100],
    ]),
    doc('b', '2026-01-01T00:00:00.000Z', [['2026-01-05', 50]]),
    doc('c', '2026-01-01T00:00:00.000Z', [], [offer]),
    doc('d', '2026-02-20T00:00:00.000Z', [['2026-02-25', 10]]),
  ];

  it('ignores purchases after the asOf day and customers without a purchase by then (RFM)', () => {
    const early = segmentCustomers(docs, new Date('2026-02-01T00:00:00.000Z'));
    expect([...early.rfm.keys()].sort()).toEqual(['a', 'b']);
    expect(early.rfm.get('a')?.scores).toMatchObject({ frequency: 1, monetary: 100, recencyDays: 22 });
    // Three scored customers: the best of three scores 1 + floor(5 x 2 / 3) = 4.
    const later = segmentCustomers(docs, new Date('2026-03-02T00:00:00.000Z'));
    expect([...later.rfm.keys()].sort()).toEqual(['a', 'b', 'd']);
    expect(later.rfm.get('a')?.scores).toMatchObject({ frequency: 2, monetary: 200, recencyDays: 1, r: 4 });
  });

  it('scores a purchase made on the as-of day (recency 0), in RFM and in current value', () => {
    const onTheDay = [
      doc('e', '2026-01-01T00:00:00.000Z', [
        ['2026-01-10', 40],
        ['2026-03-02', 60],
      ]),
      doc('f', '2026-01-01T00:00:00.000Z', [['2026-03-03', 999]]),
    ];
    const scored = segmentCustomers(onTheDay, new Date('2026-03-02T00:00:00.000Z'));
    expect([...scored.rfm.keys()]).toEqual(['e']);
    expect(scored.rfm.get('e')?.scores).toMatchObject({ frequency: 2, monetary: 100, recencyDays: 0 });
    expect(scored['value-matrix'].get('e')?.scores).toMatchObject({ currentValue: 100 });
  });

  it('values the potential with the suggestions open at asOf, and leaves out customers not yet registered', () => {
    // On 1 March the offer is still open (accepted only on 5 March): c has potential but no current value.
    const open = segmentCustomers(docs, new Date('2026-03-01T00:00:00.000Z'))['value-matrix'];
    expect(open.get('c')).toEqual({
      segment: 'invest',
      scores: { currentTier: 'low', potentialTier: 'high', currentValue: 0, potentialValue: 500, suggestedValue: 500 },
    });
    const decided = segmentCustomers(docs, new Date('2026-03-06T00:00:00.000Z'))['value-matrix'];
    expect(decided.has('c')).toBe(false);
    const beforeD = segmentCustomers(docs, new Date('2026-02-10T00:00:00.000Z'))['value-matrix'];
    expect(beforeD.has('d')).toBe(false);
  });

  it('computes potential value at any instant', () => {
    expect(potentialValueOf(docs[2], new Date('2026-03-01T00:00:00.000Z'))).toMatchObject({
      openSuggestionsValue: 500,
      acceptanceRate: null,
    });
    expect(potentialValueOf(docs[2], new Date('2026-03-06T00:00:00.000Z'))).toMatchObject({ openSuggestionsValue: 0, acceptanceRate: 1 });
  });

  it('names segments of both schemes without overlap', () => {
    expect(SEGMENT_NAMES.rfm).toHaveLength(11);
    expect(SEGMENT_NAMES['value-matrix']).toEqual([
      'star',
      'retain',
      'harvest',
      'grow',
      'develop',
      'maintain',
      'invest',
      'nurture',
      'deprioritize',
    ]);
    expect(schemeOfSegment('at-risk')).toBe('rfm');
    expect(schemeOfSegment('star')).toBe('value-matrix');
    expect(schemeOfSegment('gold')).toBeNull();
  });
});

describe('in-memory keyset paging', () => {
  const items = [
    { id: 'a', v: 3 },
    { id: 'b', v: null },
    { id: 'c', v: 5 },
    { id: 'd', v: 3 },
  ];
  const key = (i: { id: string; v: number | null }) => [i.v === null ? null : -i.v, i.id];

  it('pages in key order with nulls last and resumes strictly after the cursor', () => {
    const first = pageByKey(items, key, 2);
    expect(first.items.map((i) => i.id)).toEqual(['c', 'a']);
    const second = pageByKey(items, key, 2, first.nextCursor ?? undefined);
    expect(second).toEqual({ items: [items[3], items[1]], nextCursor: null });
    expect(compareKeys([1, 'x'], [1, 'y'])).toBeLessThan(0);
  });

  it('refuses a cursor it did not make', () => {
    expect(() => pageByKey(items, key, 2, 'garbage')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('daily segmentation time', () => {
  it('is the next 00:00 UTC', () => {
    expect(nextMidnightUtc(new Date('2026-03-10T12:00:00.000Z')).toISOString()).toBe('2026-03-11T00:00:00.000Z');
    expect(nextMidnightUtc(new Date('2026-03-10T00:00:00.000Z')).toISOString()).toBe('2026-03-11T00:00:00.000Z');
  });
});
