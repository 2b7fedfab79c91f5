/**
 * `npm run bench [-- NAME ...] [--quick]`: runs the benchmarks (every compiled bench/*.bench.js,
 * each exporting `benchmark: Benchmark`), stores each one's report with the machine, Node
 * version, date and commit in bench/results/NAME.json, and regenerates bench/results.md from
 * every stored result. `--quick` runs small sizes as a smoke test and records nothing.
 *
 * Exit code: non-zero when a benchmark failed to run. A missed target does not change it: the
 * report states it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Benchmark, type BenchReport, table } from './bench-kit';

/** Sections appear in this order; benchmarks not listed follow alphabetically. */
export const BENCHMARK_ORDER = ['event-store', 'http-commands', 'rebuild', 'queries', 'clv', 'startup'];

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
}

export interface StoredResult {
  name: string;
  title: string;
  /** Absent when the benchmark failed to run. */
  report?: BenchReport;
  error?: string;
  machine: MachineInfo;
  node: string;
  date: string;
  commit: string;
  durationSeconds: number;
}

/** Where the sources live: bench/run.ts compiles to dist-bench/bench/run.js. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const RESULTS_MD = path.join(REPO_ROOT, 'bench', 'results.md');
const CACHE_DIR = path.join(REPO_ROOT, 'bench', 'out', 'cache');

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
  };
}

export function gitCommit(cwd: string = REPO_ROOT): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

/** Benchmark names in report order: the fixed list first, then the others alphabetically. */
export function orderNames(names: readonly string[]): string[] {
  const rank = (name: string): number => {
    const index = BENCHMARK_ORDER.indexOf(name);
    return index < 0 ? BENCHMARK_ORDER.length : index;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * tsc copies no assets: the static files the app serves (src/<feature>/public) are copied into
 * dist-bench/src, where the compiled modules look for them beside themselves.
 */
export function copyAssets(
  srcRoot: string = path.join(REPO_ROOT, 'src'),
  outRoot: string = path.join(REPO_ROOT, 'dist-bench', 'src'),
): void {
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = path.join(dir, entry.name);
      if (entry.name === 'public') fs.cpSync(full, path.join(outRoot, path.relative(srcRoot, full)), { recursive: true });
      else walk(full);
    }
  };
  if (fs.existsSync(srcRoot)) walk(srcRoot);
}

function isBenchmark(value: unknown): value is Benchmark {
  const candidate = value as Partial<Benchmark> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.name === 'string' && typeof candidate.run === 'function';
}

