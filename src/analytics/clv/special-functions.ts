/**
 * Special functions the lifetime-value models need: log-gamma, log-beta and the Gauss
 * hypergeometric function 2F1. Written from the textbook definitions (Stirling series,
 * hypergeometric power series, Pfaff transformation), no external numeric library.
 */

// Local aliases: global lookups are slow inside Jest's vm sandbox, and these run in the fitting loops.
const { abs, log, max, pow } = Math;
const { isFinite: finite } = Number;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
/** Below this argument the Stirling series is not accurate enough, so the argument is shifted up first. */
const STIRLING_FROM = 15;

/**
 * ln Γ(x) for x > 0. Stirling's series up to the x^-7 term, used at x >= 15 where the next term
 * (1/(1188 x^9)) is below 3e-14; smaller arguments are shifted with Γ(x) = Γ(x+k) / (x (x+1) ... (x+k-1)).
 */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) {
    if (x === Infinity) return Infinity;
    throw new RangeError(`logGamma needs a positive finite argument, got ${x}`);
  }
  let shift = 1;
  let z = x;
  while (z < STIRLING_FROM) {
    shift *= z;
    z += 1;
  }
  const inv = 1 / z;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)));
  return (z - 0.5) * log(z) - z + HALF_LOG_2PI + series - log(shift);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a+b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

export interface Hyp2f1Options {
  /** Relative accuracy at which the series stops (default 1e-15). */
  tolerance?: number;
  /** Safety cap on the number of series terms (default 1,000,000). */
  maxTerms?: number;
}

/**
 * Gauss hypergeometric function 2F1(a, b; c; z) for real z < 1, as the power series
 * Σ (a)_n (b)_n / ((c)_n n!) z^n.
 *
 * For z <= -0.5 the Pfaff transformation 2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; z/(z-1)) moves the
 * argument into [1/3, 1), where the series converges without alternating cancellation. The series
 * converges geometrically with ratio → z, so arguments close to 1 need many terms (about 36/(1-z));
 * the cap only guards against misuse.
 *
 * Stopping rule: once the term ratio ρ_n = (a+n)(b+n)z / ((c+n)(n+1)) is below 1 in magnitude, the
 * tail is bounded by |term| ρ/(1-ρ) with ρ = max(|ρ_n|, |z|) (the ratio tends to z); the sum stops
 * when that bound is below tolerance × |sum|.
 */
export function hyp2f1(a: number, b: number, c: number, z: number, options: Hyp2f1Options = {}): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || !Number.isFinite(z)) {
    throw new RangeError(`hyp2f1 needs finite arguments, got (${a}, ${b}, ${c}, ${z})`);
  }
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1 is undefined for c = ${c} (non-positive integer)`);
  if (z >= 1) throw new RangeError(`hyp2f1 series needs z < 1, got ${z}`);
  if (z <= -0.5) return pow(1 - z, -a) * hyp2f1Series(a, c - b, c, z / (z - 1), options);
  return hyp2f1Series(a, b, c, z, options);
}

function hyp2f1Series(a: number, b: number, c: number, z: number, options: Hyp2f1Options): number {
  const tolerance = options.tolerance ?? 1e-15;
  const maxTerms = options.maxTerms ?? 1_000_000;
  if (z === 0) return 1;
  const absZ = abs(z);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < maxTerms; n++) {
    const ratio = ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    term *= ratio;
    sum += term;
    if (term === 0) return sum; // a or b is a non-positive integer: the series terminates
    const nextRatio = abs(((a + n + 1) * (b + n + 1) * z) / ((c + n + 1) * (n + 2)));
    if (nextRatio < 1) {
      const rho = max(nextRatio, absZ);
      if (abs(term) * (rho / (1 - rho)) <= tolerance * abs(sum)) return sum;
    }
    if (!finite(sum)) break;
  }
  throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge within ${maxTerms} terms`);
}
