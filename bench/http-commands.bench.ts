import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Benchmark, type BenchContext, type BenchReport, table, type TargetCheck } from './bench-kit';
import { load, type LoadRequest, type LoadResult } from './write-path-autocannon';
import { type ChildServer, startChildServer } from './write-path-child';

/**
 * The command path over HTTP: the real app on embedded stores, split as in production into an
 * `api` process (RELATA_ROLE=api, measured) and a `worker` process (RELATA_ROLE=worker: the
 * projections), autocannon with 50 connections in this one. Two commands (register complaint,
 * record purchase), each measured with the event store writing and with the write switched off
 * (RELATA_BENCH_DISCARD_WRITES=1: same validation, loading and deciding, appends thrown away), the
 * minimal Nest + Fastify + class-validator + SQLite app (bench/minimal-nest-app.ts) for the same two
 * commands in the same run (issue 14.4: API CPU per request <= 2 x its), plus a bare Fastify
 * hello-world.
 *
 * WRITE_PATH_CPU_PROF=<dir> (optional) writes a V8 CPU profile of each server child there.
 */

const CONNECTIONS = 50;
const P99_TARGET_MS = 25;
const RATIO_TARGET = 0.8;
const CPU_VS_MINIMAL_TARGET = 2;
// Same shape as any API key (rk_ + 8 + _ + 32); only ever used on the benchmark's scratch data dir.
const ADMIN_KEY = 'rk_BenchAdm_B3nchB3nchB3nchB3nchB3nchB3nchB3';

interface Sizes {
  customers: number;
  warmupSeconds: number;
  seconds: number;
}

interface CaseResult extends LoadResult {
  name: string;
  /** Events the projections still had to process when the load stopped (write runs). */
  projectionLag?: number;
  /** Server CPU time per successful request (user + system, ms), when the OS tells. */
  cpuMsPerRequest?: number;
  /** The worker process's CPU time per successful request of the api (its projections), when there is one. */
  workerCpuMsPerRequest?: number;
}

export const benchmark: Benchmark = {
  name: 'http-commands',
  title: 'Command path over HTTP (50 connections)',
  async run(context: BenchContext): Promise<BenchReport> {
    const sizes: Sizes = context.quick
      ? { customers: 100, warmupSeconds: 1, seconds: 3 }
      : { customers: 1000, warmupSeconds: 2, seconds: 10 };
    const dataDir = path.join(context.workDir, 'http-commands-data');
    fs.mkdirSync(dataDir, { recursive: true });
    const profileDir = process.env.WRITE_PATH_CPU_PROF;
    const baseEnv = {
      RELATA_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      RELATA_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      RELATA_RATE_LIMIT_PER_MINUTE: '0',
    };
    const startApp = (env: Record<string, string>): Promise<ChildServer> =>
      startChildServer({ script: 'src/main', env: { ...baseEnv, ...env }, readyPath: '/health', cpuProfileDir: profileDir });

    const results: CaseResult[] = [];
    let agentKey = '';
    let customerIds: string[] = [];

    // 1. Writes on: a worker process (projections) and an api process; customers set up, then both commands.
    context.log('http-commands: starting the worker and the api (writes on)');
    const worker = await startApp({ RELATA_ROLE: 'worker' });
    let app: ChildServer | undefined;
    try {
      app = await startApp({ RELATA_ROLE: 'api' });
      agentKey = await createAgentKey(app.url);
      context.log(`http-commands: registering ${sizes.customers} customers`);
      customerIds = await registerCustomers(app.url, agentKey, sizes.customers);
      await waitForProjections(app.url);
      for (const command of commands(customerIds, agentKey)) {
        results.push(await measure(context, app, `${command.name}`, command.next, sizes, worker));
        results[results.length - 1].projectionLag = await projectionLag(app.url);
        await waitForProjections(app.url);
      }
    } finally {
      await app?.stop();
      await worker.stop();
    }

    // 2. The same api and data, the store write switched off (nothing to project: no worker).
    context.log('http-commands: starting the api (store write switched off)');
    app = await startApp({ RELATA_ROLE: 'api', RELATA_BENCH_DISCARD_WRITES: '1' });
    try {
      for (const command of commands(customerIds, agentKey)) {
        results.push(await measure(context, app, `${command.name} (no write)`, command.next, sizes));
      }
    } finally {
      await app.stop();
    }

    // 3. The floor for the same commands: the minimal Nest + Fastify + class-validator + SQLite app.
    context.log('http-commands: the minimal Nest app');
    const minimal = await startChildServer({
      script: 'bench/minimal-nest-app',
      env: { BENCH_MINIMAL_DB: path.join(context.workDir, 'minimal', 'minimal.sqlite') },
      readyPath: '/health',
    });
    try {
      for (const command of commands(customerIds, agentKey)) {
        results.push(await measure(context, minimal, `${command.name} (minimal app)`, command.next, sizes));
      }
    } finally {
      await minimal.stop();
    }

    // 4. The ceiling: a bare Fastify hello-world.
    context.log('http-commands: bare Fastify hello-world');
    const hello = await startChildServer({ script: 'bench/write-path-hello-server', env: {}, readyPath: '/' });
    try {
      results.push(await measure(context, hello, 'Fastify hello-world (GET)', () => ({ method: 'GET', path: '/', headers: {} }), sizes));
    } finally {
      await hello.stop();
    }

    return report(results, sizes);
  },
};

