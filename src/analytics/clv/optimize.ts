/**
 * Derivative-free minimisation (Nelder-Mead) and the numerical Hessian used for standard errors.
 *
 * The model fits minimise the negative log-likelihood over the LOGARITHMS of the parameters, so every
 * point the simplex visits maps to positive parameters; `fitPositive` does that mapping.
 * Everything here is deterministic: no randomness, fixed initial simplex.
 */

export type Objective = (x: Float64Array) => number;

export interface NelderMeadOptions {
  /** Initial simplex edge along each axis (one number for all axes, or one per axis). Default 0.5. */
  initialStep?: number | readonly number[];
  /** Iterations per run (a restart starts a new run). Default 2,000. */
  maxIterations?: number;
  /** Converged when every vertex is within this distance (max norm) of the best vertex, default 1e-8, */
  xTolerance?: number;
  /** and every vertex value within this of the best value, default 1e-10. */
  fTolerance?: number;
  /**
   * Extra runs restarted from the best point with a fresh simplex, which unsticks a simplex that
   * collapsed before reaching the minimum. Restarts stop early once a run improves the value by no
   * more than fTolerance. Default 3.
   */
  restarts?: number;
}

export interface MinimizeResult {
  x: number[];
  value: number;
  iterations: number;
  evaluations: number;
  /** The last run met both tolerances (rather than stopping at maxIterations). */
  converged: boolean;
  runs: number;
}

// Standard coefficients: reflection, expansion, contraction, shrink.
const REFLECT = 1;
const EXPAND = 2;
const CONTRACT = 0.5;
const SHRINK = 0.5;

/** Minimise `f` from `x0`. Non-finite values are treated as +Infinity, so the simplex moves away from them. */
export function nelderMead(f: Objective, x0: readonly number[], options: NelderMeadOptions = {}): MinimizeResult {
  const n = x0.length;
  if (n === 0) throw new RangeError('nelderMead needs at least one dimension');
  if (!x0.every(Number.isFinite)) throw new RangeError(`nelderMead start point must be finite, got [${x0.join(', ')}]`);
  const steps =
    typeof options.initialStep === 'number' || options.initialStep === undefined
      ? new Array<number>(n).fill(options.initialStep ?? 0.5)
      : [...options.initialStep];
  if (steps.length !== n || !steps.every((s) => Number.isFinite(s) && s !== 0)) {
    throw new RangeError('initialStep must be non-zero and have one entry per dimension');
  }
  const maxIterations = options.maxIterations ?? 2000;
  const xTolerance = options.xTolerance ?? 1e-8;
  const fTolerance = options.fTolerance ?? 1e-10;
  const restarts = options.restarts ?? 3;

  let evaluations = 0;
  const evaluate = (x: Float64Array): number => {
    evaluations++;
    const value = f(x);
    return Number.isFinite(value) ? value : Infinity;
  };

  let best: Float64Array = Float64Array.from(x0);
  let bestValue = evaluate(best);
  let iterations = 0;
  let converged = false;
  let runs = 0;
  for (let run = 0; run <= restarts; run++) {
    runs++;
    const before = bestValue;
    const outcome = runSimplex(evaluate, best, bestValue, steps, maxIterations, xTolerance, fTolerance);
    iterations += outcome.iterations;
    converged = outcome.converged;
    best = outcome.x;
    bestValue = outcome.value;
    if (run > 0 && converged && before - bestValue <= fTolerance) break;
  }
  return { x: [...best], value: bestValue, iterations, evaluations, converged, runs };
}

// Long because it is one Nelder-Mead iteration loop (reflect, expand, contract, shrink) over a simplex
// held in local arrays; split up, every step would take and return the whole simplex.
function runSimplex(
  evaluate: (x: Float64Array) => number,
  start: Float64Array,
  startValue: number,
  steps: readonly number[],
  maxIterations: number,
  xTolerance: number,
  fTolerance: number,
): { x: Float64Array; value: number; iterations: number; converged: boolean } {
  const n = start.length;
  const points: Float64Array[] = [Float64Array.from(start)];
  const values: number[] = [startValue];
  for (let i = 0; i < n; i++) {
    const p = Float64Array.from(start);
    p[i] += steps[i];
    points.push(p);
    values.push(evaluate(p));
  }
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  const centroid = new Float64Array(n);
  const reflected = new Float64Array(n);
  const trial = new Float64Array(n);

  const sortSimplex = (): void => {
    // Ties keep the lower index first: deterministic.
    order.sort((i, j) => values[i] - values[j] || i - j);
  };
  const replaceWorst = (from: Float64Array, value: number): void => {
    const worst = order[n];
    points[worst].set(from);
    values[worst] = value;
  };

  let iterations = 0;
  sortSimplex();
  while (iterations < maxIterations) {
    const bestIndex = order[0];
    let spreadX = 0;
    let spreadF = 0;
    for (let k = 1; k <= n; k++) {
      const idx = order[k];
      spreadF = Math.max(spreadF, Math.abs(values[idx] - values[bestIndex]));
      for (let d = 0; d < n; d++) spreadX = Math.max(spreadX, Math.abs(points[idx][d] - points[bestIndex][d]));
    }
    if (spreadX <= xTolerance && spreadF <= fTolerance) {
      return { x: Float64Array.from(points[bestIndex]), value: values[bestIndex], iterations, converged: true };
    }
    iterations++;

    centroid.fill(0);
    for (let k = 0; k < n; k++) {
      const p = points[order[k]];
      for (let d = 0; d < n; d++) centroid[d] += p[d] / n;
    }
    const worstPoint = points[order[n]];
    const worstValue = values[order[n]];
    const secondWorstValue = values[order[n - 1]];
    const bestValue = values[bestIndex];

    for (let d = 0; d < n; d++) reflected[d] = centroid[d] + REFLECT * (centroid[d] - worstPoint[d]);
    const reflectedValue = evaluate(reflected);

    if (reflectedValue < bestValue) {
      for (let d = 0; d < n; d++) trial[d] = centroid[d] + EXPAND * (reflected[d] - centroid[d]);
      const expandedValue = evaluate(trial);
      if (expandedValue < reflectedValue) replaceWorst(trial, expandedValue);
      else replaceWorst(reflected, reflectedValue);
    } else if (reflectedValue < secondWorstValue) {
      replaceWorst(reflected, reflectedValue);
    } else {
      const outside = reflectedValue < worstValue;
      for (let d = 0; d < n; d++) {
        trial[d] = outside ? centroid[d] + CONTRACT * (reflected[d] - centroid[d]) : centroid[d] + CONTRACT * (worstPoint[d] - centroid[d]);
      }
      const contractedValue = evaluate(trial);
      if (outside ? contractedValue <= reflectedValue : contractedValue < worstValue) {
        replaceWorst(trial, contractedValue);
      } else {
        const anchor = points[bestIndex];
        for (let k = 1; k <= n; k++) {
          const p = points[order[k]];
          for (let d = 0; d < n; d++) p[d] = anchor[d] + SHRINK * (p[d] - anchor[d]);
          values[order[k]] = evaluate(p);
        }
      }
    }
    sortSimplex();
  }
  const bestIndex = order[0];
  return { x: Float64Array.from(points[bestIndex]), value: values[bestIndex], iterations, converged: false };
}

