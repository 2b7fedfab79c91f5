/**
 * Sales forecast from a fitted CLV model (pure: the customers, the model and the days come in).
 *
 * Who: the model's cohort as of the forecast's as-of day, i.e. every customer whose first purchase
 * is on or before it; customers acquired later are not forecast (the model predicts what known
 * customers will still buy), and their purchases are left out of the comparable actuals too.
 *
 * How much, per period [start, end) of the window: for each customer with (x, t_x, T) as of the
 * as-of day, the expected transactions (purchase days) are E[Y(t_end)] - E[Y(t_start)] (BG/NBD,
 * conditional on the history), with t counted in the model's unit from the end of the as-of day;
 * the expected revenue is that times E[Z | x, zbar] (Gamma-Gamma). Periods wholly on or before the
 * as-of day have no forecast.
 *
 * Backtest: the periods wholly after the as-of day and wholly within the known actuals (up to the
 * last purchase day recorded) compare forecast and actual; MAPE over those with actual > 0.
 */
import { roundMoney } from '../../shared/money/money';
import { conditionalExpectedTransactions, type BgNbdParams } from '../clv/bgnbd';
import { conditionalExpectedSpend, type GammaGammaParams } from '../clv/gamma-gamma';
import { evaluated } from '../clv/model-check';
import { dayToIsoDate, UNIT_DAYS, type TimeUnit } from '../clv/summary';
import type { PurchaseDay } from '../customer-value.projection';
import type { DayPeriod } from './forecast-periods';

export interface ForecastCustomer {
  customerId: string;
  days: readonly PurchaseDay[];
  /** Shares of this customer's forecast per group (sum 1); empty: the customer is only in the totals. */
  groups: readonly { group: string; transactionShare: number; revenueShare: number }[];
}

export interface ForecastModel {
  bgnbd: BgNbdParams;
  gammaGamma: GammaGammaParams;
  unit: TimeUnit;
}

export interface Amounts {
  transactions: number;
  revenue: number;
}

export interface ForecastPeriod {
  period: string;
  from: string;
  to: string;
  /** null for a period wholly on or before the as-of day. */
  forecast: Amounts | null;
  /** The cohort's purchases; null beyond the known actuals. */
  actual: Amounts | null;
}

export interface ForecastGroup {
  group: string;
  periods: ForecastPeriod[];
  forecast: Amounts;
}

export interface Backtest {
  periods: number;
  forecast: Amounts;
  actual: Amounts;
  /** Mean absolute percentage error over the backtest periods with an actual > 0; null without such a period. */
  mapeTransactions: number | null;
  mapeRevenue: number | null;
}

export interface ForecastResult {
  cohortCustomers: number;
  /** Customers whose spend has no finite expectation under the fitted Gamma-Gamma (left out of revenue). */
  customersWithoutSpend: number;
  actualsKnownUntil: string | null;
  periods: ForecastPeriod[];
  groups: ForecastGroup[] | null;
  forecast: Amounts;
  backtest: Backtest | null;
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
/** Revenue to the currency's minor unit (KWD has three decimals, JPY none); transactions to three decimals. */
const amountsIn =
  (currency: string) =>
  (transactions: number, revenue: number): Amounts => ({ transactions: round(transactions, 3), revenue: roundMoney(revenue, currency) });

interface Accumulator {
  forecastTx: Float64Array;
  forecastRevenue: Float64Array;
  actualTx: Float64Array;
  actualRevenue: Float64Array;
}

const accumulator = (n: number): Accumulator => ({
  forecastTx: new Float64Array(n),
  forecastRevenue: new Float64Array(n),
  actualTx: new Float64Array(n),
  actualRevenue: new Float64Array(n),
});

// Long because it is one pass over the customers that fills per-period accumulators, then reads the
// totals and groups off them; the pass's closures share the period table and the model's unit.
export function salesForecast(
  model: ForecastModel,
  customers: Iterable<ForecastCustomer>,
  /** groupActuals: whether a group's actuals can be told from the purchase days (not for products: a day holds several). */
  options: { asOfDay: number; periods: readonly DayPeriod[]; actualsKnownUntil: number | null; groupActuals: boolean; currency: string },
): ForecastResult {
  const { asOfDay, periods, actualsKnownUntil } = options;
  const amounts = amountsIn(options.currency);
  const unitDays = UNIT_DAYS[model.unit];
  const n = periods.length;
  // E[Y(t)] at each period's start and end, t from the end of the as-of day (0 on or before it).
  const boundaries = [...periods.map((p) => p.start), periods.length ? periods[n - 1].end : 0].map((day) =>
    Math.max(0, (day - 1 - asOfDay) / unitDays),
  );
  const cumulativeByHistory = new Map<string, Float64Array>();
  const periodIndex = (day: number): number => {
    let lo = 0;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (day < periods[mid].start) hi = mid - 1;
      else if (day >= periods[mid].end) lo = mid + 1;
      else return mid;
    }
    return -1;
  };

