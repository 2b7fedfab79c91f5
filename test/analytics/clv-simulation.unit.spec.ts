/**
 * Parameter recovery and Monte Carlo checks of the model formulas on data simulated, with a fixed
 * seed, from the models' own generative stories.
 *
 * Tolerances. An MLE on N = 5,000 customers is approximately normal around the truth with the
 * covariance given by the inverse observed information; the fits report those standard errors (SE).
 * Each parameter must lie within 3 SE of the truth (a 99.7 % band per parameter), and the SEs must
 * be small (a bound per parameter, below) so that the band is not vacuous. The likelihood-ratio
 * statistic 2 (LL(fit) - LL(truth)) is asymptotically chi-square with 4 (BG/NBD) or 3 (Gamma-Gamma)
 * degrees of freedom: it must be below the 99.9 % quantile (18.47, 16.27), and >= 0 (the optimiser
 * found a point at least as good as the truth). Derived quantities the data pin down much better
 * than a, b or (q, γ) separately, E[X(52)] and the mean spend pγ/(q-1), must be within 3 %.
 * The seed is fixed, so the outcome is deterministic; the bands say why it is not luck.
 */
import {
  bgnbdLogLikelihood,
  conditionalExpectedTransactions,
  expectedTransactions,
  fitBgNbd,
  probabilityAlive,
  probabilityOfPurchases,
  simulateBgNbd,
  type BgNbdFit,
  type BgNbdParams,
  type SimulatedCustomer,
} from '../../src/analytics/clv/bgnbd';
import {
  expectedSpend,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  simulateGammaGamma,
  type GammaGammaFit,
  type GammaGammaParams,
} from '../../src/analytics/clv/gamma-gamma';
import { SeededRandom } from '../../src/analytics/clv/random';
import type { FrequencyMonetary, FrequencyRecency } from '../../src/analytics/clv/summary';

const TRUE_BGNBD: BgNbdParams = { r: 0.5, alpha: 6, a: 1.2, b: 3.5 };
const TRUE_GG: GammaGammaParams = { p: 6, q: 4, gamma: 15 };
const N = 5000;
const HOLDOUT = 39;

/** Cut a customer simulated over T + holdout at T: the calibration summary and the holdout count. */
function calibrationAndHoldout(c: SimulatedCustomer): FrequencyRecency & { holdout: number } {
  const T = c.T - HOLDOUT;
  const inCalibration = c.transactionTimes.filter((t) => t <= T);
  const x = inCalibration.length;
  return { x, t_x: x > 0 ? inCalibration[x - 1] : 0, T, holdout: c.transactionTimes.length - x };
}

const sumOf = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0);

