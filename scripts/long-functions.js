#!/usr/bin/env node
/**
 * Functions over 80 lines in src/ (issue 17: code a newcomer can hold in their head). A function may
 * be longer only when a comment just above it says why, with the words "long because" (for example
 * `// long because one switch over every event type reads better than 20 one-line functions`).
 *
 * "Just above" means in the comments before the function or before the statement, property or class
 * member that holds it (`const f = () => ...`, `{ handle: async () => ... }`). Lines are counted from
 * the first to the last line of the function itself, its signature included, comments above it not.
 * Spec files are left out: a describe() callback is a list of tests, not a function to split.
 *
 * long-functions-baseline.json lists the unexplained long functions that predate the rule (in files
 * being reworked on other branches). As with dependency-baseline.json the list only shrinks: the
 * check fails on a long function not in it AND on an entry that no longer occurs.
 *
 * Usage: node scripts/long-functions.js [--all]   (--all also prints the explained ones)
 */
const { readdirSync, readFileSync } = require('node:fs');
const { join, relative, sep } = require('node:path');
const ts = require('typescript');

const root = join(__dirname, '..');
const MAX_LINES = 80;
const EXCUSE = /long because/i;

/** Every .ts file below dir (relative to the repository, with forward slashes), spec files left out. */
function sourceFiles(dir = join(root, 'src')) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) {
      files.push(relative(root, full).split(sep).join('/'));
    }
  }
  return files.sort();
}

const isFunction = (node) =>
  ts.isFunctionDeclaration(node) ||
  ts.isFunctionExpression(node) ||
  ts.isArrowFunction(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isConstructorDeclaration(node) ||
  ts.isGetAccessorDeclaration(node) ||
  ts.isSetAccessorDeclaration(node);

// The nodes whose leading comments speak for a function: the function itself and its holders up to
// the first statement or class/object member (a call argument's comment sits inside the call).
const holds = (node) =>
  ts.isVariableDeclaration(node) ||
  ts.isVariableDeclarationList(node) ||
  ts.isVariableStatement(node) ||
  ts.isPropertyAssignment(node) ||
  ts.isPropertyDeclaration(node) ||
  ts.isExportAssignment(node) ||
  ts.isParenthesizedExpression(node) ||
  ts.isAsExpression(node) ||
  ts.isSatisfiesExpression(node);

function nameOf(node) {
  const own = node.name && ts.isIdentifier(node.name) ? node.name.text : undefined;
  const holder =
    node.parent && (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent) || ts.isPropertyDeclaration(node.parent));
  const name = ts.isConstructorDeclaration(node) ? 'constructor' : (own ?? (holder ? node.parent.name.getText() : '(anonymous)'));
  const owner = ts.findAncestor(node.parent, (n) => ts.isClassLike(n));
  return owner?.name ? `${owner.name.text}.${name}` : name;
}

function commentsAbove(node, text) {
  const comments = [];
  for (let at = node; ; at = at.parent) {
    for (const range of ts.getLeadingCommentRanges(text, at.getFullStart()) ?? []) comments.push(text.slice(range.pos, range.end));
    if (!at.parent || !holds(at.parent)) break;
  }
  return comments.join('\n');
}

/** The functions of one file over MAX_LINES lines: where, what, how long and whether a comment says why. */
function longFunctionsIn(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (isFunction(node) && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      const lines = last - first + 1;
      if (lines > MAX_LINES)
        found.push({ file, line: first, name: nameOf(node), lines, explained: EXCUSE.test(commentsAbove(node, text)) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every long function in src/ (or in the given files). */
function longFunctions(files = sourceFiles()) {
  return files.flatMap((file) => longFunctionsIn(file, readFileSync(join(root, file), 'utf8')));
}

// Baseline entries name file and function, not the line, so edits above a function do not churn the list.
const keyOf = (f) => `${f.file} ${f.name}`;
const describe = (f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`;

/** Unexplained long functions missing from the baseline (fresh) and baseline entries no longer found (gone). */
function compareWithBaseline(found, baseline) {
  const known = new Set(baseline.known.map((entry) => entry.function));
  const unexplained = found.filter((f) => !f.explained);
  const present = new Set(unexplained.map(keyOf));
  return { fresh: unexplained.filter((f) => !known.has(keyOf(f))).map(describe), gone: [...known].filter((k) => !present.has(k)) };
}

function main(argv) {
  const found = longFunctions();
  const baseline = JSON.parse(readFileSync(join(root, 'long-functions-baseline.json'), 'utf8'));
  if (argv.includes('--all')) for (const f of found) console.log(`${f.explained ? 'explained ' : 'unexplained'} ${describe(f)}`);
  const { fresh, gone } = compareWithBaseline(found, baseline);
  for (const line of fresh) console.error(`over ${MAX_LINES} lines without a "long because" comment above it: ${line}`);
  for (const key of gone) console.error(`fixed, delete from long-functions-baseline.json: ${key}`);
  if (fresh.length > 0 || gone.length > 0) return 1;
  const explained = found.filter((f) => f.explained).length;
  console.log(
    `long functions: ${found.length} over ${MAX_LINES} lines in src/, ${explained} explained, ${baseline.known.length} known (long-functions-baseline.json)`,
  );
  return 0;
}

module.exports = { longFunctions, longFunctionsIn, compareWithBaseline, sourceFiles, keyOf, describe, MAX_LINES };

if (require.main === module) process.exit(main(process.argv.slice(2)));
