/**
 * BG/NBD ("beta-geometric / negative binomial distribution") model of repeat buying,
 * Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2).
 *
 * Assumptions: while active, a customer buys as a Poisson process with rate λ; λ ~ Gamma(r, α)
 * (shape r, RATE α) across customers; after each repeat transaction the customer becomes inactive
 * with probability p; p ~ Beta(a, b) across customers. Time is in the unit of the summary (days or
 * weeks): α and every t below are in that unit.
 *
 * Formulas (numbers refer to the paper):
 * - likelihood (eq. 6), written as
 *     L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
 *       + δ(x>0) · B(a+1, b+x-1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x)),
 *   evaluated in log space (ln A1 + ln A2 + ln(e^A3 + δ e^A4), as in the paper's appendix);
 * - E[X(t)] (eq. 9) = (a+b-1)/(a-1) · [1 - (α/(α+t))^r 2F1(r, b; a+b-1; t/(α+t))];
 * - P(alive | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b+x-1) · ((α+T)/(α+t_x))^(r+x));
 * - E[Y(t) | x, t_x, T] (eq. 10) = (a+b+x-1)/(a-1)
 *       · [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))] · P(alive);
 * - P(X(t) = n) (eq. 8).
 * The products (1-z)^A · 2F1(A, B; C; z) are evaluated with Euler's transformation
 * (1-z)^A 2F1(A, B; C; z) = (1-z)^(C-B) 2F1(C-A, C-B; C; z), whose parameters do not grow with x,
 * so heavy buyers neither overflow nor need long series.
 */
import { fitPositive, type NelderMeadOptions } from './optimize';
import type { SeededRandom } from './random';
import { hyp2f1, logBeta, logGamma } from './special-functions';
import type { FrequencyRecency } from './summary';

// Local aliases: global lookups are slow inside Jest's vm sandbox, and these run in the fitting loops.
const { exp, log, log1p, pow } = Math;

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Customers reduced to the distinct (x, t_x, T) with their counts, and the distinct x values. */
interface PreparedData {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  /** Index of each group's x in `distinctX`. */
  xIndex: Int32Array;
  distinctX: Float64Array;
  customers: number;
}

function validateCustomer(c: FrequencyRecency, index: number): void {
  const { x, t_x, T } = c;
  if (!Number.isInteger(x) || x < 0) throw new RangeError(`customer #${index}: x must be a non-negative integer, got ${x}`);
  if (!(T >= 0) || !Number.isFinite(T)) throw new RangeError(`customer #${index}: T must be finite and >= 0, got ${T}`);
  if (!(t_x >= 0) || t_x > T) throw new RangeError(`customer #${index}: t_x must be in [0, T], got t_x=${t_x}, T=${T}`);
  if (x > 0 && t_x === 0) throw new RangeError(`customer #${index}: x > 0 needs t_x > 0 (repeat purchases happen after the first day)`);
}

function prepare(customers: readonly FrequencyRecency[]): PreparedData {
  const groups = new Map<string, { x: number; tx: number; T: number; weight: number }>();
  customers.forEach((c, i) => {
    validateCustomer(c, i);
    // t_x does not enter the likelihood when x = 0: grouping those by T alone merges more.
    const tx = c.x === 0 ? 0 : c.t_x;
    const key = `${c.x}|${tx}|${c.T}`;
    const group = groups.get(key);
    if (group) group.weight++;
    else groups.set(key, { x: c.x, tx, T: c.T, weight: 1 });
  });
  const list = [...groups.values()];
  const distinct = [...new Set(list.map((g) => g.x))].sort((p, q) => p - q);
  const position = new Map(distinct.map((x, i) => [x, i]));
  return {
    x: Float64Array.from(list, (g) => g.x),
    tx: Float64Array.from(list, (g) => g.tx),
    T: Float64Array.from(list, (g) => g.T),
    weight: Float64Array.from(list, (g) => g.weight),
    xIndex: Int32Array.from(list, (g) => position.get(g.x) as number),
    distinctX: Float64Array.from(distinct),
    customers: customers.length,
  };
}

function validParams(r: number, alpha: number, a: number, b: number): boolean {
  return r > 0 && alpha > 0 && a > 0 && b > 0 && Number.isFinite(r + alpha + a + b);
}

/**
 * Per distinct x: the x-only part of ln L (ln A1 + ln A2) and ln(a/(b+x-1)). Buffers are reused
 * across calls so the optimiser's inner loop allocates nothing.
 */
