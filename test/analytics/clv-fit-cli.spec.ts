import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseClvFitArgs, runClvFit, UsageError } from '../../src/cli/clv-fit';
import { loadConfig } from '../../src/config/config';
import { ManualClock } from '../../src/shared/clock';
import { startTestApp } from '../support/test-app';
import { testStoreEnv } from '../support/test-stores';

process.env.RELATA_SEGMENTATION_SCHEDULER = 'off';

describe('npm run clv:fit arguments', () => {
  it('reads --until, --unit, --json and --dry-run (also as --name=value)', () => {
    expect(parseClvFitArgs(['--until', '2026-02-28', '--unit', 'day', '--json'])).toEqual({ until: '2026-02-28', unit: 'day', json: true, dryRun: false });
    expect(parseClvFitArgs(['--until=2026-02-28', '--dry-run'])).toEqual({ until: '2026-02-28', unit: 'week', json: false, dryRun: true });
    expect(parseClvFitArgs(['--help'])).toBe('help');
    expect(parseClvFitArgs(['--until', '2026-01-31', '--holdout-end=2026-02-28'])).toEqual({ until: '2026-01-31', holdoutEnd: '2026-02-28', unit: 'week', json: false, dryRun: false });
  });

  it('refuses what it does not understand', () => {
    expect(() => parseClvFitArgs(['--until', '2026-02-30'])).toThrow(UsageError);
    expect(() => parseClvFitArgs(['--until', '28/02/2026'])).toThrow(/YYYY-MM-DD/);
    expect(() => parseClvFitArgs(['--unit', 'month'])).toThrow(/week or day/);
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
    const gaps = [0, 9, 20, 34, 51, 70, 92, 110];
    for (let i = 0; i < 8; i++) {
      const id = (await seeding.request('POST', '/customers', { name: `C${i}`, kind: 'customer' })).json.id as string;
      // Customer i buys i + 1 times, a week or more apart, from early October.
      for (let k = 0; k <= i; k++) {
        const day = new Date(Date.parse('2025-10-01T10:00:00.000Z') + (gaps[k] + i) * 86_400_000).toISOString();
        const response = await seeding.request('POST', `/customers/${id}/purchases`, { lines: [{ product: 'CD', quantity: 1, amount: 20 + 5 * ((i + k) % 4) }], occurredAt: day });
        expect(response.status).toBe(201);
      }
    }
    const eventsBefore = await seeding.eventCount();
    await seeding.close();

    const config = loadConfig({ RELATA_DATA_DIR: dataDir, ...testStoreEnv(dataDir) });
    const dry: string[] = [];
    await runClvFit({ until: '2026-02-28', unit: 'week', json: false, dryRun: true }, config, clock, (line) => dry.push(line));
    expect(dry[0]).toMatch(/^CLV model .* \(calibration end 2026-02-28, unit week\)$/);
    expect(dry.at(-1)).toBe('Dry run: nothing recorded');

    // With a holdout end: the holdout check in the JSON, computed on the purchases after the calibration end.
    const checked: string[] = [];
    await runClvFit({ until: '2026-01-31', holdoutEnd: '2026-02-28', unit: 'week', json: true, dryRun: true }, config, clock, (line) => checked.push(line));
    const { holdoutCheck } = JSON.parse(checked[0]);
    expect(holdoutCheck).toMatchObject({ calibrationEnd: '2026-01-31', holdoutEnd: '2026-02-28', holdoutLength: 4, customers: 8 });
    // The purchases of February 2026 (days 123 to 150 after 1 October, the last purchase of customer i on day gaps[i] + i).
    const inHoldout = Array.from({ length: 8 }, (_, i) => gaps.slice(0, i + 1).filter((g) => g + i >= 123 && g + i <= 150).length).reduce((s, n) => s + n, 0);
    expect(holdoutCheck.total.actual).toBe(inHoldout);
    // Eight customers make a degenerate fit the series may not evaluate: such customers are counted, never fail the fit.
    expect(holdoutCheck.customersNotEvaluated).toBeLessThanOrEqual(8);
    expect(holdoutCheck.byCalibrationTransactions.reduce((s: number, row: { customers: number }) => s + row.customers, 0)).toBe(8);
    expect(holdoutCheck.tracking.filter((p: { holdout: boolean }) => p.holdout)).toHaveLength(4);
    const human: string[] = [];
    await runClvFit({ until: '2026-01-31', holdoutEnd: '2026-02-28', unit: 'week', json: false, dryRun: true }, config, clock, (line) => human.push(line));
    expect(human.find((line) => line.includes('holdout'))).toMatch(new RegExp(`^  holdout 2026-01-31 \\.\\. 2026-02-28 \\(4\\.00 weeks\\): repeat transactions actual ${inHoldout}, expected `));
    expect(human.some((line) => line.startsWith('  per calibration x: '))).toBe(true);

    const printed: string[] = [];
    const outcome = await runClvFit({ until: '2026-02-28', unit: 'week', json: true, dryRun: false }, config, clock, (line) => printed.push(line));
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
      customers: 8,
      repeatCustomers: 7,
      converged: expect.any(Boolean),
      fittedAt: '2026-03-10T12:00:00.000Z',
      recorded: true,
      position: expect.stringMatching(/^\d+$/),
    });
    for (const key of ['r', 'alpha', 'a', 'b', 'p', 'q', 'gamma']) expect(json[key]).toBeGreaterThan(0);

    const server = await startTestApp({}, { dataDir, clock });
    try {
      // Only the fit that was not a dry run appended an event.
      expect(await server.eventCount()).toBe(eventsBefore + 1);
      const model = await server.request('GET', `/analytics/clv/model?minPosition=${json.position}`);
      expect(model.status).toBe(200);
      expect(model.json).toMatchObject({ modelId: json.modelId, bgnbd: { r: json.r, logLikelihood: json.bgnbdLogLikelihood }, gammaGamma: { gamma: json.gamma } });
    } finally {
      await server.close();
    }
  });
});
