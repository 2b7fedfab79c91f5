import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The shell examples a page marks as runnable: a fenced ```sh (or ```bash) block right after the
 * line `<!-- runnable -->`. The marker is an HTML comment, so readers never see it; examples
 * without it (placeholders, long benchmarks, other machines) are documentation only.
 */
export const RUNNABLE_MARKER = '<!-- runnable -->';

export interface RunnableBlock {
  /** The page, relative to the repository root. */
  file: string;
  /** Line of the opening fence (1-based), to point a reader at the failing example. */
  line: number;
  code: string;
}

export function runnableBlocks(repoRoot: string, file: string): RunnableBlock[] {
  const lines = fs.readFileSync(path.join(repoRoot, file), 'utf8').split('\n');
  const blocks: RunnableBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== RUNNABLE_MARKER) continue;
    const fence = lines[i + 1] ?? '';
    if (!/^```(sh|bash)\b/.test(fence)) throw new Error(`${file}:${i + 1}: ${RUNNABLE_MARKER} must be followed by a \`\`\`sh block`);
    const end = lines.findIndex((text, index) => index > i + 1 && text.startsWith('```'));
    if (end < 0) throw new Error(`${file}:${i + 2}: the runnable block is not closed`);
    blocks.push({ file, line: i + 2, code: lines.slice(i + 2, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** Every page with runnable examples: README.md first (the quick start sets up what the others use), then docs/ by name. */
export function pagesWithRunnableBlocks(repoRoot: string): string[] {
  const docs = fs
    .readdirSync(path.join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs].filter((file) => runnableBlocks(repoRoot, file).length > 0);
}

/**
 * One bash script for a page: its blocks in order, sharing shell variables as a reader's terminal
 * would, each announced on stderr so that a failure names its block. The examples address the
 * server as localhost:3000; the test's server listens on another port of 127.0.0.1.
 */
export function pageScript(blocks: readonly RunnableBlock[], serverUrl: string, relataCommand: string): string {
  const parts = [
    'set -euo pipefail',
    // `npx relata` runs the CLI of a build; the test runs the same CLI from the sources.
    `npx() { if [ "\${1:-}" = relata ]; then shift; ${relataCommand} "$@"; else command npx "$@"; fi; }`,
  ];
  blocks.forEach((block, index) => {
    parts.push(`echo "@@block ${index}" >&2`, block.code.replace(/(https?:\/\/)?localhost:3000/g, serverUrl));
  });
  parts.push('echo "@@done" >&2');
  return `${parts.join('\n')}\n`;
}

/** The block a page's script stopped in: the last one it announced (null: it failed before the first). */
export function lastBlockReached(blocks: readonly RunnableBlock[], stderr: string): RunnableBlock | null {
  const reached = [...stderr.matchAll(/^@@block (\d+)$/gm)].map((match) => Number(match[1]));
  return reached.length === 0 ? null : blocks[reached[reached.length - 1]];
}

/** Whether the script ran to its end (every block succeeded). */
export function ranToTheEnd(stderr: string): boolean {
  return /^@@done$/m.test(stderr);
}

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a page's script in bash, in `cwd`, killed after `timeoutMs`. */
export function runBash(script: string, cwd: string, timeoutMs: number): Promise<ScriptRun> {
  return new Promise((resolve) => {
    // A reader's shell: no proxy in the way, no variables of the test runner but the PATH.
    const child = spawn('bash', ['-c', script], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, LANG: 'C.UTF-8', NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    // 'close', not 'exit': the output is complete only once the pipes are closed.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
