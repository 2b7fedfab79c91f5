import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { TEST_ADMIN_KEY } from './test-app';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface ChildServer {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything the child printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal (SIGKILL for a crash, SIGTERM for a graceful stop) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ChildServerOptions {
  dataDir: string;
  /** Extra environment (RELATA_*); the bootstrap admin key is TEST_ADMIN_KEY unless given. */
  env?: Record<string, string>;
  /** The script to run (default src/main.ts), relative to the repository root. */
  script?: string;
  /** How long to wait for GET /health to answer 200. Default 30 s. */
  readyTimeoutMs?: number;
}

/** A free TCP port on the loopback interface (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Spawns the real server (TypeScript sources, no build) as a child process and waits until it is healthy. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', path.join(REPO_ROOT, 'test/support/ts-register.js'), path.join(REPO_ROOT, options.script ?? 'src/main.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      RELATA_DATA_DIR: options.dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RELATA_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (hasExited) throw new Error(`server exited before it was healthy:\n${output}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not healthy within the timeout:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    port,
    process: child,
    output: () => output,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (!hasExited) child.kill(signal);
      return exited;
    },
  };
}