  const total = accumulator(n);
  const byGroup = new Map<string, Accumulator>();
  let cohort = 0;
  let withoutSpend = 0;
  for (const customer of customers) {
    const days = customer.days;
    if (days.length === 0 || days[0][0] > asOfDay) continue;
    cohort++;
    let calibrationDays = 0;
    let repeatSpend = 0;
    let lastDay = days[0][0];
    for (let i = 0; i < days.length && days[i][0] <= asOfDay; i++) {
      calibrationDays++;
      if (i > 0) repeatSpend += days[i][1];
      lastDay = days[i][0];
    }
    const x = calibrationDays - 1;
    const t_x = (lastDay - days[0][0]) / unitDays;
    const T = (asOfDay - days[0][0]) / unitDays;
    const key = `${x}|${t_x}|${T}`;
    let cumulative = cumulativeByHistory.get(key);
    if (cumulative === undefined) {
      cumulative = Float64Array.from(boundaries, (t) =>
        t > 0 ? evaluated(() => conditionalExpectedTransactions(model.bgnbd, t, x, t_x, T)) : 0,
      );
      // A degenerate fit the series cannot evaluate for this history: no forecast for the customer.
      if (cumulative.some(Number.isNaN)) cumulative.fill(0);
      cumulativeByHistory.set(key, cumulative);
    }
    let spend = 0;
    try {
      spend = conditionalExpectedSpend(model.gammaGamma, x, x > 0 ? repeatSpend / x : 0);
    } catch {
      withoutSpend++;
    }
    const targets = customer.groups.map((g) => {
      let acc = byGroup.get(g.group);
      if (!acc) byGroup.set(g.group, (acc = accumulator(n)));
      return { acc, ...g };
    });
    for (let k = 0; k < n; k++) {
      const tx = cumulative[k + 1] - cumulative[k];
      total.forecastTx[k] += tx;
      total.forecastRevenue[k] += tx * spend;
      for (const g of targets) {
        g.acc.forecastTx[k] += tx * g.transactionShare;
        g.acc.forecastRevenue[k] += tx * spend * g.revenueShare;
      }
    }
    for (const [day, amount] of days) {
      const k = periodIndex(day);
      if (k < 0) continue;
      total.actualTx[k] += 1;
      total.actualRevenue[k] += amount;
      if (options.groupActuals)
        for (const g of targets) {
          g.acc.actualTx[k] += g.transactionShare;
          g.acc.actualRevenue[k] += amount * g.revenueShare;
        }
    }
  }

  const periodsOf = (acc: Accumulator, withActuals: boolean): ForecastPeriod[] =>
    periods.map((p, k) => ({
      period: p.label,
      from: dayToIsoDate(p.start),
      to: dayToIsoDate(p.end),
      forecast: p.end - 1 <= asOfDay ? null : amounts(acc.forecastTx[k], acc.forecastRevenue[k]),
      actual:
        withActuals && actualsKnownUntil !== null && p.start <= actualsKnownUntil ? amounts(acc.actualTx[k], acc.actualRevenue[k]) : null,
    }));
  const sum = (values: Float64Array): number => values.reduce((s, v) => s + v, 0);
  const totalPeriods = periodsOf(total, true);
  const groups =
    byGroup.size === 0
      ? null
      : [...byGroup.entries()]
          .map(([group, acc]) => ({
            group,
            periods: periodsOf(acc, options.groupActuals),
            forecast: amounts(sum(acc.forecastTx), sum(acc.forecastRevenue)),
          }))
          .sort((p, q) => q.forecast.revenue - p.forecast.revenue || (p.group < q.group ? -1 : 1));
  return {
    cohortCustomers: cohort,
    customersWithoutSpend: withoutSpend,
    actualsKnownUntil: actualsKnownUntil === null ? null : dayToIsoDate(actualsKnownUntil),
    periods: totalPeriods,
    groups,
    forecast: amounts(sum(total.forecastTx), sum(total.forecastRevenue)),
    backtest: backtest(periods, total, asOfDay, actualsKnownUntil, amounts),
  };
}

function backtest(
  periods: readonly DayPeriod[],
  total: Accumulator,
  asOfDay: number,
  knownUntil: number | null,
  amounts: ReturnType<typeof amountsIn>,
): Backtest | null {
  if (knownUntil === null) return null;
  const indexes = periods.flatMap((p, k) => (p.start > asOfDay && p.end - 1 <= knownUntil ? [k] : []));
  if (indexes.length === 0) return null;
  const mape = (forecast: Float64Array, actual: Float64Array): number | null => {
    const errors = indexes.filter((k) => actual[k] > 0).map((k) => Math.abs(forecast[k] - actual[k]) / actual[k]);
    return errors.length ? round((errors.reduce((s, e) => s + e, 0) / errors.length) * 100, 2) : null;
  };
  const pick = (values: Float64Array): number => indexes.reduce((s, k) => s + values[k], 0);
  return {
    periods: indexes.length,
    forecast: amounts(pick(total.forecastTx), pick(total.forecastRevenue)),
    actual: amounts(pick(total.actualTx), pick(total.actualRevenue)),
    mapeTransactions: mape(total.forecastTx, total.actualTx),
    mapeRevenue: mape(total.forecastRevenue, total.actualRevenue),
  };
}