function makeLogLikelihood(data: PreparedData): (r: number, alpha: number, a: number, b: number) => number {
  const k = data.distinctX.length;
  const base = new Float64Array(k);
  const deathLog = new Float64Array(k);
  return (r, alpha, a, b) => {
    if (!validParams(r, alpha, a, b)) return -Infinity;
    const common = -logGamma(r) + r * log(alpha) + logGamma(a + b) - logGamma(b);
    const logA = log(a);
    for (let i = 0; i < k; i++) {
      const x = data.distinctX[i];
      base[i] = common + logGamma(r + x) + logGamma(b + x) - logGamma(a + b + x);
      deathLog[i] = x > 0 ? logA - log(b + x - 1) : -Infinity;
    }
    let total = 0;
    const n = data.x.length;
    for (let g = 0; g < n; g++) {
      const i = data.xIndex[g];
      const rx = r + data.x[g];
      const alive = -rx * log(alpha + data.T[g]);
      let logSum = alive;
      if (data.x[g] > 0) {
        const dead = deathLog[i] - rx * log(alpha + data.tx[g]);
        logSum = alive > dead ? alive + log1p(exp(dead - alive)) : dead + log1p(exp(alive - dead));
      }
      total += data.weight[g] * (base[i] + logSum);
    }
    return total;
  };
}

/** Total log-likelihood of the customers under the parameters (-Infinity for invalid parameters). */
export function bgnbdLogLikelihood(params: BgNbdParams, customers: readonly FrequencyRecency[]): number {
  return makeLogLikelihood(prepare(customers))(params.r, params.alpha, params.a, params.b);
}

export interface BgNbdFitOptions {
  /** Starting point (default r = α = a = b = 1). */
  initial?: BgNbdParams;
  optimizer?: NelderMeadOptions;
}

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
  /** Asymptotic standard errors (inverse observed information, delta method from log space). */
  standardErrors: BgNbdParams;
  customers: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

/** Maximum-likelihood fit of BG/NBD on calibration summaries. */
export function fitBgNbd(customers: readonly FrequencyRecency[], options: BgNbdFitOptions = {}): BgNbdFit {
  if (customers.length === 0) throw new RangeError('fitBgNbd needs at least one customer');
  if (!customers.some((c) => c.x > 0)) throw new RangeError('fitBgNbd needs at least one repeat buyer (x > 0)');
  const logLikelihood = makeLogLikelihood(prepare(customers));
  const start = options.initial ?? { r: 1, alpha: 1, a: 1, b: 1 };
  const fit = fitPositive((p) => -logLikelihood(p[0], p[1], p[2], p[3]), [start.r, start.alpha, start.a, start.b], options.optimizer);
  const [r, alpha, a, b] = fit.params;
  const [seR, seAlpha, seA, seB] = fit.standardErrors;
  return {
    params: { r, alpha, a, b },
    logLikelihood: -fit.value,
    standardErrors: { r: seR, alpha: seAlpha, a: seA, b: seB },
    customers: customers.length,
    iterations: fit.iterations,
    evaluations: fit.evaluations,
    converged: fit.converged,
  };
}

function checkParams(params: BgNbdParams): void {
  if (!validParams(params.r, params.alpha, params.a, params.b)) {
    throw new RangeError(`BG/NBD parameters must be positive and finite, got ${JSON.stringify(params)}`);
  }
}

function checkTime(t: number, what = 't'): void {
  if (!(t >= 0) || !Number.isFinite(t)) throw new RangeError(`${what} must be finite and >= 0, got ${t}`);
}

/**
 * C/(a-1) · [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; C; z)] with C = a+b+x-1: E[X(t)] when x = 0 and
 * z = t/(α+t); E[Y(t)] before the P(alive) factor when z = t/(α+T+t). At a = 1 the expression has a
 * removable singularity (0/0): there it is the mean of the values at a = 1 ± 1e-5 (error below 1e-9).
 */
function expectedCountShape(r: number, a: number, b: number, x: number, z: number): number {
  if (z === 0) return 0;
  if (Math.abs(a - 1) < 1e-6) {
    const h = 1e-5;
    return 0.5 * (expectedCountShape(r, 1 + h, b, x, z) + expectedCountShape(r, 1 - h, b, x, z));
  }
  const c = a + b + x - 1;
  const transformed = pow(1 - z, a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z);
  return (c / (a - 1)) * (1 - transformed);
}

/** E[X(t)]: expected number of repeat transactions of a randomly chosen customer in (0, t] after the first purchase. */
export function expectedTransactions(params: BgNbdParams, t: number): number {
  checkParams(params);
  checkTime(t);
  const { r, alpha, a, b } = params;
  return expectedCountShape(r, a, b, 0, t / (alpha + t));
}

