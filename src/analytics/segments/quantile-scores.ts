/**
 * Quantile scores (quintiles for RFM, terciles for the value matrix) that do not depend on input
 * order and give tied values the same score.
 *
 * Rule: with n values and k classes, a value's score is 1 + floor(k × w / n), where w is the number
 * of values strictly WORSE than it (smaller when higher is better, larger when lower is better).
 * Distinct values split into k classes of equal size (±1); the worst value always scores 1; a tie
 * takes the score of its lowest position, so a large tie at the top can keep the top score empty
 * (e.g. when 60 % of customers bought once, they all get frequency score 1).
 */
export function quantileScores(values: readonly number[], classes: number, higherIsBetter = true): number[] {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`classes must be an integer >= 1, got ${classes}`);
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`value #${i} is not a finite number: ${v}`);
  });
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  return values.map((v) => {
    const worse = higherIsBetter ? lowerBound(sorted, v) : n - upperBound(sorted, v);
    return 1 + Math.floor((classes * worse) / n);
  });
}

/** First index whose value is >= v. */
function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > v. */
function upperBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