// ------------------------------------------------------------------------------------ workload

interface Command {
  name: string;
  next: (i: number) => LoadRequest;
}

function commands(customerIds: string[], agentKey: string): Command[] {
  const headers = { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' };
  const customer = (i: number): string => customerIds[i % customerIds.length];
  return [
    {
      name: 'register complaint',
      next: (i) => ({
        method: 'POST',
        path: '/complaints',
        headers,
        body: JSON.stringify({
          customerId: customer(i),
          channel: i % 2 === 0 ? 'email' : 'phone',
          category: 'delivery',
          product: `product-${i % 20}`,
          description: `Parcel ${i} arrived damaged`,
        }),
      }),
    },
    {
      name: 'record purchase',
      next: (i) => ({
        method: 'POST',
        path: `/customers/${customer(i)}/purchases`,
        headers,
        body: JSON.stringify({
          lines: [
            { product: `product-${i % 20}`, quantity: 1 + (i % 3), amount: 10 + (i % 90) },
            { product: 'shipping', quantity: 1, amount: 4.9 },
          ],
          margin: 3,
          currency: 'EUR',
        }),
      }),
    },
  ];
}

async function measure(
  context: BenchContext,
  server: ChildServer,
  name: string,
  next: (i: number) => LoadRequest,
  sizes: Sizes,
  worker?: ChildServer,
): Promise<CaseResult> {
  context.log(`http-commands: ${name}: warm-up ${sizes.warmupSeconds} s, then ${sizes.seconds} s`);
  await load(server.url, CONNECTIONS, sizes.warmupSeconds, next);
  const cpuBefore = server.cpuMs();
  const workerBefore = worker?.cpuMs();
  const result = await load(server.url, CONNECTIONS, sizes.seconds, next);
  const cpuAfter = server.cpuMs();
  const workerAfter = worker?.cpuMs();
  const succeeded = result.requestsPerSecond * sizes.seconds;
  const perRequest = (before: number | undefined, after: number | undefined): number | undefined =>
    before === undefined || after === undefined || succeeded === 0 ? undefined : (after - before) / succeeded;
  const cpuMsPerRequest = perRequest(cpuBefore, cpuAfter);
  const workerCpuMsPerRequest = perRequest(workerBefore, workerAfter);
  context.log(
    `http-commands: ${name}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}, errors ${result.errors}, server CPU ${cpuMsPerRequest?.toFixed(2) ?? '?'} ms/request${worker ? `, worker CPU ${workerCpuMsPerRequest?.toFixed(2) ?? '?'} ms/request` : ''}`,
  );
  return { name, ...result, cpuMsPerRequest, workerCpuMsPerRequest };
}

// ------------------------------------------------------------------------------------ set-up

async function call(url: string, key: string, method: string, pathName: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url + pathName, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${pathName} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function createAgentKey(url: string): Promise<string> {
  const created = await call(url, ADMIN_KEY, 'POST', '/admin/keys', { name: 'http-commands benchmark', roles: ['agent'] });
  return String(created.key);
}

async function registerCustomers(url: string, key: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  let nextIndex = 0;
  const worker = async (): Promise<void> => {
    while (nextIndex < count) {
      const i = nextIndex++;
      const created = await call(url, key, 'POST', '/customers', {
        kind: 'customer',
        name: `Bench Customer ${i} ${randomUUID().slice(0, 8)}`,
      });
      ids.push(String(created.id));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return ids;
}

async function projectionLag(url: string): Promise<number> {
  const status = await call(url, ADMIN_KEY, 'GET', '/projections');
  const projections = status.projections as { lagEvents: number }[];
  return Math.max(0, ...projections.map((p) => p.lagEvents));
}

/** Lets the projections finish the previous case's events, so that they do not load the next one. */
async function waitForProjections(url: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  while ((await projectionLag(url)) > 0) {
    if (Date.now() > deadline) throw new Error('the projections did not catch up within 5 minutes');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// ------------------------------------------------------------------------------------ report

function report(results: CaseResult[], sizes: Sizes): BenchReport {
  const byName = new Map(results.map((r) => [r.name, r]));
  const hello = byName.get('Fastify hello-world (GET)');
  const rows = results.map((r) => [
    r.name,
    r.requestsPerSecond.toFixed(0),
    r.p50Ms.toFixed(1),
    r.p99Ms.toFixed(1),
    r.non2xx,
    r.errors,
    hello ? `${((r.requestsPerSecond / hello.requestsPerSecond) * 100).toFixed(1)} %` : '-',
    r.cpuMsPerRequest === undefined ? '-' : r.cpuMsPerRequest.toFixed(2),
    r.workerCpuMsPerRequest === undefined ? '-' : r.workerCpuMsPerRequest.toFixed(2),
    r.projectionLag === undefined ? '-' : r.projectionLag,
  ]);
  const targets: TargetCheck[] = [];
  for (const name of ['register complaint', 'record purchase']) {
    const write = byName.get(name);
    const noWrite = byName.get(`${name} (no write)`);
    if (!write || !noWrite) continue;
    const ratio = write.requestsPerSecond / noWrite.requestsPerSecond;
    const failures = write.non2xx + write.errors;
    targets.push({
      name: `${name}: requests/s vs the same endpoint with the store write switched off`,
      target: `>= ${RATIO_TARGET} x`,
      measured: `${ratio.toFixed(2)} x (${write.requestsPerSecond.toFixed(0)} vs ${noWrite.requestsPerSecond.toFixed(0)} req/s)`,
      met: ratio >= RATIO_TARGET && failures === 0,
      note:
        failures > 0
          ? `${failures} requests failed (non-2xx or socket errors): the run does not count`
          : ratio < RATIO_TARGET
            ? `${((1 - ratio / RATIO_TARGET) * 100).toFixed(0)} % short: the SQLite commit and the live projections share the server's one event loop with the HTTP work`
            : undefined,
    });
    const minimal = byName.get(`${name} (minimal app)`);
    if (minimal?.cpuMsPerRequest !== undefined && write.cpuMsPerRequest !== undefined) {
      const cpuRatio = write.cpuMsPerRequest / minimal.cpuMsPerRequest;
      targets.push({
        name: `${name}: api CPU per request vs the minimal Nest app (projections in the worker process)`,
        target: `<= ${CPU_VS_MINIMAL_TARGET} x`,
        measured: `${cpuRatio.toFixed(1)} x (${write.cpuMsPerRequest.toFixed(2)} vs ${minimal.cpuMsPerRequest.toFixed(2)} ms)`,
        met: cpuRatio <= CPU_VS_MINIMAL_TARGET && failures === 0,
        note: cpuRatio <= CPU_VS_MINIMAL_TARGET ? undefined : `${(cpuRatio / CPU_VS_MINIMAL_TARGET).toFixed(1)} x the target`,
      });
    }
    targets.push({
      name: `${name}: p99 latency at ${CONNECTIONS} connections`,
      target: `<= ${P99_TARGET_MS} ms`,
      measured: `${write.p99Ms.toFixed(1)} ms`,
      met: write.p99Ms <= P99_TARGET_MS,
      note: write.p99Ms <= P99_TARGET_MS ? undefined : `${(write.p99Ms - P99_TARGET_MS).toFixed(1)} ms over`,
    });
  }
  const body = [
    `The real app (src/main) on embedded stores, as an api process (RELATA_ROLE=api, whose CPU is "server CPU") next to a worker process (RELATA_ROLE=worker: the projections, whose CPU is "worker CPU"), fresh data dir, ${sizes.customers} customers set up first; autocannon in the benchmark's process, ${CONNECTIONS} connections, ${sizes.warmupSeconds} s warm-up then ${sizes.seconds} s per case. Requests/s counts 2xx answers only. "no write": the same app with RELATA_BENCH_DISCARD_WRITES=1 (validation, stream loading, deciding, hashing and encryption as usual; the append stores nothing, so the projections have nothing to do). The projections run in the worker process and consume the new events live; "projection lag" is how many events they still had to process when the load stopped. "minimal app": bench/minimal-nest-app.ts (Nest 12 + Fastify + class-validator DTOs, one SQLite row appended per request, no auth), in the same run.`,
    '',
    table(
      [
        'case',
        'requests/s',
        'p50 ms',
        'p99 ms',
        'non-2xx',
        'errors',
        'vs hello-world',
        'server CPU ms/request',
        'worker CPU ms/request',
        'projection lag',
      ],
      rows,
    ),
  ].join('\n');
  return { body, targets };
}
