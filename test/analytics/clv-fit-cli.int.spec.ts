import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simulateBgNbd } from '../../src/analytics/clv/bgnbd';
import { SeededRandom } from '../../src/analytics/clv/random';
import { parseClvFitArgs, runClvFit, UsageError } from '../../src/cli/clv-fit';
import { loadConfig } from '../../src/config/config';
import { ManualClock } from '../../src/shared/clock';
import { startTestApp } from '../support/test-app';
import { testStoreEnv } from '../support/test-stores';

process.env.RELATA_SEGMENTATION_SCHEDULER = 'off';

interface Bought {
  customer: string;
  occurredAt: string;
  amount: number;
}

/** Purchases of n customers from October 2025 on, simulated from a seed (one a day at most, whole euros). */
function simulatedPurchases(n: number, seed: number): Bought[] {
  const random = new SeededRandom(seed);
  const firstDays = Array.from({ length: n }, (_, i) => (i * 5) % 28);
  const simulated = simulateBgNbd(
    { r: 1.2, alpha: 4, a: 0.8, b: 2.5 },
    firstDays.map((day) => (150 - day) / 7),
    random,
  );
  const purchases: Bought[] = [];
  simulated.forEach((customer, i) => {
    const level = 10 + random.gamma(3, 10);
    for (const weeks of [0, ...customer.transactionTimes]) {
      const day = firstDays[i] + Math.floor(weeks * 7);
      purchases.push({
        customer: `C${i}`,
        occurredAt: new Date(Date.parse('2025-10-01T10:00:00.000Z') + day * 86_400_000).toISOString(),
        amount: Math.round(level * (0.7 + 0.6 * random.uniform())),
      });
    }
  });
  return purchases;
}

function groupBy(purchases: Bought[]): Map<string, Bought[]> {
  const byCustomer = new Map<string, Bought[]>();
  for (const purchase of purchases) byCustomer.set(purchase.customer, [...(byCustomer.get(purchase.customer) ?? []), purchase]);
  return byCustomer;
}

describe('npm run clv:fit arguments', () => {
  it('reads --until, --unit, --json and --dry-run (also as --name=value)', () => {
    expect(parseClvFitArgs(['--until', '2026-02-28', '--unit', 'day', '--json'])).toEqual({
      until: '2026-02-28',
      unit: 'day',
      json: true,
      dryRun: false,
    });
    expect(parseClvFitArgs(['--until=2026-02-28', '--dry-run'])).toEqual({ until: '2026-02-28', unit: 'week', json: false, dryRun: true });
    expect(parseClvFitArgs(['--help'])).toBe('help');
    expect(parseClvFitArgs(['--until', '2026-01-31', '--holdout-end=2026-02-28'])).toEqual({
      until: '2026-01-31',
      holdoutEnd: '2026-02-28',
      unit: 'week',
      json: false,
      dryRun: false,
    });
    expect(parseClvFitArgs(['--currency', 'EUR'])).toEqual({ until: undefined, currency: 'EUR', unit: 'week', json: false, dryRun: false });
  });

  it('refuses what it does not understand', () => {
    expect(() => parseClvFitArgs(['--until', '2026-02-30'])).toThrow(UsageError);
    expect(() => parseClvFitArgs(['--until', '28/02/2026'])).toThrow(/YYYY-MM-DD/);
    expect(() => parseClvFitArgs(['--unit', 'month'])).toThrow(/week or day/);
    expect(() => parseClvFitArgs(['--currency', 'euro'])).toThrow(/ISO 4217/);
    expect(() => parseClvFitArgs(['--until'])).toThrow(/needs a value/);
    expect(() => parseClvFitArgs(['--holdout-end', '2026-02-30'])).toThrow(/--holdout-end is not a calendar date/);
    expect(() => parseClvFitArgs(['--verbose'])).toThrow(/unknown argument/);
  });
});