/** P(alive | x, t_x, T): probability that the customer is still active at the end of the calibration period. */
export function probabilityAlive(params: BgNbdParams, x: number, t_x: number, T: number): number {
  checkParams(params);
  validateCustomer({ x, t_x, T }, 0);
  if (x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logOdds = log(a) - log(b + x - 1) + (r + x) * (log(alpha + T) - log(alpha + t_x));
  return 1 / (1 + exp(logOdds));
}

/**
 * E[Y(t) | x, t_x, T]: expected number of transactions in the t units after the calibration end, for a
 * customer with that history.
 */
export function conditionalExpectedTransactions(params: BgNbdParams, t: number, x: number, t_x: number, T: number): number {
  checkTime(t);
  const alive = probabilityAlive(params, x, t_x, T);
  const { r, alpha, a, b } = params;
  return expectedCountShape(r, a, b, x, t / (alpha + T + t)) * alive;
}

/** P(X(t) = n): probability that a randomly chosen customer makes exactly n repeat transactions in (0, t]. */
export function probabilityOfPurchases(params: BgNbdParams, t: number, n: number): number {
  checkParams(params);
  checkTime(t);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (t === 0) return n === 0 ? 1 : 0;
  const { r, alpha, a, b } = params;
  const logStay = log(alpha / (alpha + t)); // ln(1-z)
  const logZ = log(t / (alpha + t));
  const logBetaAB = logBeta(a, b);
  // NBD(r, α) probability of n events in (0, t]: Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n.
  const logNbd = (j: number): number => logGamma(r + j) - logGamma(r) - logGamma(j + 1) + r * logStay + j * logZ;
  const stillActive = exp(logBeta(a, b + n) - logBetaAB + logNbd(n));
  if (n === 0) return stillActive;
  // Second term: dropped out after the n-th repeat, which needs at least n events by t: P(NBD >= n).
  return stillActive + exp(logBeta(a + 1, b + n - 1) - logBetaAB) * nbdUpperTail(r, logZ, n, logNbd);
}

/** P(N >= n) for the NBD count: 1 - CDF when that is not small, the summed tail otherwise (no cancellation). */
function nbdUpperTail(r: number, logZ: number, n: number, logNbd: (j: number) => number): number {
  let cdf = 0;
  // Each term from its own logarithm: a recurrence from pmf(0) would stall if pmf(0) underflowed.
  for (let j = 0; j < n; j++) cdf += exp(logNbd(j));
  if (cdf < 0.9) return Math.max(0, 1 - cdf);
  const z = exp(logZ);
  let term = exp(logNbd(n));
  let tail = 0;
  for (let j = n; j < n + 10_000_000; j++) {
    tail += term;
    const ratio = ((r + j) / (j + 1)) * z;
    term *= ratio;
    if (ratio < 1 && term * (Math.max(ratio, z) / (1 - Math.max(ratio, z))) <= 1e-16 * tail) return tail;
  }
  return tail;
}

export interface SimulatedCustomer extends FrequencyRecency {
  /** Times of the repeat transactions (from the first purchase), ascending. */
  transactionTimes: number[];
  /** The customer's latent purchase rate and dropout probability (for checks). */
  lambda: number;
  p: number;
  /** Whether the customer is still active at T. */
  alive: boolean;
}

/**
 * Simulate customers from the BG/NBD generative story, one per entry of `observationLengths` (T):
 * draw λ ~ Gamma(r, rate α) and p ~ Beta(a, b); from the first purchase at time 0, draw exponential
 * inter-purchase times while before T; after each repeat purchase, drop out with probability p.
 */
export function simulateBgNbd(params: BgNbdParams, observationLengths: readonly number[], random: SeededRandom): SimulatedCustomer[] {
  checkParams(params);
  return observationLengths.map((T) => {
    checkTime(T, 'T');
    const lambda = random.gamma(params.r, 1 / params.alpha);
    const p = random.beta(params.a, params.b);
    const transactionTimes: number[] = [];
    let time = 0;
    let alive = true;
    for (;;) {
      time += random.exponential(lambda);
      if (time > T) break;
      transactionTimes.push(time);
      if (random.uniform() < p) {
        alive = false;
        break;
      }
    }
    const x = transactionTimes.length;
    return { x, t_x: x > 0 ? transactionTimes[x - 1] : 0, T, transactionTimes, lambda, p, alive };
  });
}
