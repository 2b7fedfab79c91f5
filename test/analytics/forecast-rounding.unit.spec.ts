import { dayNumber } from '../../src/analytics/clv/summary';
import { salesForecast, type ForecastCustomer } from '../../src/analytics/forecast/forecast';
import { periodsOf } from '../../src/analytics/forecast/forecast-periods';

/**
 * A forecast's revenue is given to the minor unit of its currency: three decimals for KWD, none
 * for JPY. The same customers and model forecast in each currency; only the rounding differs.
 */
describe('sales forecast amounts are rounded to the currency minor unit', () => {
  const model = {
    bgnbd: { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259 },
    gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 },
    unit: 'week' as const,
  };
  const asOf = '2026-03-31T00:00:00.000Z';
  const customers: ForecastCustomer[] = [
    {
      customerId: 'a',
      days: [
        [dayNumber('2026-01-05T00:00:00Z'), 12.345],
        [dayNumber('2026-02-10T00:00:00Z'), 7.777],
        [dayNumber('2026-03-20T00:00:00Z'), 9.101],
      ],
      groups: [],
    },
    { customerId: 'b', days: [[dayNumber('2026-02-01T00:00:00Z'), 30.5]], groups: [] },
  ];
  const forecastIn = (currency: string) =>
    salesForecast(model, customers, {
      asOfDay: dayNumber(asOf),
      periods: periodsOf('2026-04-01', '2026-06-30', 'month'),
      actualsKnownUntil: null,
      groupActuals: true,
      currency,
    }).forecast.revenue;
  const decimals = (value: number): number => (String(value).split('.')[1] ?? '').length;

  it('KWD keeps three decimals, USD two, JPY none, from the same unrounded figure', () => {
    const [kwd, usd, jpy] = [forecastIn('KWD'), forecastIn('USD'), forecastIn('JPY')];
    expect(kwd).toBeGreaterThan(0);
    // This figure has a third decimal: two-decimal rounding (the old behaviour) would drop it.
    expect(decimals(kwd)).toBe(3);
    expect(decimals(usd)).toBeLessThanOrEqual(2);
    expect(decimals(jpy)).toBe(0);
    // One figure, three roundings: each within half its minor unit of the KWD one (the finest).
    expect(Math.abs(usd - kwd)).toBeLessThanOrEqual(0.005 + 0.0005);
    expect(Math.abs(jpy - kwd)).toBeLessThanOrEqual(0.5 + 0.0005);
  });
});
