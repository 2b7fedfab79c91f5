/**
 * CLV fit time (issue 6): BG/NBD + Gamma-Gamma by maximum likelihood, through the code path of
 * `npm run clv:fit -- --dry-run` (runClvFit: open the stores, catch the projections up, read the
 * customer-value read model, summarise, fit), which is the service POST /analytics/clv/fit calls.
 *
 * - CDNOW sample (2,357 customers, samples/cdnow/CDNOW_sample.txt): imported with
 *   `npm run import -- cdnow-sample` (in process, importCli) into a scratch data dir, then fitted with
 *   the calibration period of Fader, Hardie & Lee (2005): 39 weeks, up to 1997-09-30.
 * - The generated data set (100k customers): a copy of its data dir, calibration up to its last day.
 * Reported: seconds of the fit (the import is not timed) and the fitted parameters. No target.
 */
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { type ClvModelData } from '../src/analytics/clv-model.events';
import { type ClvFitArgs, runClvFit } from '../src/cli/clv-fit';
import { importCli } from '../src/cli/import';
import { loadConfig } from '../src/config/config';
import { SystemClock } from '../src/shared/clock';
import { type Benchmark, type BenchContext, type BenchReport, table } from './bench-kit';
import { copyDataDir, ensureDataSet } from './data-generator';
import { DATA_SET_SEED } from './queries.bench';

/** Resolved from the repository root (this file runs from bench/ or dist-bench/bench/). */
function cdnowSample(): string {
  const candidates = [path.resolve(__dirname, '..'), path.resolve(__dirname, '..', '..')];
  for (const root of candidates) {
    const file = path.resolve(root, 'samples', 'cdnow', 'CDNOW_sample.txt');
    if (existsSync(file)) return file;
  }
  throw new Error(`CDNOW_sample.txt not found under samples/cdnow (looked from ${candidates.join(', ')})`);
}

interface FitRun {
  label: string;
  seconds: number;
  model: ClvModelData;
}

const env = (dataDir: string): Record<string, string> => ({ PATH: process.env.PATH ?? '', RELATA_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });

async function fitOn(label: string, dataDir: string, until: string, ctx: BenchContext): Promise<FitRun> {
  const args: ClvFitArgs = { until, unit: 'week', json: true, dryRun: true };
  // A first pass opens the stores and catches every projection up, so the timed pass is the fit.
  await runClvFit(args, loadConfig(env(dataDir)), new SystemClock(), () => undefined);
  ctx.log(`clv: fitting on ${label}`);
  const start = performance.now();
  const outcome = await runClvFit(args, loadConfig(env(dataDir)), new SystemClock(), () => undefined);
  return { label, seconds: (performance.now() - start) / 1000, model: outcome.model };
}

const f = (value: number, digits = 4): string => value.toPrecision(digits);

export const benchmark: Benchmark = {
  name: 'clv',
  title: 'CLV model fit',
  async run(ctx: BenchContext): Promise<BenchReport> {
    const runs: FitRun[] = [];

    const cdnowDir = path.join(ctx.workDir, 'cdnow');
    mkdirSync(cdnowDir, { recursive: true });
    ctx.log('clv: importing the CDNOW sample');
    const errors: string[] = [];
    const code = await importCli(['cdnow-sample', cdnowSample()], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => errors.push(text) },
      env: env(cdnowDir),
    });
    if (code !== 0) throw new Error(`importing the CDNOW sample failed (exit ${code}): ${errors.join('')}`);
    runs.push(await fitOn('CDNOW sample, calibration to 1997-09-30', cdnowDir, '1997-09-30', ctx));

    const customers = ctx.quick ? 2_000 : 100_000;
    const dataSet = await ensureDataSet({ customers, seed: DATA_SET_SEED, cacheDir: ctx.cacheDir, log: ctx.log });
    const dataDir = path.join(ctx.workDir, 'generated');
    copyDataDir(dataSet.dataDir, dataDir);
    const today = new Date().toISOString().slice(0, 10);
    const lastDay = dataSet.sample.to.slice(0, 10) < today ? dataSet.sample.to.slice(0, 10) : today;
    runs.push(
      await fitOn(
        `generated data set, ${dataSet.customers.toLocaleString('en')} customers, calibration to ${lastDay}`,
        dataDir,
        lastDay,
        ctx,
      ),
    );

    const body = [
      'The code path of `npm run clv:fit -- --dry-run` (runClvFit: stores opened, projections caught up, ' +
        'the customer-value read model read, purchases summarised per customer, BG/NBD and Gamma-Gamma fitted by ' +
        'maximum likelihood); the same service answers POST /analytics/clv/fit. Timed: one whole run after a first run ' +
        'that caught the projections up (the CDNOW import is not timed). Unit: week.',
      '',
      table(
        ['data', 'customers', 'repeat buyers', 'fit s', 'r', 'alpha', 'a', 'b', 'p', 'q', 'gamma', 'converged'],
        runs.map(({ label, seconds, model }) => [
          label,
          model.customers,
          model.repeatCustomers,
          seconds.toFixed(2),
          f(model.bgnbd.r),
          f(model.bgnbd.alpha),
          f(model.bgnbd.a),
          f(model.bgnbd.b),
          f(model.gammaGamma.p),
          f(model.gammaGamma.q),
          f(model.gammaGamma.gamma),
          model.bgnbd.converged && model.gammaGamma.converged ? 'yes' : 'no',
        ]),
      ),
      '',
      'Published fits on the CDNOW sample with the 39-week calibration: BG/NBD r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 ' +
        '(Fader, Hardie & Lee 2005); Gamma-Gamma p = 6.25, q = 3.74, gamma = 15.44 on the 946 repeat buyers.',
    ].join('\n');
    return { body, targets: [] };
  },
};
