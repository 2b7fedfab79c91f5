/**
 * `npm run mutate [-- --scope=core|kernel] [other Stryker options]`: runs Stryker on the scope
 * (mutation/scopes.js), then records the mutation score of each module, with the machine, Node
 * version, date and commit, in mutation/results/<scope>.json (the way bench/results records the
 * benchmarks) and prints the table. Stryker's own reports stay in reports/mutation/.
 */
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { scope } = require('./scopes.js');

const ROOT = path.resolve(__dirname, '..');
const REPORT = path.join(ROOT, 'reports', 'mutation', 'mutation.json');

function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
  };
}

function gitCommit() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain') !== '';
    return `${git('rev-parse', 'HEAD')}${dirty ? '-dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

/** The file part of a mutate entry (`file.ts:10-20` mutates lines of file.ts). */
const fileOf = (entry) => entry.replace(/:\d+-\d+$/, '');

/**
 * Stryker's score: detected (killed, timed out) over valid mutants (detected, survived, not
 * covered); compile and runtime errors are not valid mutants, ignored ones are left out.
 */
function tally(mutants) {
  const count = (status) => mutants.filter((m) => m.status === status).length;
  const detected = count('Killed') + count('Timeout');
  const undetected = count('Survived') + count('NoCoverage');
  return {
    mutants: mutants.length,
    killed: count('Killed'),
    timeout: count('Timeout'),
    survived: count('Survived'),
    noCoverage: count('NoCoverage'),
    compileErrors: count('CompileError'),
    runtimeErrors: count('RuntimeError'),
    ignored: count('Ignored'),
    score: detected + undetected === 0 ? null : Math.round((1000 * detected) / (detected + undetected)) / 10,
  };
}

function record(chosen, durationSeconds, strykerArgs) {
  const report = JSON.parse(fs.readFileSync(REPORT, 'utf8'));
  const files = report.files;
  const modules = [];
  const survivors = [];
  for (const [module, entries] of Object.entries(chosen.modules)) {
    const paths = entries.map(fileOf);
    const mutants = [];
    for (const [file, { mutants: fileMutants, source }] of Object.entries(files)) {
      if (!paths.includes(file)) continue;
      const lines = source.split('\n');
      for (const m of fileMutants) {
        mutants.push(m);
        if (m.status === 'Survived' || m.status === 'NoCoverage') {
          survivors.push({
            module,
            file,
            line: m.location.start.line,
            mutator: m.mutatorName,
            status: m.status,
            original: lines[m.location.start.line - 1].trim(),
            replacement: m.replacement ?? null,
          });
        }
      }
    }
    modules.push({ module, files: entries, ...tally(mutants) });
  }
  const result = {
    name: `mutation-${chosen.name}`,
    title: `Mutation scores (${chosen.name} scope)`,
    machine: machineInfo(),
    node: process.version,
    date: new Date().toISOString(),
    commit: gitCommit(),
    durationSeconds,
    stryker: { version: require('@stryker-mutator/core/package.json').version, arguments: strykerArgs },
    testFiles: chosen.tests,
    modules,
    survivors,
  };
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  const out = path.join(__dirname, 'results', `${chosen.name}.json`);
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nMutation scores (${chosen.name}), written to ${path.relative(ROOT, out)}:`);
  for (const m of modules) {
    console.log(
      `  ${m.module.padEnd(20)} ${String(m.score ?? '-').padStart(5)} %  (${m.killed + m.timeout} detected, ${m.survived} survived, ${m.noCoverage} not covered, of ${m.mutants})`,
    );
  }
  return modules;
}

function main(argv) {
  const scopeArg = argv.find((a) => a.startsWith('--scope='));
  const chosen = scope(scopeArg ? scopeArg.slice('--scope='.length) : undefined);
  const strykerArgs = argv.filter((a) => a !== scopeArg);
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [
      path.join(path.dirname(require.resolve('@stryker-mutator/core/package.json')), 'bin', 'stryker.js'),
      'run',
      'stryker.config.mjs',
      ...strykerArgs,
    ],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, RELATA_MUTATE_SCOPE: chosen.name },
    },
  );
  if (run.status !== 0) {
    console.error(`Stryker exited with ${run.status ?? run.signal}: no results recorded`);
    return run.status ?? 1;
  }
  if (strykerArgs.includes('--dryRunOnly')) return 0;
  record(chosen, Math.round((Date.now() - started) / 100) / 10, strykerArgs);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { tally };
