import { quantileScores } from '../../src/analytics/segments/quantile-scores';
import {
  RFM_SEGMENTS,
  RFM_SEGMENT_TABLE,
  rfmInputsFromPurchases,
  rfmSegment,
  scoreRfm,
  type RfmInput,
} from '../../src/analytics/segments/rfm';

describe('quantileScores', () => {
  it('splits distinct values into equal quintiles', () => {
    expect(quantileScores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    // 7 values: classes of 2/1/2/1/1 (±1 of n/5).
    expect(quantileScores([10, 20, 30, 40, 50, 60, 70], 5)).toEqual([1, 1, 2, 3, 3, 4, 5]);
  });

  it('does not depend on input order', () => {
    const values = [5, 3, 9, 1, 7, 2, 8, 4, 6, 10];
    const scores = quantileScores(values, 5);
    const reversed = quantileScores([...values].reverse(), 5).reverse();
    expect(reversed).toEqual(scores);
    expect(scores).toEqual(values.map((v) => Math.ceil(v / 2)));
  });

  it('gives ties the same score (that of their lowest position)', () => {
    // Six 1s out of ten: all score 1; then 2 (6 below → 1+floor(3)=4), 3, 3, 4.
    expect(quantileScores([1, 1, 1, 1, 1, 1, 2, 3, 3, 4], 5)).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 4, 5]);
    expect(quantileScores([7, 7, 7], 5)).toEqual([1, 1, 1]);
  });

  it('reverses when lower is better', () => {
    expect(quantileScores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5, false)).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
    expect(quantileScores([0, 0, 5, 9], 5, false)).toEqual([3, 3, 2, 1]);
  });

  it('handles empty input and rejects non-finite values', () => {
    expect(quantileScores([], 5)).toEqual([]);
    expect(() => quantileScores([1, Number.NaN], 5)).toThrow(RangeError);
    expect(() => quantileScores([1], 0)).toThrow(RangeError);
  });
});

describe('rfmSegment', () => {
  it('maps every score combination to one of the named segments', () => {
    const seen = new Set<string>();
    for (let r = 1; r <= 5; r++) for (let f = 1; f <= 5; f++) for (let m = 1; m <= 5; m++) seen.add(rfmSegment(r, f, m));
    expect([...seen].sort()).toEqual([...RFM_SEGMENTS].sort());
    expect(RFM_SEGMENT_TABLE.flat().every((s) => (RFM_SEGMENTS as readonly string[]).includes(s))).toBe(true);
  });

  it.each([
    [5, 5, 5, 'champions'],
    [4, 5, 5, 'champions'],
    [4, 4, 4, 'loyal'],
    [3, 5, 4, 'loyal'],
    [5, 1, 1, 'new'],
    [5, 2, 3, 'potential-loyalist'], // FM = round-half-up(2.5) = 3
    [4, 1, 1, 'promising'],
    [3, 3, 2, 'need-attention'],
    [3, 1, 1, 'about-to-sleep'],
    [2, 4, 3, 'at-risk'],
    [1, 5, 5, 'cannot-lose'],
    [2, 5, 4, 'cannot-lose'],
    [2, 1, 2, 'hibernating'],
    [1, 1, 1, 'lost'],
  ])('R%i F%i M%i is %s', (r, f, m, segment) => {
    expect(rfmSegment(r, f, m)).toBe(segment);
  });

  it('rejects scores outside 1-5', () => {
    expect(() => rfmSegment(0, 3, 3)).toThrow(RangeError);
    expect(() => rfmSegment(3, 6, 3)).toThrow(RangeError);
    expect(() => rfmSegment(3, 3, 2.5)).toThrow(RangeError);
  });
});

