/**
 * The models on the CDNOW sample (Fader, Hardie & Lee 2005): 2,357 customers, calibration up to
 * 1997-09-30 (39 weeks), holdout to 1998-06-30. Expected figures: samples/cdnow/PROVENANCE.txt.
 * The data folder `shared/` sits BESIDE the repository (here /work/shared, in CI a copy next to the
 * clone); when it is missing the suite fails with a message rather than skipping.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  bgnbdLogLikelihood,
  conditionalExpectedTransactions,
  expectedTransactions,
  fitBgNbd,
  probabilityAlive,
  probabilityOfPurchases,
  type BgNbdFit,
} from '../../src/analytics/clv/bgnbd';
import { customerLifetimeValue, lifetimeValues } from '../../src/analytics/clv/clv';
import { conditionalExpectedSpend, fitGammaGamma, gammaGammaLogLikelihood, type GammaGammaFit } from '../../src/analytics/clv/gamma-gamma';
import { dayNumber, summarizePurchases, type CustomerSummary, type Purchase } from '../../src/analytics/clv/summary';

const repoRoot = path.resolve(__dirname, '..', '..');
const dataDir = path.resolve(repoRoot, 'samples', 'cdnow');

function readDataFile(name: string): string {
  const file = path.join(dataDir, name);
  if (!existsSync(file)) {
    throw new Error(`CDNOW data file not found: ${file}. The sample data sets live in samples/ in the repository.`);
  }
  return readFileSync(file, 'utf8');
}

/** CDNOW_sample.txt: master id, sample id, YYYYMMDD, CDs, dollars; whitespace separated, CRLF. */
function readPurchases(): Purchase[] {
  return readDataFile('CDNOW_sample.txt')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, sampleId, date, , dollars] = line.trim().split(/\s+/);
      return {
        customerId: String(Number(sampleId)),
        occurredAt: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`,
        amount: Number(dollars),
      };
    });
}

/** cdnow_customers_summary_with_transactions.csv: ID,x,t_x,T,zbar (t_x, T, zbar rounded to 2 decimals). */
function readPublishedSummary(): Map<string, { x: number; t_x: number; T: number; zbar: number }> {
  const [header, ...rows] = readDataFile('cdnow_customers_summary_with_transactions.csv')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  expect(header).toBe('ID,x,t_x,T,zbar');
  return new Map(
    rows.map((row) => {
      const [id, x, t_x, T, zbar] = row.split(',');
      return [id, { x: Number(x), t_x: Number(t_x), T: Number(T), zbar: Number(zbar) }];
    }),
  );
}

// Published fits (BTYD 2.4.3 walkthrough for BG/NBD; FHL 2005 / CLVTools for Gamma-Gamma).
const PUBLISHED_BGNBD = { r: 0.2425982, alpha: 4.4136842, a: 0.7929899, b: 2.4261667 };
const PAPER_BGNBD = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('CDNOW sample (2,357 customers, 39-week calibration)', () => {
  let purchases: Purchase[];
  let summary: CustomerSummary[];
  let bgnbd: BgNbdFit;
  let gammaGamma: GammaGammaFit;

  beforeAll(() => {
    purchases = readPurchases();
    summary = summarizePurchases(purchases, { calibrationEnd: '1997-09-30', holdoutEnd: '1998-06-30', unit: 'week' });
    bgnbd = fitBgNbd(summary);
    gammaGamma = fitGammaGamma(summary);
  });

  describe('summary', () => {
    it('has the published totals', () => {
      expect(purchases).toHaveLength(6919);
      expect(summary).toHaveLength(2357);
      expect(summary.reduce((s, c) => s + c.x, 0)).toBe(2457);
      expect(summary.filter((c) => c.x === 0)).toHaveLength(1411);
      expect(summary.filter((c) => c.x > 0)).toHaveLength(946);
      const T = summary.map((c) => c.T);
      expect(Math.min(...T)).toBeCloseTo(27, 10);
      expect(Math.max(...T)).toBeCloseTo(272 / 7, 10);
    });

    it('equals the published per-customer summary for every customer (x exactly; t_x, T, zbar to their 2 decimals)', () => {
      const published = readPublishedSummary();
      expect(published.size).toBe(2357);
      const mismatches = summary.filter((c) => {
        const expected = published.get(c.customerId);
        if (!expected) return true;
        const close = (ours: number, theirs: number): boolean => Math.abs(ours - theirs) <= 0.005 + 1e-9;
        return c.x !== expected.x || !close(c.t_x, expected.t_x) || !close(c.T, expected.T) || !close(c.monetary, expected.zbar);
      });
      expect(mismatches).toEqual([]);
      // Two spot checks in full precision: customer 1 (x=2, t_x=30.43, T=38.86) and 1516 (x=26).
      const byId = new Map(summary.map((c) => [c.customerId, c]));
      expect(byId.get('1')).toMatchObject({ x: 2, t_x: 213 / 7, T: 272 / 7, firstPurchaseAt: '1997-01-01' });
      expect(byId.get('1516')).toMatchObject({ x: 26, t_x: 216 / 7, T: 31 });
    });

    it('has the published holdout and cumulative counts', () => {
      expect(summary.reduce((s, c) => s + (c.holdout?.transactions ?? 0), 0)).toBe(1882);
      expect(summary.filter((c) => c.x === 0).reduce((s, c) => s + (c.holdout?.transactions ?? 0), 0)).toBe(334);
      expect(summary[0].holdout?.duration).toBe(39);
      const repeatsBy = (week: number): number => {
        const end = dayNumber('1997-01-01') + 7 * week; // days with (day - Jan 1) < 7 w
        return summarizePurchases(
          purchases.filter((p) => dayNumber(p.occurredAt) < end),
          { calibrationEnd: '1998-06-30', unit: 'week' },
        ).reduce((s, c) => s + c.x, 0);
      };
      expect([20, 25, 39, 52, 78].map(repeatsBy)).toEqual([1359, 1672, 2457, 3183, 4339]);
    });

    it('has the published repeat-buyer spend statistics', () => {
      const zbar = summary.filter((c) => c.x > 0).map((c) => c.monetary);
      const mean = zbar.reduce((s, v) => s + v, 0) / zbar.length;
      const sd = Math.sqrt(zbar.reduce((s, v) => s + (v - mean) ** 2, 0) / (zbar.length - 1));
      expect(mean).toBeCloseTo(35.078, 3);
      expect(sd).toBeCloseTo(30.284, 3);
      expect(Math.min(...zbar)).toBeCloseTo(2.99, 10);
      expect(Math.max(...zbar)).toBeCloseTo(299.63, 2); // README rounds to cents; the mean of 21 daily totals is 299.6338
    });
  });

  describe('BG/NBD', () => {
    it('fits the published parameters and log-likelihood', () => {
      const { params } = bgnbd;
      expect(bgnbd.converged).toBe(true);
      expect(params.r).toBeCloseTo(PUBLISHED_BGNBD.r, 3);
      expect(params.alpha).toBeCloseTo(PUBLISHED_BGNBD.alpha, 2);
      expect(params.a).toBeCloseTo(PUBLISHED_BGNBD.a, 3);
      expect(params.b).toBeCloseTo(PUBLISHED_BGNBD.b, 2);
      expect(bgnbd.logLikelihood).toBeCloseTo(-9582.429, 2);
      // The published point is not better than ours: ours is the maximum (to optimiser precision).
      expect(bgnbdLogLikelihood(PUBLISHED_BGNBD, summary)).toBeLessThanOrEqual(bgnbd.logLikelihood + 1e-6);
      expect(bgnbdLogLikelihood(PUBLISHED_BGNBD, summary)).toBeCloseTo(-9582.429, 2);
    });

    it('is the same model in days: α scales by 7, the log-likelihood by the Jacobian Σx·ln 7', () => {
      const inDays = summarizePurchases(purchases, { calibrationEnd: '1997-09-30', unit: 'day' });
      const fit = fitBgNbd(inDays);
      expect(fit.params.alpha / 7).toBeCloseTo(bgnbd.params.alpha, 2);
      expect(fit.params.r).toBeCloseTo(bgnbd.params.r, 3);
      expect(fit.params.a).toBeCloseTo(bgnbd.params.a, 3);
      expect(fit.logLikelihood + 2457 * Math.log(7)).toBeCloseTo(bgnbd.logLikelihood, 3);
    });

    it('gives the published unconditional expectations E[X(t)]', () => {
      // Hardie's spreadsheet values (4 decimals), as asserted by the lifetimes tests.
      const published: [number, number][] = [
        [0.1429, 0.0078],
        [1, 0.0532],
        [3, 0.1506],
        [31.8571, 1.0405],
        [32, 1.0437],
        [78, 1.8576],
      ];
      for (const [t, expected] of published) expect(expectedTransactions(bgnbd.params, t)).toBeCloseTo(expected, 3);
      // BTYD walkthrough prints 1.444004; the exact value (mpmath, 30 digits) is 1.44400480103593.
      expect(expectedTransactions(PUBLISHED_BGNBD, 52)).toBeCloseTo(1.444004, 5);
      expect(expectedTransactions(PUBLISHED_BGNBD, 52)).toBeCloseTo(1.44400480103593, 10);
    });

    it('gives the published conditional expectations and P(alive)', () => {
      expect(conditionalExpectedTransactions(bgnbd.params, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
      // BTYD walkthrough, customer 1516 (x = 26, t_x = 30.85714, T = 31), with BTYD's parameters: BTYD prints
      // 25.75659; the exact value (mpmath, 30 digits) is 25.756536041055, which we match to 1e-9.
      const customer1516 = conditionalExpectedTransactions(PUBLISHED_BGNBD, 52, 26, 30.85714, 31);
      expect(customer1516).toBeCloseTo(25.75659, 3);
      expect(customer1516).toBeCloseTo(25.756536041055, 9);
      expect(probabilityAlive(PUBLISHED_BGNBD, 26, 30.85714, 31)).toBeCloseTo(0.9688523, 6);
      expect(probabilityAlive(bgnbd.params, 0, 0, 38)).toBe(1);
    });

    it('gives the published P(X(t) = n)', () => {
      expect(probabilityOfPurchases(PAPER_BGNBD, 2, 10) / 1.07869e-7).toBeCloseTo(1, 4);
      expect(probabilityOfPurchases(PAPER_BGNBD, 39, 0)).toBeCloseTo(0.5737864, 7);
      // A distribution: sums to 1 over n.
      let total = 0;
      for (let n = 0; n <= 400; n++) total += probabilityOfPurchases(PAPER_BGNBD, 39, n);
      expect(total).toBeCloseTo(1, 8);
    });

    it('reproduces the published holdout validation by calibration frequency', () => {
      const actual = [0.2367, 0.697, 1.3925, 1.56, 2.5323, 2.9474, 3.8621, 6.3594];
      const expected = [0.2251, 0.5231, 1.0441, 1.5203, 2.1638, 2.6538, 3.504, 6.157];
      const counts = [1411, 439, 214, 100, 62, 38, 29, 64];
      for (let group = 0; group < 8; group++) {
        const members = summary.filter((c) => (group === 7 ? c.x >= 7 : c.x === group));
        expect(members).toHaveLength(counts[group]);
        const mean = (f: (c: CustomerSummary) => number): number => members.reduce((s, c) => s + f(c), 0) / members.length;
        expect(mean((c) => c.holdout?.transactions ?? 0)).toBeCloseTo(actual[group], 4);
        expect(mean((c) => conditionalExpectedTransactions(PUBLISHED_BGNBD, 39, c.x, c.t_x, c.T))).toBeCloseTo(expected[group], 3);
      }
    });

    it('reproduces the published expected cumulative repeat transactions (weeks 20-25)', () => {
      const published = [1312.458, 1387.346, 1460.392, 1531.713, 1601.418, 1669.6];
      const jan1 = dayNumber('1997-01-01');
      published.forEach((value, i) => {
        const week = 20 + i;
        const total = summary.reduce((s, c) => {
          const birth = (dayNumber(c.firstPurchaseAt) - jan1) / 7;
          return week > birth ? s + expectedTransactions(PUBLISHED_BGNBD, week - birth) : s;
        }, 0);
        expect(total).toBeCloseTo(value, 1);
      });
    });
  });

  describe('Gamma-Gamma', () => {
    it('fits the published parameters and log-likelihood on the 946 repeat buyers', () => {
      expect(gammaGamma.customers).toBe(946);
      expect(gammaGamma.excludedNonPositiveSpend).toBe(0);
      expect(gammaGamma.converged).toBe(true);
      expect(gammaGamma.params.p).toBeCloseTo(6.25, 2);
      expect(gammaGamma.params.q).toBeCloseTo(3.74, 2);
      expect(gammaGamma.params.gamma).toBeCloseTo(15.44, 2);
      expect(gammaGamma.logLikelihood).toBeCloseTo(-4055.9177, 3);
      expect(gammaGammaLogLikelihood({ p: 6.25, q: 3.74, gamma: 15.44 }, summary)).toBeLessThanOrEqual(gammaGamma.logLikelihood);
    });

    it('gives the published conditional expected spend of the first 10 customers', () => {
      const expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];
      const published = readPublishedSummary();
      expected.forEach((value, i) => {
        const c = published.get(String(i + 1));
        if (!c) throw new Error(`customer ${i + 1} missing from the published summary`);
        // Within 0.015 like the lifetimes test (numpy decimal=2): zbar in the file is rounded to cents.
        expect(Math.abs(conditionalExpectedSpend(gammaGamma.params, c.x, c.zbar) - value)).toBeLessThan(0.015);
      });
    });
  });

  describe('CLV', () => {
    it('values every customer; undiscounted CLV = E[Y(H)] × E[Z]', () => {
      const values = lifetimeValues(bgnbd.params, gammaGamma.params, summary, { horizon: 52, discountRate: 0 });
      expect(values).toHaveLength(2357);
      const c1516 = values.find((v) => v.customerId === '1516');
      expect(c1516?.expectedTransactions).toBeCloseTo(conditionalExpectedTransactions(bgnbd.params, 52, 26, 216 / 7, 31), 10);
      for (const v of values) {
        expect(v.clv).toBeCloseTo(v.expectedTransactions * v.expectedSpend, 8);
        expect(v.clv).toBeGreaterThan(0);
      }
    });

    it('discounting lowers the value of a heavy buyer', () => {
      const heavy = summary.find((c) => c.customerId === '1516') as CustomerSummary;
      const flat = customerLifetimeValue(bgnbd.params, gammaGamma.params, heavy, { horizon: 52, discountRate: 0 });
      const discounted = customerLifetimeValue(bgnbd.params, gammaGamma.params, heavy, { horizon: 52, discountRate: 0.0015 });
      expect(discounted.clv).toBeLessThan(flat.clv);
      expect(discounted.clv).toBeGreaterThan(flat.clv / 1.0015 ** 52);
    });
  });
});
