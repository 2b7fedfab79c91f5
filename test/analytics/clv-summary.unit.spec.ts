import { aggregateDailyTransactions, dayNumber, summarizePurchases, type Purchase } from '../../src/analytics/clv/summary';

const p = (customerId: string, occurredAt: string, amount: number): Purchase => ({ customerId, occurredAt, amount });

describe('summarizePurchases', () => {
  const purchases: Purchase[] = [
    // c1: first day 2024-01-01 (two purchases that day), repeats on 01-08 (two) and 01-22; 02-05 is after calibration.
    p('c1', '2024-01-01T09:00:00Z', 10),
    p('c1', '2024-01-01T18:30:00Z', 5),
    p('c1', '2024-01-08', 20),
    p('c1', '2024-01-08T23:59:59.999Z', 4),
    p('c1', '2024-01-22T12:00:00Z', 30),
    p('c1', '2024-02-05T12:00:00Z', 100),
    // c2: a single purchase.
    p('c2', '2024-01-15T10:00:00+02:00', 7),
    // c3: first purchase after the calibration end: not in the calibration cohort.
    p('c3', '2024-02-01', 50),
  ];
  const options = { calibrationEnd: '2024-01-29', unit: 'week' as const };

  it('counts same-day purchases as one transaction and excludes the first day from zbar', () => {
    const [c1, c2] = summarizePurchases(purchases, options);
    expect(c1).toEqual({
      customerId: 'c1',
      x: 2,
      t_x: 3,
      T: 4,
      monetary: (24 + 30) / 2,
      firstPurchaseAt: '2024-01-01',
      lastPurchaseAt: '2024-01-22',
      firstPurchaseAmount: 15,
      totalSpend: 69,
    });
    expect(c2).toMatchObject({ customerId: 'c2', x: 0, t_x: 0, T: 2, monetary: 0, totalSpend: 7, lastPurchaseAt: '2024-01-15' });
  });

  it('leaves out customers whose first purchase is after the calibration end', () => {
    expect(summarizePurchases(purchases, options).map((c) => c.customerId)).toEqual(['c1', 'c2']);
  });

  it('uses days as the unit when asked (a week being exactly 7 days)', () => {
    const [c1] = summarizePurchases(purchases, { ...options, unit: 'day' });
    expect([c1.x, c1.t_x, c1.T]).toEqual([2, 21, 28]);
    const [w] = summarizePurchases([p('w', '2024-01-01', 1), p('w', '2024-01-04', 1)], { calibrationEnd: '2024-01-10', unit: 'week' });
    expect(w.t_x).toBeCloseTo(3 / 7, 15);
    expect(w.T).toBeCloseTo(9 / 7, 15);
  });

  it('counts the holdout period when a holdout end is given', () => {
    const [c1, c2] = summarizePurchases(purchases, { ...options, holdoutEnd: '2024-02-26' });
    expect(c1.holdout).toEqual({ transactions: 1, spend: 100, duration: 4 });
    expect(c2.holdout).toEqual({ transactions: 0, spend: 0, duration: 4 });
    expect(summarizePurchases(purchases, options)[0].holdout).toBeUndefined();
  });

  it('includes purchases ON the calibration end day in the calibration period', () => {
    const [c] = summarizePurchases([p('c', '2024-01-01', 1), p('c', '2024-01-29T23:00:00Z', 2)], options);
    expect([c.x, c.t_x, c.T]).toEqual([1, 4, 4]);
  });

  it('assigns date-times to business days with dayOffsetMinutes', () => {
    // 23:30 UTC is the next day at UTC+1: then the two purchases fall on different days.
    const two = [p('c', '2024-01-01T10:00:00Z', 1), p('c', '2024-01-01T23:30:00Z', 2)];
    expect(summarizePurchases(two, options)[0].x).toBe(0);
    const shifted = summarizePurchases(two, { ...options, dayOffsetMinutes: 60 })[0];
    expect([shifted.x, shifted.lastPurchaseAt, shifted.monetary]).toEqual([1, '2024-01-02', 2]);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => summarizePurchases([p('c', 'yesterday', 1)], options)).toThrow(/ISO 8601/);
    expect(() => summarizePurchases([p('c', '2024-02-30', 1)], options)).toThrow(/calendar date/);
    expect(() => summarizePurchases([p('c', '2024-01-01', Number.NaN)], options)).toThrow(/finite/);
    expect(() => summarizePurchases(purchases, { ...options, holdoutEnd: '2024-01-01' })).toThrow(/before calibrationEnd/);
  });
});

describe('aggregateDailyTransactions / dayNumber', () => {
  it('groups by customer (sorted by id) and day (ascending)', () => {
    const days = aggregateDailyTransactions([
      p('b', '2024-01-02', 1),
      p('a', '2024-01-03', 2),
      p('b', '2024-01-01', 3),
      p('b', '2024-01-02T05:00:00Z', 4),
    ]);
    expect([...days.keys()]).toEqual(['a', 'b']);
    expect(days.get('b')).toEqual([
      { day: dayNumber('2024-01-01'), amount: 3 },
      { day: dayNumber('2024-01-02'), amount: 5 },
    ]);
  });

  it('numbers days from 1970-01-01', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dayNumber('1997-09-30') - dayNumber('1997-01-01')).toBe(272);
    expect(dayNumber('2024-03-10T01:00:00+05:00')).toBe(dayNumber('2024-03-09'));
  });
});
