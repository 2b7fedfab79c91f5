import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from './bench-kit';

/**
 * Runs a server in a child process so that the load generator (autocannon, in the benchmark's own
 * process) does not share its event loop. Works from the compiled tree (dist-bench/, .js) and from
 * the TypeScript sources (.ts, through test/support/ts-register.js).
 */

/** The root of the tree this file runs from: the repository (sources) or dist-bench/ (compiled). */
const TREE_ROOT = path.resolve(__dirname, '..');
const FROM_SOURCES = __filename.endsWith('.ts');
/** The repository (dist-bench/ sits in it). */
export const REPO_ROOT = FROM_SOURCES ? TREE_ROOT : path.resolve(TREE_ROOT, '..');

export interface ChildServer {
  url: string;
  /** Everything the child printed (for error messages). */
  output(): string;
  /** CPU time (user + system) the child used so far, in ms; undefined where /proc is not available. */
  cpuMs(): number | undefined;
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

export interface ChildServerOptions {
  /** Path of the entry point in the tree, without extension, e.g. 'src/main'. */
  script: string;
  env: Record<string, string>;
  /** A GET path that answers 2xx once the server is ready. */
  readyPath: string;
  /** Write a V8 CPU profile into this directory (node --cpu-prof) when the child stops. */
  cpuProfileDir?: string;
  readyTimeoutMs?: number;
}

/** utime + stime of a process from /proc/PID/stat (Linux; clock ticks of 10 ms on every common kernel). */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const port = await freePort();
  const ext = FROM_SOURCES ? '.ts' : '.js';
  const args: string[] = [];
  if (options.cpuProfileDir) {
    // --cpu-prof writes the profile on a normal exit only: the preload turns SIGTERM into one.
    args.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir);
  }
  if (FROM_SOURCES) args.push('-r', path.join(REPO_ROOT, 'test/support/ts-register.js'));
  if (options.cpuProfileDir) args.push('-r', path.join(TREE_ROOT, `bench/write-path-exit-on-sigterm${ext}`));
  args.push(path.join(TREE_ROOT, options.script + ext));
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`${options.script} exited before it was ready:\n${output}`);
    try {
      const response = await fetch(url + options.readyPath);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.script} not ready within the timeout:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    output: () => output,
    cpuMs: () => processCpuMs(child.pid),
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
