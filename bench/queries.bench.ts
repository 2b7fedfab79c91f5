/**
 * Query latency at 100k customers / ~1M events (issue 6): the real server in a child process on a
 * copy of the generated data set, one keep-alive connection, requests one after the other, latency
 * measured by the client (request written to last byte of the body read). Each query varies its
 * parameters (customers, segments, sorts, windows, departments) so no single row stays hot.
 * Target: p99 <= 10 ms for every query.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { type Benchmark, type BenchContext, type BenchReport, freePort, percentile, table, type TargetCheck } from './bench-kit';
import { copyDataDir, type DataSet, ensureDataSet } from './data-generator';

const TARGET_P99_MS = 10;
/** The data set every benchmark shares (same seed as the others, so the cache is reused). */
export const DATA_SET_SEED = 42;
const ADMIN_KEY = 'rk_BenchAdm_B3nchB3nchB3nchB3nchB3nchB3nchB3';

// ---------------------------------------------------------------- the server

export interface BenchServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The compiled server next to this file (dist-bench/src/main.js), else the TypeScript sources through the test loader. */
function serverCommand(): string[] {
  const compiled = path.resolve(__dirname, '..', 'src', 'main.js');
  if (existsSync(compiled)) return [compiled];
  const root = path.resolve(__dirname, '..');
  return ['-r', path.join(root, 'test', 'support', 'ts-register.js'), path.join(root, 'src', 'main.ts')];
}

