/**
 * Discounted customer lifetime value from BG/NBD (how many transactions) and Gamma-Gamma (how much
 * per transaction), over a finite horizon in the unit of the calibration summary (days or weeks).
 *
 * With E[Y(k)] = E[Y(k) | x, t_x, T] the expected transactions in the first k periods after the
 * calibration end, and E[Z] = E[Z | x, zbar] the expected spend per transaction:
 *
 *   CLV = Σ_{k=1..H}  (E[Y(k)] - E[Y(k-1)]) · E[Z] · m / (1 + d)^k
 *
 * H = horizon in periods, d = discount rate PER PERIOD (e.g. a 10 % yearly rate in weeks is
 * 1.10^(1/52) - 1), m = margin share of revenue (1: CLV in revenue). Transactions expected in period
 * k are discounted as if they happened at the end of that period. Spend and purchasing are assumed
 * independent (the Gamma-Gamma assumption), so the expected value per period is the product.
 */
import { conditionalExpectedTransactions, probabilityAlive, type BgNbdParams } from './bgnbd';
import { conditionalExpectedSpend, type GammaGammaParams } from './gamma-gamma';
import type { FrequencyMonetary, FrequencyRecency } from './summary';

export interface ClvOptions {
  /** Number of periods (integer >= 1), in the unit the models were fitted in. */
  horizon: number;
  /** Discount rate per period, >= 0. */
  discountRate: number;
  /** Share of revenue kept as margin, in [0, 1]. Default 1. */
  marginShare?: number;
}

export interface ClvBreakdown {
  /** P(alive) at the calibration end. */
  probabilityAlive: number;
  /** Expected transactions over the horizon, undiscounted: E[Y(H)]. */
  expectedTransactions: number;
  /** Σ (E[Y(k)] - E[Y(k-1)]) / (1+d)^k. */
  discountedTransactions: number;
  /** Expected spend per transaction, E[Z | x, zbar]. */
  expectedSpend: number;
  /** discountedTransactions × expectedSpend × marginShare. */
  clv: number;
}

function checkOptions(options: ClvOptions): Required<ClvOptions> {
  const { horizon, discountRate } = options;
  const marginShare = options.marginShare ?? 1;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be an integer >= 1, got ${horizon}`);
  if (!(discountRate >= 0) || !Number.isFinite(discountRate))
    throw new RangeError(`discountRate must be finite and >= 0, got ${discountRate}`);
  if (!(marginShare >= 0 && marginShare <= 1)) throw new RangeError(`marginShare must be in [0, 1], got ${marginShare}`);
  return { horizon, discountRate, marginShare };
}

/** Discounted CLV of one customer from their calibration summary. */
export function customerLifetimeValue(
  bgnbd: BgNbdParams,
  gammaGamma: GammaGammaParams,
  customer: FrequencyRecency & FrequencyMonetary,
  options: ClvOptions,
): ClvBreakdown {
  const { horizon, discountRate, marginShare } = checkOptions(options);
  const { x, t_x, T, monetary } = customer;
  const spend = conditionalExpectedSpend(gammaGamma, x, x > 0 ? monetary : 0);
  let previous = 0;
  let discounted = 0;
  let factor = 1;
  for (let k = 1; k <= horizon; k++) {
    factor /= 1 + discountRate;
    const cumulative = conditionalExpectedTransactions(bgnbd, k, x, t_x, T);
    discounted += (cumulative - previous) * factor;
    previous = cumulative;
  }
  return {
    probabilityAlive: probabilityAlive(bgnbd, x, t_x, T),
    expectedTransactions: previous,
    discountedTransactions: discounted,
    expectedSpend: spend,
    clv: discounted * spend * marginShare,
  };
}

/** Discounted CLV of every customer, in input order. */
export function lifetimeValues<C extends FrequencyRecency & FrequencyMonetary & { customerId: string }>(
  bgnbd: BgNbdParams,
  gammaGamma: GammaGammaParams,
  customers: readonly C[],
  options: ClvOptions,
): (ClvBreakdown & { customerId: string })[] {
  checkOptions(options);
  return customers.map((c) => ({ customerId: c.customerId, ...customerLifetimeValue(bgnbd, gammaGamma, c, options) }));
}
