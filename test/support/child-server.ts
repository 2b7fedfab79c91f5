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
  /** How long to wait for the child to report that it is listening. Default 30 s. */
  readyTimeoutMs?: number;
}

/**
 * A free TCP port on the loopback interface (bound, read, released). Racy: another process may
 * take the port before the caller binds it. startChildServer does not use it (the child binds
 * port 0 and reports the port it got); kept for callers that must name a port up front.
 */
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

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * Spawns the real server (TypeScript sources, no build) as a child process with PORT=0: the OS
 * picks the port when the child binds, and the child reports it over IPC (src/main.ts), so no
 * other process can take it in between. Resolves once GET /health answers 200 on it.
 */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    ['-r', path.join(REPO_ROOT, 'test/support/ts-register.js'), path.join(REPO_ROOT, options.script ?? 'src/main.ts')],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        RELATA_DATA_DIR: options.dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        RELATA_BOOTSTRAP_ADMIN_KEY: TEST_ADMIN_KEY,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (message: { relataListening?: { port?: unknown } }) => {
      const reported = message?.relataListening?.port;
      if (typeof reported === 'number') resolve(reported);
    });
    void exited.then(() => reject(new Error(`server exited before it was listening:\n${output}`)));
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server not listening within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
  }).finally(() => clearTimeout(timer));
  // The parent needs no more messages: the channel must not keep this process alive either.
  child.channel?.unref();

  const url = `http://127.0.0.1:${port}`;
  const health = await fetch(`${url}/health`);
  if (health.status !== 200) {
    child.kill('SIGKILL');
    throw new Error(`server listening on ${port} but GET /health answered ${health.status}:\n${output}`);
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