/**
 * Hessian of `f` at `x` by central differences with step `h` on every axis (the fits use log
 * parameters, where a fixed step is a fixed relative change).
 */
export function numericalHessian(f: Objective, x: readonly number[], h = 1e-4): number[][] {
  const n = x.length;
  const point = Float64Array.from(x);
  const at = (shifts: ReadonlyArray<[number, number]>): number => {
    point.set(x);
    for (const [index, delta] of shifts) point[index] += delta;
    return f(point);
  };
  const center = at([]);
  const hessian = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    hessian[i][i] = (at([[i, h]]) - 2 * center + at([[i, -h]])) / (h * h);
    for (let j = 0; j < i; j++) {
      const value =
        (at([
          [i, h],
          [j, h],
        ]) -
          at([
            [i, h],
            [j, -h],
          ]) -
          at([
            [i, -h],
            [j, h],
          ]) +
          at([
            [i, -h],
            [j, -h],
          ])) /
        (4 * h * h);
      hessian[i][j] = value;
      hessian[j][i] = value;
    }
  }
  return hessian;
}

/** Inverse of a square matrix by Gauss-Jordan elimination with partial pivoting; null when singular. */
export function invertMatrix(matrix: readonly (readonly number[])[]): number[][] | null {
  const n = matrix.length;
  const a = matrix.map((row, i) => {
    if (row.length !== n) throw new RangeError('invertMatrix needs a square matrix');
    return [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))];
  });
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (!(Math.abs(a[pivot][col]) > 1e-300)) return null;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const scale = a[col][col];
    for (let k = 0; k < 2 * n; k++) a[col][k] /= scale;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = a[r][col];
      if (factor === 0) continue;
      for (let k = 0; k < 2 * n; k++) a[r][k] -= factor * a[col][k];
    }
  }
  return a.map((row) => row.slice(n));
}

export interface PositiveFit {
  /** The minimising parameters (all positive). */
  params: number[];
  /** Objective value at the minimum. */
  value: number;
  /**
   * Asymptotic standard errors of the parameters, when the objective is a negative log-likelihood:
   * inverse numerical Hessian in log space, mapped back by the delta method (se(θ) = θ × se(ln θ)).
   * NaN when the Hessian is not positive definite there.
   */
  standardErrors: number[];
  iterations: number;
  evaluations: number;
  converged: boolean;
}

/**
 * Minimise `objective(params)` over positive parameters: Nelder-Mead on ln(params), then the
 * numerical Hessian at the minimum for standard errors.
 */
export function fitPositive(
  objective: (params: Float64Array) => number,
  initial: readonly number[],
  options: NelderMeadOptions = {},
): PositiveFit {
  if (!initial.every((v) => v > 0 && Number.isFinite(v))) {
    throw new RangeError(`initial parameters must be positive, got [${initial.join(', ')}]`);
  }
  const natural = new Float64Array(initial.length);
  const inLogSpace: Objective = (logParams) => {
    for (let i = 0; i < logParams.length; i++) natural[i] = Math.exp(logParams[i]);
    return objective(natural);
  };
  const result = nelderMead(inLogSpace, initial.map(Math.log), options);
  const params = result.x.map(Math.exp);
  const covariance = invertMatrix(numericalHessian(inLogSpace, result.x));
  const standardErrors = params.map((p, i) => {
    const variance = covariance ? covariance[i][i] : NaN;
    return variance > 0 ? p * Math.sqrt(variance) : NaN;
  });
  return {
    params,
    value: result.value,
    standardErrors,
    iterations: result.iterations,
    evaluations: result.evaluations,
    converged: result.converged,
  };
}
