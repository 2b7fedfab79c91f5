import {
  bgnbdLogLikelihood,
  conditionalExpectedTransactions,
  expectedTransactions,
  fitBgNbd,
  probabilityAlive,
  probabilityOfPurchases,
  simulateBgNbd,
  type BgNbdParams,
} from '../../src/analytics/clv/bgnbd';
import {
  conditionalExpectedSpend,
  expectedSpend,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  simulateGammaGamma,
} from '../../src/analytics/clv/gamma-gamma';
import { SeededRandom } from '../../src/analytics/clv/random';
import { logBeta, logGamma } from '../../src/analytics/clv/special-functions';

const P: BgNbdParams = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };

describe('BG/NBD', () => {
  it('log-likelihood of one customer is the paper eq. 6 (computed here term by term)', () => {
    const { r, alpha, a, b } = P;
    const [x, tx, T] = [3, 20, 30];
    const nbd = (span: number): number => Math.exp(logGamma(r + x) - logGamma(r) + r * Math.log(alpha) - (r + x) * Math.log(alpha + span));
    const likelihood = Math.exp(logBeta(a, b + x) - logBeta(a, b)) * nbd(T) + Math.exp(logBeta(a + 1, b + x - 1) - logBeta(a, b)) * nbd(tx);
    expect(bgnbdLogLikelihood(P, [{ x, t_x: tx, T }])).toBeCloseTo(Math.log(likelihood), 12);
    const none = Math.exp(-r * Math.log(1 + T / alpha)); // x = 0: only the "still active" term, B(a,b)/B(a,b) = 1
    expect(bgnbdLogLikelihood(P, [{ x: 0, t_x: 0, T }])).toBeCloseTo(Math.log(none), 12);
  });

  it('log-likelihood is a sum over customers, independent of order and grouping', () => {
    const customers = [
      { x: 0, t_x: 0, T: 30 },
      { x: 2, t_x: 10, T: 30 },
      { x: 0, t_x: 0, T: 30 },
      { x: 5, t_x: 28.5, T: 35 },
    ];
    const separately = customers.reduce((s, c) => s + bgnbdLogLikelihood(P, [c]), 0);
    expect(bgnbdLogLikelihood(P, customers)).toBeCloseTo(separately, 10);
    expect(bgnbdLogLikelihood(P, [...customers].reverse())).toBeCloseTo(separately, 10);
    expect(bgnbdLogLikelihood({ ...P, a: -1 }, customers)).toBe(-Infinity);
  });

  it('rejects inconsistent summaries', () => {
    expect(() => bgnbdLogLikelihood(P, [{ x: 1.5, t_x: 1, T: 2 }])).toThrow(/x must be/);
    expect(() => bgnbdLogLikelihood(P, [{ x: 1, t_x: 3, T: 2 }])).toThrow(/t_x must be/);
    expect(() => bgnbdLogLikelihood(P, [{ x: 2, t_x: 0, T: 2 }])).toThrow(/t_x > 0/);
    expect(() => fitBgNbd([{ x: 0, t_x: 0, T: 2 }])).toThrow(/repeat buyer/);
    expect(() => expectedTransactions({ ...P, r: 0 }, 1)).toThrow(RangeError);
    expect(() => expectedTransactions(P, -1)).toThrow(RangeError);
  });

  it('E[X(t)] is 0 at t = 0, increasing, and continuous through the a = 1 singularity', () => {
    expect(expectedTransactions(P, 0)).toBe(0);
    expect(expectedTransactions(P, 10)).toBeLessThan(expectedTransactions(P, 20));
    const at = (a: number): number => expectedTransactions({ ...P, a }, 52);
    expect(at(1) / at(1 + 3e-6)).toBeCloseTo(1, 5);
    expect(at(1) / at(1 - 3e-6)).toBeCloseTo(1, 5);
  });

  it('handles heavy buyers without overflow', () => {
    const alive = probabilityAlive(P, 500, 51.9, 52);
    expect(alive).toBeGreaterThan(0.9);
    const expected = conditionalExpectedTransactions(P, 52, 500, 51.9, 52);
    expect(Number.isFinite(expected)).toBe(true);
    expect(expected).toBeGreaterThan(300); // about 500 / 52 per week for a year, less the dropout risk
    expect(probabilityAlive(P, 500, 1, 52)).toBeLessThan(1e-100);
  });

  it('P(X(t) = n) handles t = 0 and rejects non-integer n', () => {
    expect(probabilityOfPurchases(P, 0, 0)).toBe(1);
    expect(probabilityOfPurchases(P, 0, 2)).toBe(0);
    expect(() => probabilityOfPurchases(P, 1, 1.5)).toThrow(RangeError);
  });

  it('simulates deterministically from a seed', () => {
    const run = (): unknown => simulateBgNbd(P, [10, 20, 30], new SeededRandom(99));
    expect(run()).toEqual(run());
    for (const c of simulateBgNbd(P, [10, 20, 30], new SeededRandom(99))) {
      expect(c.x).toBe(c.transactionTimes.length);
      expect(c.t_x).toBeLessThanOrEqual(c.T);
    }
  });
});

describe('Gamma-Gamma', () => {
  const G = { p: 6, q: 4, gamma: 15 };

  it('log-likelihood of one customer is the marginal density of zbar (computed here term by term)', () => {
    const { p, q, gamma } = G;
    const [x, zbar] = [3, 25];
    const density = Math.exp(
      logGamma(p * x + q) -
        logGamma(p * x) -
        logGamma(q) +
        q * Math.log(gamma) +
        (p * x - 1) * Math.log(zbar) +
        p * x * Math.log(x) -
        (p * x + q) * Math.log(gamma + x * zbar),
    );
    expect(gammaGammaLogLikelihood(G, [{ x, monetary: zbar }])).toBeCloseTo(Math.log(density), 12);
    // One-time buyers carry no information.
    expect(
      gammaGammaLogLikelihood(G, [
        { x, monetary: zbar },
        { x: 0, monetary: 0 },
      ]),
    ).toBeCloseTo(Math.log(density), 12);
  });

  it('conditional expected spend is a weighted mean of the population mean and zbar', () => {
    const { p, q } = G;
    const x = 4;
    const weight = (p * x) / (p * x + q - 1);
    expect(conditionalExpectedSpend(G, x, 50)).toBeCloseTo((1 - weight) * expectedSpend(G) + weight * 50, 12);
    expect(expectedSpend(G)).toBeCloseTo(30, 12);
    expect(() => expectedSpend({ p: 1, q: 0.5, gamma: 1 })).toThrow(/infinite/);
  });

  it('fits only repeat buyers with positive spend and counts those left out', () => {
    const spends = simulateGammaGamma(
      G,
      Array.from({ length: 300 }, (_, i) => 1 + (i % 5)),
      new SeededRandom(5),
    );
    const fit = fitGammaGamma([...spends, { x: 2, monetary: 0 }, { x: 0, monetary: 0 }]);
    expect(fit.customers).toBe(300);
    expect(fit.excludedNonPositiveSpend).toBe(1);
    expect(fit.logLikelihood).toBeCloseTo(gammaGammaLogLikelihood(fit.params, spends), 8);
    expect(() => fitGammaGamma([{ x: 0, monetary: 0 }])).toThrow(/repeat buyer/);
  });
});
