/**
 * Gamma-Gamma model of spend per transaction, Fader & Hardie (2013), "The Gamma-Gamma Model of
 * Monetary Value" (after Colombo & Jiang 1999; used in Fader, Hardie & Lee 2005, JMR 42(4)).
 *
 * Assumptions: a customer's transaction values z_i are i.i.d. Gamma(p, ν) (shape p, RATE ν), so the
 * mean of x of them, zbar, has x·zbar ~ Gamma(px, ν); ν ~ Gamma(q, γ) (shape q, RATE γ) across
 * customers; spend is independent of the transaction process. Only repeat transactions are used
 * (x > 0, zbar = mean of the repeat transaction values).
 *
 * Formulas:
 * - marginal density of zbar given x (the note's eq. 4, with the x^(px) · zbar^(px-1) Jacobian kept):
 *     f(zbar | p, q, γ; x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q · x^(px) zbar^(px-1) / (γ + x·zbar)^(px+q);
 * - conditional expected mean spend (eq. 5):
 *     E[Z | p, q, γ, x, zbar] = p (γ + x·zbar) / (px + q - 1)
 *                             = (q-1)/(px+q-1) · pγ/(q-1) + px/(px+q-1) · zbar,
 *   a weighted mean of the population mean pγ/(q-1) and the customer's own zbar (needs px + q > 1).
 */
import { fitPositive, type NelderMeadOptions } from './optimize';
import type { SeededRandom } from './random';
import { logGamma } from './special-functions';
import type { FrequencyMonetary } from './summary';

// Local aliases: global lookups are slow inside Jest's vm sandbox, and these run in the fitting loops.
const { log } = Math;

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

interface PreparedData {
  x: Float64Array;
  logZbar: Float64Array;
  logX: Float64Array;
  /** x · zbar: the customer's total repeat spend. */
  total: Float64Array;
  xIndex: Int32Array;
  distinctX: Float64Array;
}

/** Customers the model applies to: repeat buyers with a positive mean spend. */
function usable(c: FrequencyMonetary): boolean {
  return c.x > 0 && c.monetary > 0;
}

function prepare(customers: readonly FrequencyMonetary[]): PreparedData {
  customers.forEach((c, i) => {
    if (!Number.isInteger(c.x) || c.x < 0) throw new RangeError(`customer #${i}: x must be a non-negative integer, got ${c.x}`);
    if (!Number.isFinite(c.monetary)) throw new RangeError(`customer #${i}: monetary must be finite, got ${c.monetary}`);
  });
  const used = customers.filter(usable);
  const distinct = [...new Set(used.map((c) => c.x))].sort((p, q) => p - q);
  const position = new Map(distinct.map((x, i) => [x, i]));
  return {
    x: Float64Array.from(used, (c) => c.x),
    logZbar: Float64Array.from(used, (c) => log(c.monetary)),
    logX: Float64Array.from(used, (c) => log(c.x)),
    total: Float64Array.from(used, (c) => c.x * c.monetary),
    xIndex: Int32Array.from(used, (c) => position.get(c.x) as number),
    distinctX: Float64Array.from(distinct),
  };
}

function validParams(p: number, q: number, gamma: number): boolean {
  return p > 0 && q > 0 && gamma > 0 && Number.isFinite(p + q + gamma);
}

function makeLogLikelihood(data: PreparedData): (p: number, q: number, gamma: number) => number {
  const k = data.distinctX.length;
  const base = new Float64Array(k);
  return (p, q, gamma) => {
    if (!validParams(p, q, gamma)) return -Infinity;
    const common = q * log(gamma) - logGamma(q);
    for (let i = 0; i < k; i++) {
      const px = p * data.distinctX[i];
      base[i] = common + logGamma(px + q) - logGamma(px);
    }
    let total = 0;
    const n = data.x.length;
    for (let j = 0; j < n; j++) {
      const px = p * data.x[j];
      total += base[data.xIndex[j]] + (px - 1) * data.logZbar[j] + px * data.logX[j] - (px + q) * log(gamma + data.total[j]);
    }
    return total;
  };
}

