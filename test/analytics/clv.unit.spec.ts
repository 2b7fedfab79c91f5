import { conditionalExpectedTransactions, probabilityAlive, type BgNbdParams } from '../../src/analytics/clv/bgnbd';
import { customerLifetimeValue, lifetimeValues } from '../../src/analytics/clv/clv';
import { conditionalExpectedSpend, expectedSpend, type GammaGammaParams } from '../../src/analytics/clv/gamma-gamma';

const BG: BgNbdParams = { r: 0.2426, alpha: 4.4137, a: 0.793, b: 2.4262 };
const GG: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };
const buyer = { x: 4, t_x: 30, T: 38, monetary: 42 };

describe('customerLifetimeValue', () => {
  it('is Σ_k (E[Y(k)] - E[Y(k-1)]) × E[Z | x, zbar] × margin / (1 + d)^k', () => {
    const e = [0, 1, 2, 3].map((k) => conditionalExpectedTransactions(BG, k, buyer.x, buyer.t_x, buyer.T));
    const spend = conditionalExpectedSpend(GG, buyer.x, buyer.monetary);
    const expected = ((e[1] - e[0]) / 1.1 + (e[2] - e[1]) / 1.1 ** 2 + (e[3] - e[2]) / 1.1 ** 3) * spend * 0.3;
    const result = customerLifetimeValue(BG, GG, buyer, { horizon: 3, discountRate: 0.1, marginShare: 0.3 });
    expect(result.clv).toBeCloseTo(expected, 12);
    expect(result.expectedTransactions).toBeCloseTo(e[3], 14);
    expect(result.expectedSpend).toBeCloseTo(spend, 14);
    expect(result.probabilityAlive).toBeCloseTo(probabilityAlive(BG, buyer.x, buyer.t_x, buyer.T), 14);
  });

  it('without discounting is E[Y(H)] × E[Z] × margin', () => {
    const result = customerLifetimeValue(BG, GG, buyer, { horizon: 52, discountRate: 0, marginShare: 0.5 });
    expect(result.discountedTransactions).toBeCloseTo(result.expectedTransactions, 12);
    expect(result.clv).toBeCloseTo(result.expectedTransactions * result.expectedSpend * 0.5, 10);
  });

  it('grows with the horizon and shrinks with the discount rate; margin defaults to 1', () => {
    const value = (horizon: number, discountRate: number): number => customerLifetimeValue(BG, GG, buyer, { horizon, discountRate }).clv;
    expect(value(26, 0.002)).toBeLessThan(value(52, 0.002));
    expect(value(52, 0.01)).toBeLessThan(value(52, 0.002));
    expect(value(52, 0)).toBeCloseTo(customerLifetimeValue(BG, GG, buyer, { horizon: 52, discountRate: 0, marginShare: 1 }).clv, 12);
  });

  it('values a one-time buyer (x = 0) at the population mean spend', () => {
    const result = customerLifetimeValue(BG, GG, { x: 0, t_x: 0, T: 30, monetary: 0 }, { horizon: 52, discountRate: 0 });
    expect(result.expectedSpend).toBeCloseTo(expectedSpend(GG), 12);
    expect(result.probabilityAlive).toBe(1);
    expect(result.clv).toBeGreaterThan(0);
  });

  it('values a lapsed heavy buyer below an active one with the same history length', () => {
    const active = customerLifetimeValue(BG, GG, { x: 10, t_x: 37, T: 38, monetary: 40 }, { horizon: 52, discountRate: 0 });
    const lapsed = customerLifetimeValue(BG, GG, { x: 10, t_x: 10, T: 38, monetary: 40 }, { horizon: 52, discountRate: 0 });
    expect(lapsed.probabilityAlive).toBeLessThan(active.probabilityAlive);
    expect(lapsed.clv).toBeLessThan(active.clv);
  });

  it('rejects invalid options', () => {
    expect(() => customerLifetimeValue(BG, GG, buyer, { horizon: 0, discountRate: 0 })).toThrow(/horizon/);
    expect(() => customerLifetimeValue(BG, GG, buyer, { horizon: 2.5, discountRate: 0 })).toThrow(/horizon/);
    expect(() => customerLifetimeValue(BG, GG, buyer, { horizon: 10, discountRate: -0.1 })).toThrow(/discountRate/);
    expect(() => customerLifetimeValue(BG, GG, buyer, { horizon: 10, discountRate: 0, marginShare: 1.5 })).toThrow(/marginShare/);
  });
});

describe('lifetimeValues', () => {
  it('values every customer in input order, with its id', () => {
    const customers = [
      { customerId: 'b', ...buyer },
      { customerId: 'a', x: 0, t_x: 0, T: 10, monetary: 0 },
    ];
    const values = lifetimeValues(BG, GG, customers, { horizon: 12, discountRate: 0.001 });
    expect(values.map((v) => v.customerId)).toEqual(['b', 'a']);
    expect(values[0].clv).toBeCloseTo(customerLifetimeValue(BG, GG, buyer, { horizon: 12, discountRate: 0.001 }).clv, 12);
  });
});