describe('npm run clv:fit on the server stores', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-clv-cli-'));
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('catches up the projections, fits, prints the parameters as JSON and records the model the server then serves', async () => {
    const clock = new ManualClock('2026-03-10T12:00:00.000Z');
    const seeding = await startTestApp({}, { dataDir, clock });
    // 30 customers drawn from the BG/NBD and Gamma-Gamma stories (seeded): some buy on, some drop
    // out, and spend varies between and within customers, so both fits have a maximum to find.
    const purchases = simulatedPurchases(30, 3);
    for (const [customer, bought] of groupBy(purchases)) {
      const id = (await seeding.request('POST', '/customers', { name: customer, kind: 'customer' })).json.id as string;
      for (const purchase of bought) {
        const response = await seeding.request('POST', `/customers/${id}/purchases`, {
          lines: [{ product: 'CD', quantity: 1, amount: purchase.amount }],
          occurredAt: purchase.occurredAt,
        });
        expect(response.status).toBe(201);
      }
    }
    const repeatBuyers = [...groupBy(purchases).values()].filter(
      (bought) => new Set(bought.map((p) => p.occurredAt.slice(0, 10))).size > 1,
    ).length;
    const eventsBefore = await seeding.eventCount();
    await seeding.close();

    const config = loadConfig({ RELATA_DATA_DIR: dataDir, ...testStoreEnv(dataDir) });
    const dry: string[] = [];
    await runClvFit({ until: '2026-02-28', unit: 'week', json: false, dryRun: true }, config, clock, (line) => dry.push(line));
    expect(dry[0]).toMatch(/^CLV model .* \(calibration end 2026-02-28, unit week\)$/);
    expect(dry.at(-1)).toBe('Dry run: nothing recorded');
    expect(dry.filter((line) => line.includes('warning'))).toEqual([]);

    // With a holdout end: the holdout check in the JSON, computed on the purchases after the calibration end.
    const checked: string[] = [];
    await runClvFit({ until: '2026-01-31', holdoutEnd: '2026-02-28', unit: 'week', json: true, dryRun: true }, config, clock, (line) =>
      checked.push(line),
    );
    const { holdoutCheck } = JSON.parse(checked[0]);
    expect(holdoutCheck).toMatchObject({ calibrationEnd: '2026-01-31', holdoutEnd: '2026-02-28', holdoutLength: 4, customers: 30 });
    // Repeat transactions in the holdout: the distinct purchase days of each customer in February 2026
    // (every customer's first purchase is in October 2025, so every February day is a repeat).
    const inHoldout = new Set(
      purchases
        .filter((p) => p.occurredAt >= '2026-02-01' && p.occurredAt < '2026-03-01')
        .map((p) => `${p.customer}/${p.occurredAt.slice(0, 10)}`),
    ).size;
    expect(inHoldout).toBeGreaterThan(0);
    expect(holdoutCheck.total.actual).toBe(inHoldout);
    // A customer the series cannot evaluate is counted, never fails the fit.
    expect(holdoutCheck.customersNotEvaluated).toBeLessThanOrEqual(30);
    expect(holdoutCheck.byCalibrationTransactions.reduce((s: number, row: { customers: number }) => s + row.customers, 0)).toBe(30);
    expect(holdoutCheck.tracking.filter((p: { holdout: boolean }) => p.holdout)).toHaveLength(4);
    const human: string[] = [];
    await runClvFit({ until: '2026-01-31', holdoutEnd: '2026-02-28', unit: 'week', json: false, dryRun: true }, config, clock, (line) =>
      human.push(line),
    );
    expect(human.find((line) => line.includes('holdout'))).toMatch(
      new RegExp(`^  holdout 2026-01-31 \\.\\. 2026-02-28 \\(4\\.00 weeks\\): repeat transactions actual ${inHoldout}, expected `),
    );
    expect(human.some((line) => line.startsWith('  per calibration x: '))).toBe(true);

    const printed: string[] = [];
    const outcome = await runClvFit({ until: '2026-02-28', unit: 'week', json: true, dryRun: false }, config, clock, (line) =>
      printed.push(line),
    );
    expect(printed).toHaveLength(1);
    const json = JSON.parse(printed[0]);
    expect(json).toEqual({
      modelId: outcome.model.modelId,
      calibrationEnd: '2026-02-28',
      unit: 'week',
      r: expect.any(Number),
      alpha: expect.any(Number),
      a: expect.any(Number),
      b: expect.any(Number),
      p: expect.any(Number),
      q: expect.any(Number),
      gamma: expect.any(Number),
      bgnbdLogLikelihood: expect.any(Number),
      gammaGammaLogLikelihood: expect.any(Number),
      customers: 30,
      repeatCustomers: repeatBuyers,
      // A fit that did not converge is a failed fit: its parameters are where the optimiser gave up.
      converged: true,
      fittedAt: '2026-03-10T12:00:00.000Z',
      recorded: true,
      position: expect.stringMatching(/^\d+$/),
    });
    for (const key of ['r', 'alpha', 'a', 'b', 'p', 'q', 'gamma']) expect(json[key]).toBeGreaterThan(0);
    for (const key of ['bgnbdLogLikelihood', 'gammaGammaLogLikelihood']) expect(Number.isFinite(json[key])).toBe(true);

    const server = await startTestApp({}, { dataDir, clock });
    try {
      // Only the fit that was not a dry run appended an event.
      expect(await server.eventCount()).toBe(eventsBefore + 1);
      const model = await server.request('GET', `/analytics/clv/model?minPosition=${json.position}`);
      expect(model.status).toBe(200);
      expect(model.json).toMatchObject({
        modelId: json.modelId,
        bgnbd: { r: json.r, logLikelihood: json.bgnbdLogLikelihood },
        gammaGamma: { gamma: json.gamma },
      });
    } finally {
      await server.close();
    }
  });
});