/** Every compiled benchmark next to this file, by name; a module that fails to load is reported by its file name. */
async function discover(): Promise<Map<string, { benchmark?: Benchmark; file: string; loadError?: string }>> {
  const found = new Map<string, { benchmark?: Benchmark; file: string; loadError?: string }>();
  for (const file of fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .sort()) {
    const fallbackName = file.slice(0, -'.bench.js'.length);
    try {
      const loaded = (await import(path.join(__dirname, file))) as { benchmark?: unknown };
      if (!isBenchmark(loaded.benchmark)) throw new Error(`${file} does not export \`benchmark: Benchmark\``);
      found.set(loaded.benchmark.name, { benchmark: loaded.benchmark, file });
    } catch (error) {
      found.set(fallbackName, { file, loadError: errorText(error) });
    }
  }
  return found;
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function readStoredResults(): StoredResult[] {
  if (!fs.existsSync(RESULTS_DIR)) return [];
  const results: StoredResult[] = [];
  for (const file of fs.readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json'))) {
    try {
      results.push(JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, file), 'utf8')) as StoredResult);
    } catch {
      // A damaged result file is left out of the report rather than stopping it.
    }
  }
  const byName = new Map(results.map((r) => [r.name, r]));
  return orderNames([...byName.keys()]).map((name) => byName.get(name)!);
}

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** results.md from the stored results. */
export function renderResults(results: readonly StoredResult[]): string {
  const lines: string[] = [
    '# Benchmark results',
    '',
    'Generated by `npm run bench` from bench/results/*.json: do not edit by hand.',
    'Run every benchmark with `npm run bench`, some with `npm run bench -- NAME [NAME...]`',
    `(${orderNames(results.map((r) => r.name)).join(', ') || 'none yet'}); \`npm run bench -- --quick\` is a smoke run that records nothing.`,
    'The shared data set (100,000 customers, about 1M events) is generated once and cached in bench/out/cache.',
    '',
    '## Summary',
    '',
  ];
  const rows: string[][] = [];
  for (const result of results) {
    if (!result.report) {
      rows.push([escapeCell(result.title), 'runs', 'failed', 'no', 'the benchmark failed to run (see its section)']);
      continue;
    }
    for (const check of result.report.targets) {
      rows.push([
        escapeCell(`${result.title}: ${check.name}`),
        escapeCell(check.target),
        escapeCell(check.measured),
        check.met ? 'yes' : 'no',
        escapeCell(check.note ?? ''),
      ]);
    }
  }
  lines.push(rows.length > 0 ? table(['Target', 'Goal', 'Measured', 'Met', 'Note'], rows) : 'No results yet.', '');
  for (const result of results) {
    const m = result.machine;
    lines.push(
      `## ${result.title}`,
      '',
      `_${result.name}: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}; Node ${result.node}; ${result.date}; commit ${result.commit}; took ${result.durationSeconds.toFixed(0)} s._`,
      '',
      result.report ? result.report.body.trim() : `**Failed to run:**\n\n\`\`\`\n${result.error ?? 'unknown error'}\n\`\`\``,
      '',
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const requested = args.filter((a) => !a.startsWith('--'));
  const log = (message: string): void => void process.stderr.write(`${message}\n`);
  copyAssets();
  const available = await discover();
  const unknown = requested.filter((name) => !available.has(name));
  if (unknown.length > 0) {
    log(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${orderNames([...available.keys()]).join(', ')}`);
    return 2;
  }
  const names = orderNames(requested.length > 0 ? [...new Set(requested)] : [...available.keys()]);
  const machine = machineInfo();
  let failed = 0;
  for (const name of names) {
    const entry = available.get(name)!;
    const started = Date.now();
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `relata-bench-${name}-`));
    const result: StoredResult = {
      name,
      title: entry.benchmark?.title ?? name,
      machine,
      node: process.version,
      date: new Date().toISOString(),
      commit: gitCommit(),
      durationSeconds: 0,
    };
    log(`\n=== ${result.title} (${name})${quick ? ' [quick]' : ''}`);
    try {
      if (!entry.benchmark) throw new Error(`Cannot load ${entry.file}:\n${entry.loadError ?? ''}`);
      result.report = await entry.benchmark.run({ quick, workDir, cacheDir: CACHE_DIR, log: (m) => log(`[${name}] ${m}`) });
      for (const check of result.report.targets) {
        log(
          `  ${check.met ? 'met   ' : 'MISSED'} ${check.name}: ${check.measured} (target ${check.target})${check.note ? ` - ${check.note}` : ''}`,
        );
      }
    } catch (error) {
      failed++;
      result.error = errorText(error);
      log(`  FAILED: ${result.error}`);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
    result.durationSeconds = (Date.now() - started) / 1000;
    if (!quick) {
      fs.mkdirSync(RESULTS_DIR, { recursive: true });
      fs.writeFileSync(path.join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
    }
  }
  if (!quick) {
    fs.writeFileSync(RESULTS_MD, renderResults(readStoredResults()));
    log(`\nResults: ${path.relative(process.cwd(), RESULTS_MD)}`);
  } else {
    log('\nQuick run: nothing recorded.');
  }
  if (failed > 0) log(`${failed} benchmark(s) failed to run.`);
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main().then(
    // Exits explicitly: a benchmark that leaves a timer or socket behind must not hang the run.
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
