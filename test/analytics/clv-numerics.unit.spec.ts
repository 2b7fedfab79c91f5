import { invertMatrix, nelderMead, numericalHessian, fitPositive } from '../../src/analytics/clv/optimize';
import { SeededRandom } from '../../src/analytics/clv/random';
import { hyp2f1, logBeta, logGamma } from '../../src/analytics/clv/special-functions';

describe('logGamma / logBeta', () => {
  it.each([
    [1, 0],
    [2, 0],
    [0.5, 0.5 * Math.log(Math.PI)],
    [10, Math.log(362880)],
    [100, 359.1342053695754],
    [1e-3, 6.907178885383853], // ln Γ(0.001) = ln(999.4237724845955)
    [0.2426, 1.3197854750907918], // Python math.lgamma
  ])('ln Γ(%p) = %p', (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, 11);
  });

  it('satisfies Γ(x+1) = x Γ(x) across the shift boundary', () => {
    for (const x of [0.3, 3.7, 13.9, 14.5, 15.2, 40.1]) {
      expect(logGamma(x + 1) - logGamma(x)).toBeCloseTo(Math.log(x), 12);
    }
  });

  it('rejects non-positive arguments', () => {
    expect(() => logGamma(0)).toThrow(RangeError);
    expect(() => logGamma(-1.5)).toThrow(RangeError);
    expect(() => logGamma(Number.NaN)).toThrow(RangeError);
  });

  it('ln B(a, b) matches B(2, 3) = 1/12', () => {
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 12);
  });
});

describe('hyp2f1', () => {
  const log1pOverZ = (z: number): number => -Math.log(1 - z) / z;

  it.each([0.1, 0.5, 0.9, 0.999, -0.3, -0.7, -3, -50])('2F1(1, 1; 2; %p) = -ln(1-z)/z', (z) => {
    expect(hyp2f1(1, 1, 2, z) / log1pOverZ(z)).toBeCloseTo(1, 12);
  });

  it('2F1(a, b; b; z) = (1-z)^-a, including heavy parameters', () => {
    for (const [a, b, z] of [
      [0.24, 2.4, 0.94],
      [30.2, 28.4, 0.3],
      [-0.2, 1.7, 0.8],
      [2.5, 0.5, -2],
    ]) {
      expect(hyp2f1(a, b, b, z) / Math.pow(1 - z, -a)).toBeCloseTo(1, 11);
    }
  });

  it('terminates for a non-positive integer a (a polynomial)', () => {
    const [b, c, z] = [1.3, 2.2, 0.7];
    expect(hyp2f1(-2, b, c, z)).toBeCloseTo(1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)), 14);
  });

  it('refuses z >= 1 and c a non-positive integer', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError);
  });
});

describe('SeededRandom', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const draw = (seed: number): number[] => {
      const rng = new SeededRandom(seed);
      return Array.from({ length: 5 }, () => rng.uniform());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    for (const u of draw(1)) expect(u >= 0 && u < 1).toBe(true);
  });

  // Sample moments of n = 200,000 draws: each mean within 5 standard errors (sd/sqrt(n)) of the
  // true mean, each variance within 5 % (the relative sd of a sample variance is about sqrt(2/n)
  // for light tails, a few times that for the skewed ones: 5 % is > 10 of those).
  const n = 200_000;
  const moments = (sample: () => number): { mean: number; variance: number } => {
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const v = sample();
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / n;
    return { mean, variance: sumSq / n - mean * mean };
  };
  const expectMoments = (sample: () => number, mean: number, variance: number): void => {
    const m = moments(sample);
    expect(Math.abs(m.mean - mean)).toBeLessThan(5 * Math.sqrt(variance / n));
    expect(Math.abs(m.variance / variance - 1)).toBeLessThan(0.05);
  };

  it('samples gamma (shape above and below 1, scale) with the right moments', () => {
    const rng = new SeededRandom(11);
    expectMoments(() => rng.gamma(3.5, 2), 7, 14);
    expectMoments(() => rng.gamma(0.25, 0.25), 0.0625, 0.015625);
  });

  it('samples beta, exponential and normal with the right moments', () => {
    const rng = new SeededRandom(12);
    const [a, b] = [0.8, 2.5];
    expectMoments(() => rng.beta(a, b), a / (a + b), (a * b) / ((a + b) ** 2 * (a + b + 1)));
    expectMoments(() => rng.exponential(4), 0.25, 0.0625);
    expectMoments(() => rng.normal(), 0, 1);
  });

  it('samples poisson with small and large means (both algorithms)', () => {
    const rng = new SeededRandom(13);
    expectMoments(() => rng.poisson(3), 3, 3);
    expectMoments(() => rng.poisson(55.5), 55.5, 55.5);
    expect(rng.poisson(0)).toBe(0);
    for (let i = 0; i < 1000; i++) expect(Number.isInteger(rng.poisson(20))).toBe(true);
  });

  it('rejects invalid parameters', () => {
    const rng = new SeededRandom(1);
    expect(() => new SeededRandom(1.5)).toThrow(RangeError);
    expect(() => rng.gamma(0, 1)).toThrow(RangeError);
    expect(() => rng.exponential(-1)).toThrow(RangeError);
    expect(() => rng.poisson(-1)).toThrow(RangeError);
  });
});

