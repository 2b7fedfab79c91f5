import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultSeedFiles, defaultSharedDataDir, seed } from '../../src/cli/seed';
import { loadConfig } from '../../src/config/config';
import { captureIo } from '../cli/cli-capture';
import { type ChildServer, startChildServer } from '../support/child-server';
import { signHs256 } from '../support/jwt';
import { TEST_JWT_SECRET } from '../support/test-app';

/**
 * `relata projections rebuild NAME` run while a server runs the projections (it holds the worker
 * lease) and a second server on the same data dir follows it, both answering a steady stream of
 * reads: the rebuild is handed to the holder, every read on either server keeps answering (never a
 * 5xx) with the same content, and the projection's readers end up on the new generation.
 */
jest.setTimeout(900_000);

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const token = signHs256(
  { sub: 'rebuild-test', roles: ['admin', 'agent', 'analyst', 'supervisor', 'auditor'], pii: true, exp: 4102444800 },
  TEST_JWT_SECRET,
);
const env = {
  RELATA_JWT_SECRET: TEST_JWT_SECRET,
  RELATA_LEASE_TTL_MS: '3000',
  RELATA_LEASE_RENEW_MS: '500',
  RELATA_RATE_LIMIT_PER_MINUTE: '1000000',
};

/** Routes whose answers come from the read models of every feature (ids filled in once seeded). */
const READ_ROUTES = [
  '/customers?limit=100',
  '/complaints?limit=100',
  '/solutions?limit=100',
  '/departments',
  '/analytics/lifetime-value?limit=100',
  '/analytics/segments',
  '/analytics/segments/transitions?from=1997-01-01T00:00:00.000Z&to=1998-07-02T00:00:00.000Z',
  '/analytics/complaints?from=2000-01-01T00:00:00.000Z&to=2030-01-01T00:00:00.000Z',
  '/analytics/clv/model',
  '/audit/feed?limit=100',
];

interface ProjectionsBody {
  projections: Array<{ name: string; generation: number; state: string }>;
  lease: { active: boolean };
}

async function get(server: ChildServer, url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${server.url}${url}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.text() };
}

async function projections(server: ChildServer): Promise<ProjectionsBody> {
  const response = await get(server, '/projections');
  expect(response.status).toBe(200);
  return JSON.parse(response.body) as ProjectionsBody;
}

/** Runs the CLI as its own process: resolves to its exit code and output. */
function relataCli(args: string[], dataDir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['-r', path.join(REPO_ROOT, 'test/support/ts-register.js'), path.join(REPO_ROOT, 'src/cli/relata.ts'), ...args],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', RELATA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

/** Reads the routes round-robin until stopped; collects every answer that is not a 200. */
function readLoad(server: ChildServer, routes: readonly string[]): { stop(): Promise<{ requests: number; failures: string[] }> } {
  let running = true;
  let requests = 0;
  const failures: string[] = [];
  const loop = async (offset: number): Promise<void> => {
    for (let i = offset; running; i += 1) {
      const route = routes[i % routes.length];
      const { status, body } = await get(server, route);
      requests += 1;
      if (status !== 200) failures.push(`${route}: ${status} ${body.slice(0, 300)}`);
    }
  };
  const loops = [loop(0), loop(3)];
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { requests, failures };
    },
  };
}

describe('relata projections rebuild while a server runs the projections', () => {
  let dataDir: string;
  let servers: ChildServer[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-cli-rebuild-'));
    const files = defaultSeedFiles(defaultSharedDataDir()).map((file) => ({ ...file, limit: file.kind === 'cfpb' ? 40 : 600 }));
    await seed({ config: loadConfig({ RELATA_DATA_DIR: dataDir }), files, io: captureIo() });
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill('SIGKILL')));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('hands each rebuild to the server, which switches its readers over without a failed read', async () => {
    servers = await Promise.all([
      startChildServer({ dataDir, env, readyTimeoutMs: 120_000 }),
      startChildServer({ dataDir, env, readyTimeoutMs: 120_000 }),
    ]);
    const leases = await Promise.all(servers.map(async (server) => (await projections(server)).lease.active));
    expect(leases.filter(Boolean)).toHaveLength(1);
    const running = servers[leases.indexOf(true)];
    const follower = servers[leases.indexOf(false)];
    const before = await projections(running);
    const customers = JSON.parse((await get(running, '/customers?limit=1')).body) as { items: Array<{ id: string }> };
    expect(customers.items.length).toBe(1);
    const routes = [...READ_ROUTES, `/customers/${customers.items[0].id}`, `/analytics/customers/${customers.items[0].id}/value`];
    const baseline = new Map<string, string>();
    for (const route of routes) {
      const answer = await get(running, route);
      expect({ route, status: answer.status, body: answer.status === 200 ? '' : answer.body }).toEqual({ route, status: 200, body: '' });
      baseline.set(route, answer.body);
    }

    const loads = [readLoad(running, routes), readLoad(follower, routes)];
    const generations = new Map(before.projections.map((projection) => [projection.name, projection.generation]));
    try {
      for (const { name } of before.projections) {
        const cli = await relataCli(['projections', 'rebuild', name, '--quiet'], dataDir);
        expect({ name, code: cli.code, output: cli.output }).toEqual({
          name,
          code: 0,
          output: expect.stringContaining('The projections run in'),
        });
        // The server's own readers read the new generation as soon as the command returns.
        const after = (await projections(running)).projections.find((projection) => projection.name === name);
        expect({ name, generation: after?.generation }).toEqual({ name, generation: (generations.get(name) ?? 0) + 1 });
      }
    } finally {
      for (const load of loads) {
        const { requests, failures } = await load.stop();
        expect(failures).toEqual([]);
        expect(requests).toBeGreaterThan(routes.length);
      }
    }
    // Rebuilt from the same log: the same answers, from both servers.
    for (const server of [running, follower]) {
      for (const route of routes) {
        const answer = await get(server, route);
        expect({ route, status: answer.status, body: answer.body }).toEqual({ route, status: 200, body: baseline.get(route) });
      }
    }
  });
});
