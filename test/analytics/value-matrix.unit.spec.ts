import { tierOf, VALUE_MATRIX_CELLS, valueMatrix, type ValueMatrixInput } from '../../src/analytics/segments/value-matrix';

const input = (customerId: string, currentValue: number, potentialValue: number): ValueMatrixInput => ({
  customerId,
  currentValue,
  potentialValue,
});

describe('valueMatrix', () => {
  it('places customers by terciles of current and potential value and names the cell', () => {
    // Current 1..9 → tiers low×3, medium×3, high×3; potential in reverse order.
    const customers = Array.from({ length: 9 }, (_, i) => input(`c${i}`, i + 1, 9 - i));
    const matrix = valueMatrix(customers);
    expect(matrix.customers.map((c) => `${c.currentTier}/${c.potentialTier}`)).toEqual([
      'low/high',
      'low/high',
      'low/high',
      'medium/medium',
      'medium/medium',
      'medium/medium',
      'high/low',
      'high/low',
      'high/low',
    ]);
    expect(matrix.customers.map((c) => c.cell)).toEqual([
      'invest',
      'invest',
      'invest',
      'develop',
      'develop',
      'develop',
      'harvest',
      'harvest',
      'harvest',
    ]);
    expect(matrix.counts).toEqual({
      star: 0,
      retain: 0,
      harvest: 3,
      grow: 0,
      develop: 3,
      maintain: 0,
      invest: 3,
      nurture: 0,
      deprioritize: 0,
    });
    expect(matrix.customers[0]).toMatchObject({ customerId: 'c0', currentValue: 1, potentialValue: 9 });
  });

  it('uses fixed thresholds when given (value >= high → high, >= medium → medium)', () => {
    const matrix = valueMatrix([input('a', 100, 5000), input('b', 99.99, 1000), input('c', 10, 999)], {
      current: { medium: 20, high: 100 },
      potential: { medium: 1000, high: 5000 },
    });
    expect(matrix.customers.map((c) => c.cell)).toEqual(['star', 'develop', 'deprioritize']);
  });

  it('can mix thresholds on one axis with terciles on the other', () => {
    const matrix = valueMatrix([input('a', 1, 10), input('b', 2, 20), input('c', 3, 30)], { current: { medium: 0, high: 0 } });
    expect(matrix.customers.map((c) => c.cell)).toEqual(['harvest', 'retain', 'star']);
  });

  it('names all nine cells', () => {
    const names = Object.values(VALUE_MATRIX_CELLS).flatMap((row) => Object.values(row));
    expect(new Set(names).size).toBe(9);
  });

  it('rejects inconsistent thresholds and non-finite values', () => {
    expect(() => valueMatrix([input('a', 1, 1)], { current: { medium: 10, high: 5 } })).toThrow(RangeError);
    expect(() => valueMatrix([input('a', Number.NaN, 1)])).toThrow(RangeError);
    expect(() => tierOf(Number.POSITIVE_INFINITY, { medium: 1, high: 2 })).toThrow(RangeError);
  });
});