describe('nelderMead', () => {
  const rosenbrock = (x: Float64Array): number => 100 * (x[1] - x[0] * x[0]) ** 2 + (1 - x[0]) ** 2;

  it('finds the Rosenbrock minimum from the classic start', () => {
    const result = nelderMead(rosenbrock, [-1.2, 1], { xTolerance: 1e-10, fTolerance: 1e-14 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
    expect(result.value).toBeLessThan(1e-12);
  });

  it('is deterministic', () => {
    expect(nelderMead(rosenbrock, [-1.2, 1])).toEqual(nelderMead(rosenbrock, [-1.2, 1]));
  });

  it('moves away from non-finite values', () => {
    // Undefined (NaN) for x < 0: the minimum at x = 2 is still found from x = 0.1.
    const f = (x: Float64Array): number => (x[0] < 0 ? Number.NaN : (Math.sqrt(x[0]) - Math.SQRT2) ** 2);
    expect(nelderMead(f, [0.1], { initialStep: 1 }).x[0]).toBeCloseTo(2, 6);
  });

  it('stops at maxIterations and says it did not converge', () => {
    const result = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 5, restarts: 0 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(5);
  });
});

describe('numericalHessian / invertMatrix / fitPositive', () => {
  it('recovers the Hessian of a quadratic and inverts it', () => {
    const f = (x: Float64Array): number => 2 * x[0] * x[0] + 3 * x[0] * x[1] + 5 * x[1] * x[1];
    const hessian = numericalHessian(f, [0.3, -0.2]);
    expect(hessian[0][0]).toBeCloseTo(4, 5);
    expect(hessian[0][1]).toBeCloseTo(3, 5);
    expect(hessian[1][1]).toBeCloseTo(10, 5);
    const inverse = invertMatrix([
      [4, 3],
      [3, 10],
    ]) as number[][];
    expect(inverse[0][0]).toBeCloseTo(10 / 31, 12);
    expect(inverse[0][1]).toBeCloseTo(-3 / 31, 12);
    expect(
      invertMatrix([
        [1, 2],
        [2, 4],
      ]),
    ).toBeNull();
  });

  it('fits positive parameters: the exponential rate MLE is 1/mean, se = rate/sqrt(n)', () => {
    const data = [0.5, 1.5, 2, 0.25, 0.75];
    const mean = data.reduce((s, v) => s + v, 0) / data.length;
    const negLogLik = (p: Float64Array): number => -(data.length * Math.log(p[0]) - p[0] * mean * data.length);
    const fit = fitPositive(negLogLik, [10]);
    expect(fit.params[0]).toBeCloseTo(1 / mean, 6);
    expect(fit.standardErrors[0]).toBeCloseTo(1 / mean / Math.sqrt(data.length), 4);
  });
});