/**
 * Log-likelihood of the repeat buyers' mean spends. Customers with x = 0 (or a non-positive zbar)
 * carry no information for this model and are ignored.
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, customers: readonly FrequencyMonetary[]): number {
  return makeLogLikelihood(prepare(customers))(params.p, params.q, params.gamma);
}

export interface GammaGammaFitOptions {
  /** Starting point (default p = q = γ = 1). */
  initial?: GammaGammaParams;
  optimizer?: NelderMeadOptions;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  standardErrors: GammaGammaParams;
  /** Customers the fit used (x > 0 and zbar > 0). */
  customers: number;
  /** Repeat buyers left out because their mean spend is zero or negative (the model needs positive spend). */
  excludedNonPositiveSpend: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

/** Maximum-likelihood fit of Gamma-Gamma on the repeat buyers (x > 0) and their mean spends. */
export function fitGammaGamma(customers: readonly FrequencyMonetary[], options: GammaGammaFitOptions = {}): GammaGammaFit {
  const data = prepare(customers);
  if (data.x.length === 0) throw new RangeError('fitGammaGamma needs at least one repeat buyer with positive spend');
  const logLikelihood = makeLogLikelihood(data);
  const start = options.initial ?? { p: 1, q: 1, gamma: 1 };
  const fit = fitPositive((v) => -logLikelihood(v[0], v[1], v[2]), [start.p, start.q, start.gamma], options.optimizer);
  const [p, q, gamma] = fit.params;
  const [seP, seQ, seGamma] = fit.standardErrors;
  return {
    params: { p, q, gamma },
    logLikelihood: -fit.value,
    standardErrors: { p: seP, q: seQ, gamma: seGamma },
    customers: data.x.length,
    excludedNonPositiveSpend: customers.filter((c) => c.x > 0 && !(c.monetary > 0)).length,
    iterations: fit.iterations,
    evaluations: fit.evaluations,
    converged: fit.converged,
  };
}

function checkParams(params: GammaGammaParams): void {
  if (!validParams(params.p, params.q, params.gamma)) {
    throw new RangeError(`Gamma-Gamma parameters must be positive and finite, got ${JSON.stringify(params)}`);
  }
}

/** Population mean spend per transaction, pγ/(q-1) (needs q > 1). */
export function expectedSpend(params: GammaGammaParams): number {
  return conditionalExpectedSpend(params, 0, 0);
}

/**
 * E[Z | x, zbar]: expected mean spend per future transaction of a customer with x repeat transactions
 * of mean value zbar. With x = 0 it is the population mean. Throws when px + q <= 1 (no finite mean).
 */
export function conditionalExpectedSpend(params: GammaGammaParams, x: number, zbar: number): number {
  checkParams(params);
  if (!Number.isInteger(x) || x < 0) throw new RangeError(`x must be a non-negative integer, got ${x}`);
  if (!Number.isFinite(zbar)) throw new RangeError(`zbar must be finite, got ${zbar}`);
  const { p, q, gamma } = params;
  const denominator = p * x + q - 1;
  if (!(denominator > 0)) throw new RangeError(`expected spend is infinite when px + q <= 1 (p=${p}, q=${q}, x=${x})`);
  return (p * (gamma + x * zbar)) / denominator;
}

/**
 * Simulate mean spends from the Gamma-Gamma story for customers with the given repeat counts:
 * ν ~ Gamma(q, rate γ), then x values z ~ Gamma(p, rate ν); monetary = their mean (0 when x = 0).
 */
export function simulateGammaGamma(params: GammaGammaParams, repeatCounts: readonly number[], random: SeededRandom): FrequencyMonetary[] {
  checkParams(params);
  return repeatCounts.map((x) => {
    if (!Number.isInteger(x) || x < 0) throw new RangeError(`repeat count must be a non-negative integer, got ${x}`);
    if (x === 0) return { x, monetary: 0 };
    const nu = random.gamma(params.q, 1 / params.gamma);
    let sum = 0;
    for (let i = 0; i < x; i++) sum += random.gamma(params.p, 1 / nu);
    return { x, monetary: sum / x };
  });
}
