#!/usr/bin/env node
/**
 * The import rules of `npm test` (npm run deps). Two checks over dependency-cruiser's graph of src/:
 *
 * 1. The rules in .dependency-cruiser.cjs, file by file: no import cycle, the kernel (src/shared)
 *    imports no feature, production code imports no test or benchmark code.
 * 2. Feature folders (src/<feature>/) form no cycle between them: if customers imports complaints,
 *    complaints must not import customers, directly or through other features. The composition
 *    roots that wire every feature together (files directly in src/, src/cli, src/openapi, and
 *    src/config, which assembles every feature's settings) are
 *    outside this rule.
 *
 * dependency-baseline.json lists the violations that existed when the rule came in, each with the
 * issue that removes it. The check fails on any violation not listed AND on a listed one that is
 * gone (so the list only shrinks: delete the entry with the fix).
 */
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const COMPOSITION_ROOTS = new Set(['(root)', 'cli', 'openapi', 'config']);

/** Every violation in a dependency-cruiser JSON graph, one line each: the rules' and the folder cycles. */
function violationsOf(graph) {
  const found = new Set();
  for (const v of graph.summary.violations) {
    const via = v.cycle ? v.cycle.map((step) => (typeof step === 'string' ? step : step.name)).join(' -> ') : v.to;
    found.add(`${v.rule.name}: ${v.from} -> ${via}`);
  }
  for (const line of folderCycles(graph.modules)) found.add(line);
  return [...found];
}

const folderOf = (file) => /^src\/([^/]+)\//.exec(file)?.[1] ?? '(root)';

/** The import edges between feature folders that lie on a cycle, with one file-level example each. */
function folderCycles(modules) {
  const edges = new Map();
  for (const m of modules) {
    if (!m.source.startsWith('src/')) continue;
    const from = folderOf(m.source);
    if (COMPOSITION_ROOTS.has(from)) continue;
    for (const d of m.dependencies) {
      const to = folderOf(d.resolved);
      if (!d.resolved.startsWith('src/') || to === from || COMPOSITION_ROOTS.has(to)) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from).has(to)) edges.get(from).set(to, `${m.source} -> ${d.resolved}`);
    }
  }
  // Strongly connected components (Tarjan): every component of more than one folder is a cycle.
  const lines = [];
  const stack = [];
  const state = new Map();
  let index = 0;
  const connect = (v) => {
    state.set(v, { index, low: index, onStack: true });
    index += 1;
    stack.push(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!state.has(w)) {
        connect(w);
        state.get(v).low = Math.min(state.get(v).low, state.get(w).low);
      } else if (state.get(w).onStack) {
        state.get(v).low = Math.min(state.get(v).low, state.get(w).index);
      }
    }
    if (state.get(v).low !== state.get(v).index) return;
    const component = new Set();
    let w;
    do {
      w = stack.pop();
      state.get(w).onStack = false;
      component.add(w);
    } while (w !== v);
    if (component.size < 2) return;
    for (const a of [...component].sort()) {
      for (const [b, example] of edges.get(a) ?? []) if (component.has(b)) lines.push(`folder-cycle: ${a} -> ${b} (e.g. ${example})`);
    }
  };
  for (const v of [...edges.keys()].sort()) if (!state.has(v)) connect(v);
  return lines;
}

// Baseline entries name the violation without its example file, so moving an import inside a
// folder does not churn the list.
const withoutExample = (line) => line.replace(/ \(e\.g\. .*\)$/, '');

/** Violations not in the baseline (fresh) and baseline entries that no longer occur (gone). */
function compareWithBaseline(found, baseline) {
  const known = new Set(baseline.known.map((entry) => entry.violation));
  const present = new Set(found.map(withoutExample));
  return { fresh: found.filter((line) => !known.has(withoutExample(line))), gone: [...known].filter((entry) => !present.has(entry)) };
}

function main() {
  const cruiser = join(root, 'node_modules', '.bin', 'depcruise');
  const raw = execFileSync(cruiser, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const graph = JSON.parse(raw);
  const baseline = JSON.parse(readFileSync(join(root, 'dependency-baseline.json'), 'utf8'));
  const { fresh, gone } = compareWithBaseline(violationsOf(graph), baseline);
  if (fresh.length === 0 && gone.length === 0) {
    console.log(
      `dependencies: ${graph.summary.totalCruised} modules, no new violation (${baseline.known.length} known, listed in dependency-baseline.json)`,
    );
    return 0;
  }
  for (const line of fresh) console.error(`new violation  ${line}`);
  for (const line of gone) console.error(`fixed, delete from dependency-baseline.json: ${line}`);
  return 1;
}

module.exports = { violationsOf, folderCycles, compareWithBaseline, COMPOSITION_ROOTS };

if (require.main === module) process.exit(main());