describe('scoreRfm', () => {
  it('scores recency (lower is better), frequency and monetary by quintiles and names the segment', () => {
    // Ten customers: c0 is the most recent, most frequent, biggest spender; c9 the opposite.
    const customers: RfmInput[] = Array.from({ length: 10 }, (_, i) => ({
      customerId: `c${i}`,
      recency: i * 10,
      frequency: 10 - i,
      monetary: 1000 - i * 100,
    }));
    const scored = scoreRfm(customers);
    expect(scored.map((s) => s.code)).toEqual(['555', '555', '444', '444', '333', '333', '222', '222', '111', '111']);
    expect(scored.map((s) => s.segment)).toEqual([
      'champions',
      'champions',
      'loyal',
      'loyal',
      'need-attention',
      'need-attention',
      'hibernating',
      'hibernating',
      'lost',
      'lost',
    ]);
    expect(scored[0]).toMatchObject({ customerId: 'c0', recency: 0, frequency: 10, monetary: 1000, r: 5, f: 5, m: 5, fm: 5 });
  });

  it('finds the big spenders who stopped buying (cannot-lose) and the recent newcomers (new)', () => {
    const customers: RfmInput[] = [
      { customerId: 'old-whale', recency: 300, frequency: 40, monetary: 9000 },
      { customerId: 'newcomer', recency: 1, frequency: 1, monetary: 10 },
      ...Array.from({ length: 8 }, (_, i) => ({ customerId: `m${i}`, recency: 50 + i, frequency: 5 + i, monetary: 500 + i })),
    ];
    const byId = new Map(scoreRfm(customers).map((s) => [s.customerId, s]));
    expect(byId.get('old-whale')?.segment).toBe('cannot-lose');
    expect(byId.get('newcomer')?.segment).toBe('new');
  });
});

describe('rfmInputsFromPurchases', () => {
  const purchases = [
    { customerId: 'a', occurredAt: '2024-03-01T10:00:00Z', amount: 10 },
    { customerId: 'a', occurredAt: '2024-03-01T15:00:00Z', amount: 5 },
    { customerId: 'a', occurredAt: '2024-03-08', amount: 30 },
    { customerId: 'a', occurredAt: '2024-04-01', amount: 99 }, // after asOf: ignored
    { customerId: 'b', occurredAt: '2024-02-10', amount: 20 },
    { customerId: 'c', occurredAt: '2024-04-02', amount: 20 }, // only after asOf: left out
  ];

  it('counts same-day purchases as one transaction; recency in days to asOf; total spend', () => {
    expect(rfmInputsFromPurchases(purchases, '2024-03-10')).toEqual([
      { customerId: 'a', recency: 2, frequency: 2, monetary: 45 },
      { customerId: 'b', recency: 29, frequency: 1, monetary: 20 },
    ]);
  });

  it('counts a purchase made on the as-of day, to its last second, with recency 0; the next midnight is after it', () => {
    const boundary = [
      { customerId: 'late', occurredAt: '2024-03-10T23:59:59.999Z', amount: 7 },
      { customerId: 'late', occurredAt: '2024-03-11T00:00:00.000Z', amount: 1000 },
      { customerId: 'early', occurredAt: '2024-03-10T00:00:00.000Z', amount: 3 },
      { customerId: 'early', occurredAt: '2024-03-09T23:59:59.999Z', amount: 2 },
    ];
    expect(rfmInputsFromPurchases(boundary, '2024-03-10')).toEqual([
      { customerId: 'early', recency: 0, frequency: 2, monetary: 5 },
      { customerId: 'late', recency: 0, frequency: 1, monetary: 7 },
    ]);
    // Given as an instant, the as-of is its day (UTC).
    expect(rfmInputsFromPurchases(boundary, '2024-03-10T00:00:00.000Z')).toEqual(rfmInputsFromPurchases(boundary, '2024-03-10'));
  });

  it('can use the average spend per transaction', () => {
    expect(rfmInputsFromPurchases(purchases, '2024-03-10', { monetary: 'average' })[0].monetary).toBe(22.5);
  });
});
