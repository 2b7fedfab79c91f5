/**
 * Value matrix: customers placed on a 3×3 grid of current value (e.g. spend so far) by potential
 * value (e.g. predicted CLV), each in tiers low / medium / high.
 *
 * Tiers are terciles of the population by default (quantile-scores.ts rule: order-independent, ties
 * share a tier) or fixed thresholds: value >= high → high, value >= medium → medium, else low.
 *
 * Cell names (rows current, columns potential):
 *
 *   current \ potential |  low            medium     high
 *   --------------------+----------------------------------
 *          high         |  harvest        retain     star
 *          medium       |  maintain       develop    grow
 *          low          |  deprioritize   nurture    invest
 */
import { quantileScores } from './quantile-scores';

export const VALUE_TIERS = ['low', 'medium', 'high'] as const;
export type ValueTier = (typeof VALUE_TIERS)[number];

export type ValueMatrixCell = 'star' | 'retain' | 'harvest' | 'grow' | 'develop' | 'maintain' | 'invest' | 'nurture' | 'deprioritize';

/** VALUE_MATRIX_CELLS[current][potential]. */
export const VALUE_MATRIX_CELLS: Readonly<Record<ValueTier, Readonly<Record<ValueTier, ValueMatrixCell>>>> = {
  high: { low: 'harvest', medium: 'retain', high: 'star' },
  medium: { low: 'maintain', medium: 'develop', high: 'grow' },
  low: { low: 'deprioritize', medium: 'nurture', high: 'invest' },
};

export interface TierThresholds {
  /** Lowest value of the medium tier. */
  medium: number;
  /** Lowest value of the high tier (>= medium). */
  high: number;
}

export interface ValueMatrixOptions {
  /** Fixed thresholds for current value; terciles when absent. */
  current?: TierThresholds;
  /** Fixed thresholds for potential value; terciles when absent. */
  potential?: TierThresholds;
}

export interface ValueMatrixInput {
  customerId: string;
  currentValue: number;
  potentialValue: number;
}

export interface ValueMatrixEntry extends ValueMatrixInput {
  currentTier: ValueTier;
  potentialTier: ValueTier;
  cell: ValueMatrixCell;
}

export interface ValueMatrix {
  /** In input order. */
  customers: ValueMatrixEntry[];
  /** Number of customers in each cell (every cell present, 0 when empty). */
  counts: Record<ValueMatrixCell, number>;
}

/** Tier of one value against fixed thresholds. */
export function tierOf(value: number, thresholds: TierThresholds): ValueTier {
  if (!Number.isFinite(value)) throw new RangeError(`value must be finite, got ${value}`);
  return value >= thresholds.high ? 'high' : value >= thresholds.medium ? 'medium' : 'low';
}

function tiers(values: number[], thresholds: TierThresholds | undefined): ValueTier[] {
  if (thresholds) {
    if (!Number.isFinite(thresholds.medium) || !Number.isFinite(thresholds.high) || thresholds.high < thresholds.medium) {
      throw new RangeError(`tier thresholds need finite medium <= high, got ${JSON.stringify(thresholds)}`);
    }
    return values.map((v) => tierOf(v, thresholds));
  }
  return quantileScores(values, 3, true).map((score) => VALUE_TIERS[score - 1]);
}

export function valueMatrix(customers: readonly ValueMatrixInput[], options: ValueMatrixOptions = {}): ValueMatrix {
  const current = tiers(
    customers.map((c) => c.currentValue),
    options.current,
  );
  const potential = tiers(
    customers.map((c) => c.potentialValue),
    options.potential,
  );
  const counts = Object.fromEntries(
    VALUE_TIERS.flatMap((row) => VALUE_TIERS.map((column) => [VALUE_MATRIX_CELLS[row][column], 0])),
  ) as Record<ValueMatrixCell, number>;
  const entries = customers.map((c, i) => {
    const cell = VALUE_MATRIX_CELLS[current[i]][potential[i]];
    counts[cell]++;
    return { ...c, currentTier: current[i], potentialTier: potential[i], cell };
  });
  return { customers: entries, counts };
}
