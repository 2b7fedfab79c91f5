import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { signHs256 } from './jwt';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from './test-app';
import { dropTestStores, testStoreEnv } from './test-stores';

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

/** A reply of a child server: the status and the parsed JSON body ({} when empty). */
export interface ChildReply {
  status: number;
  json: Record<string, unknown>;
}

/** Sends one request to a child server with this bearer token (and a JSON body when one is given). */
export async function callChild(server: ChildServer, token: string, method: string, url: string, body?: unknown): Promise<ChildReply> {
  const response = await fetch(`${server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A caller of child servers that sends a JWT for this subject and these roles (with pii), signed with the test secret. */
export function childCaller(
  sub: string,
  roles: string[],
): (server: ChildServer, method: string, url: string, body?: unknown) => Promise<ChildReply> {
  const token = signHs256({ sub, roles, pii: true, exp: 4102444800 }, TEST_JWT_SECRET);
  return (server, method, url, body) => callChild(server, token, method, url, body);
}

/**
 * Asks the probe every 100 ms until it answers something other than undefined, and returns that.
 * For what other processes do on their own time; the deadline only turns a hang into a failure.
 */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The environment of servers that share one data dir under the worker lease, with the test JWT
 * secret. The TTL is far longer than any test: a short one could lapse between renewals on a loaded
 * machine and move the lease mid-test; a takeover after a kill comes from the dead holder's pid (same host).
 */
export function leaseServerEnv(dataDir: string, renewMs: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    RELATA_JWT_SECRET: TEST_JWT_SECRET,
    RELATA_LEASE_TTL_MS: '60000',
    RELATA_LEASE_RENEW_MS: String(renewMs),
    RELATA_RATE_LIMIT_PER_MINUTE: '100000',
    ...testStoreEnv(dataDir),
    ...extra,
  };
}

/** A data dir that child servers share, and the servers a test started on it. */
export interface ChildServersOnOneDir {
  dataDir: string;
  /** Push every server started: each is killed (SIGKILL) afterwards. */
  servers: ChildServer[];
}

/**
 * Given a fresh data dir for child servers, per test ('each') or for the whole describe block
 * ('all'): afterwards every server in `servers` is killed and the dir and its stores are removed.
 * The fields are set once the hook has run: read them inside tests.
 */
export function childServersOnFreshDir(prefix: string, per: 'each' | 'all'): ChildServersOnOneDir {
  const context: ChildServersOnOneDir = { dataDir: '', servers: [] };
  const [before, after] = per === 'each' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(() => {
    context.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  after(async () => {
    await Promise.all(context.servers.map((server) => server.kill('SIGKILL')));
    context.servers = [];
    await dropTestStores(context.dataDir);
    fs.rmSync(context.dataDir, { recursive: true, force: true });
  });
  return context;
}

/** Child servers on one fresh data dir under the worker lease (leaseServerEnv). */
export interface LeaseServersOnOneDir extends ChildServersOnOneDir {
  /** Starts a server on the shared dir with leaseServerEnv plus `extra`, and adds it to `servers` (killed afterwards). */
  start(extra?: Record<string, string>): Promise<ChildServer>;
}

/** childServersOnFreshDir, with a start() for servers that renew the worker lease every `renewMs`. */
export function leaseServersOnFreshDir(prefix: string, per: 'each' | 'all', renewMs: number): LeaseServersOnOneDir {
  const context = childServersOnFreshDir(prefix, per);
  return Object.assign(context, {
    async start(extra: Record<string, string> = {}): Promise<ChildServer> {
      const server = await startChildServer({ dataDir: context.dataDir, env: leaseServerEnv(context.dataDir, renewMs, extra) });
      context.servers.push(server);
      return server;
    },
  });
}