/** Starts the server on dataDir and waits until /health answers 200 (nodeArgs: e.g. --cpu-prof, to profile it). */
export async function startBenchServer(
  dataDir: string,
  log: (message: string) => void,
  env: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, ...serverCommand()], {
    env: {
      PATH: process.env.PATH ?? '',
      RELATA_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RELATA_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      // The benchmark is one client sending thousands of requests a minute: no rate limit, no timers.
      RELATA_RATE_LIMIT_PER_MINUTE: '0',
      RELATA_SLA_SCHEDULER: 'off',
      RELATA_WEBHOOKS: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) throw new Error(`the server exited before it was ready:\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready within 120 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log(`server ready on ${url}`);
  return {
    url,
    process: child,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- the client

export interface Reply {
  status: number;
  body: string;
}

/** One keep-alive connection; requests strictly one after the other. */
export class SequentialClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly origin: URL;

  constructor(
    url: string,
    private readonly token: string,
  ) {
    this.origin = new URL(url);
  }

  request(method: string, pathAndQuery: string, body?: unknown): Promise<Reply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: this.origin.hostname,
          port: this.origin.port,
          method,
          path: pathAndQuery,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Milliseconds from writing the request to the end of the body. */
  async timed(pathAndQuery: string): Promise<{ ms: number; reply: Reply }> {
    const start = process.hrtime.bigint();
    const reply = await this.request('GET', pathAndQuery);
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, reply };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** An API key with the given roles, created with the bootstrap admin key. */
export async function createKey(url: string, roles: string[]): Promise<string> {
  const admin = new SequentialClient(url, ADMIN_KEY);
  try {
    const reply = await admin.request('POST', '/admin/keys', { name: `bench ${roles.join('+')}`, roles });
    if (reply.status !== 201) throw new Error(`POST /admin/keys answered ${reply.status}: ${reply.body}`);
    return (JSON.parse(reply.body) as { key: string }).key;
  } finally {
    admin.close();
  }
}

/**
 * Waits until every projection is live: a data set projected by an older projection version is
 * rebuilt in the background at start-up, and queries are measured on the final read models only.
 */
export async function waitUntilLive(url: string, log: (message: string) => void, timeoutMs = 30 * 60_000): Promise<void> {
  const admin = new SequentialClient(url, ADMIN_KEY);
  try {
    const deadline = Date.now() + timeoutMs;
    for (let logged = 0; ;) {
      const reply = await admin.request('GET', '/projections');
      if (reply.status !== 200) throw new Error(`GET /projections answered ${reply.status}: ${reply.body}`);
      const { projections } = JSON.parse(reply.body) as { projections: { name: string; state: string; rebuild?: unknown }[] };
      const pending = projections.filter((p) => p.state !== 'live' || (p.rebuild ?? null) !== null).map((p) => `${p.name} (${p.state})`);
      if (pending.length === 0) return;
      if (Date.now() > deadline) throw new Error(`projections not live after ${timeoutMs / 1000} s: ${pending.join(', ')}`);
      if (Date.now() - logged > 10_000) {
        log(`waiting for projections: ${pending.join(', ')}`);
        logged = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    admin.close();
  }
}

// ---------------------------------------------------------------- the queries

export interface QuerySpec {
  name: string;
  /** Measured and reported, but not one of the queries (no target). */
  extra?: boolean;
  /** The i-th request's path and query string. */
  path(i: number): string;
}

/** A deterministic shuffle (mulberry32), so a run is repeatable yet not in the data set's order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

const pick = <T>(items: readonly T[], i: number): T => items[i % items.length];

/** Year-long windows starting on the first of each month the data set covers (at least one). */
function yearWindows(from: string, to: string): { from: string; to: string }[] {
  const start = new Date(from);
  const end = new Date(to);
  const windows: { from: string; to: string }[] = [];
  for (let month = 0; ; month++) {
    const a = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + month, 1));
    const b = new Date(Date.UTC(a.getUTCFullYear() + 1, a.getUTCMonth(), 1));
    if (windows.length > 0 && b.getTime() > end.getTime() + 31 * 86_400_000) break;
    windows.push({ from: a.toISOString().slice(0, 10), to: b.toISOString().slice(0, 10) });
    if (month > 240) break;
  }
  return windows;
}

export function querySpecs(sample: DataSet['sample']): QuerySpec[] {
  const customers = shuffled(sample.customerIds, 1);
  const segments = shuffled(sample.segmentNames, 2);
  const departments = shuffled(sample.departmentIds, 3);
  const sorts = ['revenue', 'margin', 'purchaseCount', 'averageOrderValue', 'lastPurchaseAt'];
  const windows = yearWindows(sample.from, sample.to);
  const enc = encodeURIComponent;
  return [
    { name: 'customer profile', path: (i) => `/customers/${pick(customers, i)}` },
    {
      name: 'segment members page',
      path: (i) => `/analytics/segments/${enc(pick(segments, i))}/members?limit=50&order=${i % 2 === 0 ? 'desc' : 'asc'}`,
    },
    {
      name: 'lifetime value top 100',
      path: (i) => `/analytics/lifetime-value?sort=${pick(sorts, i)}&limit=100${i % 3 === 2 ? '&status=customer' : ''}`,
    },
    {
      name: 'complaint statistics, a year by month',
      path: (i) => {
        const w = pick(windows, i);
        return `/analytics/complaints?from=${w.from}&to=${w.to}&interval=month`;
      },
    },
    {
      name: "a department's work queue",
      path: (i) => `/complaints?department=${pick(departments, i)}&limit=50${i % 2 === 1 ? '&status=open' : ''}`,
    },
    {
      name: 'complaint statistics, a year by month, one department',
      extra: true,
      path: (i) => {
        const w = pick(windows, i);
        return `/analytics/complaints?from=${w.from}&to=${w.to}&interval=month&department=${pick(departments, i >> 1)}`;
      },
    },
  ];
}

export interface QueryResult {
  name: string;
  extra: boolean;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
  /** Bytes of the average response body. */
  bytes: number;
}

/** Runs one query: warm-up, then `requests` timed requests; any non-200 answer fails the run. */
export async function measureQuery(client: SequentialClient, spec: QuerySpec, warmup: number, requests: number): Promise<QueryResult> {
  const check = (reply: Reply, p: string): void => {
    if (reply.status !== 200) throw new Error(`${spec.name}: GET ${p} answered ${reply.status}: ${reply.body.slice(0, 500)}`);
  };
  for (let i = 0; i < warmup; i++) {
    const p = spec.path(requests + i);
    check((await client.timed(p)).reply, p);
  }
  const latencies: number[] = [];
  let bytes = 0;
  for (let i = 0; i < requests; i++) {
    const p = spec.path(i);
    const { ms, reply } = await client.timed(p);
    check(reply, p);
    latencies.push(ms);
    bytes += reply.body.length;
  }
  return {
    name: spec.name,
    extra: spec.extra === true,
    requests,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    mean: latencies.reduce((sum, v) => sum + v, 0) / latencies.length,
    bytes: Math.round(bytes / requests),
  };
}

const ms = (value: number): string => value.toFixed(2);

export const benchmark: Benchmark = {
  name: 'queries',
  title: 'Queries at 100k customers',
  async run(ctx: BenchContext): Promise<BenchReport> {
    const customers = ctx.quick ? 2_000 : 100_000;
    const requests = ctx.quick ? 100 : 600;
    const warmup = ctx.quick ? 20 : 100;
    const dataSet = await ensureDataSet({ customers, seed: DATA_SET_SEED, cacheDir: ctx.cacheDir, log: ctx.log });
    const dataDir = path.join(ctx.workDir, 'data');
    copyDataDir(dataSet.dataDir, dataDir);
    const server = await startBenchServer(dataDir, ctx.log);
    const results: QueryResult[] = [];
    try {
      await waitUntilLive(server.url, ctx.log);
      const client = new SequentialClient(server.url, await createKey(server.url, ['analyst', 'agent']));
      try {
        for (const spec of querySpecs(dataSet.sample)) {
          ctx.log(`queries: ${spec.name} (${warmup} warm-up + ${requests} requests)`);
          results.push(await measureQuery(client, spec, warmup, requests));
        }
      } finally {
        client.close();
      }
    } finally {
      await server.stop();
    }

    const targets: TargetCheck[] = results
      .filter((r) => !r.extra)
      .map((r) => ({
        name: `${r.name}: p99`,
        target: `<= ${TARGET_P99_MS} ms`,
        measured: `${ms(r.p99)} ms`,
        met: r.p99 <= TARGET_P99_MS,
        ...(r.p99 <= TARGET_P99_MS
          ? {}
          : { note: `${ms(r.p99 - TARGET_P99_MS)} ms over (${(r.p99 / TARGET_P99_MS).toFixed(1)} x the target)` }),
      }));
    const body = [
      `Data set: ${dataSet.customers.toLocaleString('en')} customers, ${dataSet.events.toLocaleString('en')} events, ` +
        `${dataSet.complaints.toLocaleString('en')} complaints (seed ${DATA_SET_SEED}), embedded stores. ` +
        `The server runs in a child process (LOG_LEVEL=warn); one keep-alive connection, requests one after the other ` +
        `(${warmup} warm-up requests per query, then ${requests} timed), latency measured by the client ` +
        `from writing the request to reading the last byte. Parameters vary per request: customers, segments and order, ` +
        `sort fields and status, year-long windows by month (half of them for one department), departments with and without status=open.`,
      '',
      table(
        ['query', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'mean ms', 'avg body bytes'],
        results.map((r) => [r.extra ? `${r.name} (no target)` : r.name, r.requests, ms(r.p50), ms(r.p99), ms(r.max), ms(r.mean), r.bytes]),
      ),
      '',
      'Complaint statistics of whole days without filters are read from day buckets the complaint-stats projection keeps, ' +
        'cached per month in the server and read again when the projection changes a month (so after the warm-up these requests ' +
        'read only the month versions; while complaints keep changing, only the changed months are read again). ' +
        'With a filter or a grouping they are computed from the per-complaint facts of both windows (the department row shows that path).',
    ].join('\n');
    return { body, targets };
  },
};