describe('parameter recovery on simulated customers (N = 5,000, seed 20240501)', () => {
  let customers: (FrequencyRecency & { holdout: number })[];
  let spends: FrequencyMonetary[];
  let bgnbd: BgNbdFit;
  let gammaGamma: GammaGammaFit;

  beforeAll(() => {
    const random = new SeededRandom(20240501);
    // Calibration periods of 26 to 52 weeks (staggered acquisition), each followed by a 39-week holdout.
    const lengths = Array.from({ length: N }, () => 26 + 26 * random.uniform() + HOLDOUT);
    customers = simulateBgNbd(TRUE_BGNBD, lengths, random).map(calibrationAndHoldout);
    spends = simulateGammaGamma(
      TRUE_GG,
      customers.map((c) => c.x),
      random,
    );
    bgnbd = fitBgNbd(customers);
    gammaGamma = fitGammaGamma(spends);
  });

  it('simulates a realistic population (a third to two thirds repeat buyers)', () => {
    const repeaters = customers.filter((c) => c.x > 0).length;
    expect(repeaters).toBeGreaterThan(N / 3);
    expect(repeaters).toBeLessThan((2 * N) / 3);
    expect(spends.filter((s) => s.x > 0).every((s) => s.monetary > 0)).toBe(true);
  });

  it('recovers the BG/NBD parameters', () => {
    expect(bgnbd.converged).toBe(true);
    const maxRelativeSe: BgNbdParams = { r: 0.05, alpha: 0.08, a: 0.2, b: 0.25 };
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      const se = bgnbd.standardErrors[key];
      expect(se / TRUE_BGNBD[key]).toBeLessThan(maxRelativeSe[key]);
      expect(Math.abs(bgnbd.params[key] - TRUE_BGNBD[key])).toBeLessThan(3 * se);
    }
    const lrStatistic = 2 * (bgnbd.logLikelihood - bgnbdLogLikelihood(TRUE_BGNBD, customers));
    expect(lrStatistic).toBeGreaterThanOrEqual(0);
    expect(lrStatistic).toBeLessThan(18.47);
    const ex52 = expectedTransactions(bgnbd.params, 52) / expectedTransactions(TRUE_BGNBD, 52);
    expect(Math.abs(ex52 - 1)).toBeLessThan(0.03);
  });

  it('recovers the Gamma-Gamma parameters', () => {
    expect(gammaGamma.converged).toBe(true);
    expect(gammaGamma.customers).toBe(customers.filter((c) => c.x > 0).length);
    const maxRelativeSe: GammaGammaParams = { p: 0.12, q: 0.06, gamma: 0.2 };
    for (const key of ['p', 'q', 'gamma'] as const) {
      const se = gammaGamma.standardErrors[key];
      expect(se / TRUE_GG[key]).toBeLessThan(maxRelativeSe[key]);
      expect(Math.abs(gammaGamma.params[key] - TRUE_GG[key])).toBeLessThan(3 * se);
    }
    const lrStatistic = 2 * (gammaGamma.logLikelihood - gammaGammaLogLikelihood(TRUE_GG, spends));
    expect(lrStatistic).toBeGreaterThanOrEqual(0);
    expect(lrStatistic).toBeLessThan(16.27);
    expect(Math.abs(expectedSpend(gammaGamma.params) / expectedSpend(TRUE_GG) - 1)).toBeLessThan(0.03);
  });

  it('predicts the simulated holdout: Σ E[Y(39) | x, t_x, T] under the true parameters matches Σ actual', () => {
    // The holdout counts are independent across customers: the sum's SE is sqrt(Σ var), estimated
    // from the sample; 4 SE is a 99.99 % band.
    const predicted = sumOf(customers.map((c) => conditionalExpectedTransactions(TRUE_BGNBD, HOLDOUT, c.x, c.t_x, c.T)));
    const actual = customers.map((c) => c.holdout);
    const mean = sumOf(actual) / N;
    const se = Math.sqrt(N * (sumOf(actual.map((v) => (v - mean) ** 2)) / (N - 1)));
    expect(Math.abs(sumOf(actual) - predicted)).toBeLessThan(4 * se);
    // And per calibration frequency the fitted model tracks the truth (heavy buyers are where it matters).
    const heavy = customers.filter((c) => c.x >= 5);
    const fitted = sumOf(heavy.map((c) => conditionalExpectedTransactions(bgnbd.params, HOLDOUT, c.x, c.t_x, c.T)));
    const truth = sumOf(heavy.map((c) => conditionalExpectedTransactions(TRUE_BGNBD, HOLDOUT, c.x, c.t_x, c.T)));
    expect(Math.abs(fitted / truth - 1)).toBeLessThan(0.05);
  });
});

describe('model formulas against Monte Carlo (20,000 customers, fixed T = 39)', () => {
  const M = 20_000;
  const T = 39;
  let simulated: SimulatedCustomer[];

  beforeAll(() => {
    simulated = simulateBgNbd(TRUE_BGNBD, new Array<number>(M).fill(T), new SeededRandom(7));
  });

  // Binomial proportions: 4 SE bands (sqrt(p(1-p)/M)).
  const expectProportion = (observed: number, p: number): void => {
    expect(Math.abs(observed / M - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / M));
  };

  it('P(X(t) = n) matches the simulated frequency of n repeat purchases', () => {
    let total = 0;
    for (let n = 0; n <= 4; n++) {
      const p = probabilityOfPurchases(TRUE_BGNBD, T, n);
      total += p;
      expectProportion(simulated.filter((c) => c.x === n).length, p);
    }
    expect(total).toBeLessThan(1);
  });

  it('E[X(t)] matches the simulated mean number of repeat purchases', () => {
    const xs = simulated.map((c) => c.x);
    const mean = sumOf(xs) / M;
    const sd = Math.sqrt(sumOf(xs.map((v) => (v - mean) ** 2)) / (M - 1));
    expect(Math.abs(mean - expectedTransactions(TRUE_BGNBD, T))).toBeLessThan((4 * sd) / Math.sqrt(M));
  });

  it('P(alive | x, t_x, T) averages to the simulated share of active customers', () => {
    const meanAlive = sumOf(simulated.map((c) => probabilityAlive(TRUE_BGNBD, c.x, c.t_x, c.T))) / M;
    expectProportion(simulated.filter((c) => c.alive).length, meanAlive);
  });
});
