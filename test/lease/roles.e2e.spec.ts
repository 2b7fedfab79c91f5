import { type ChildServer, childCaller, leaseServersOnFreshDir, pollUntil } from '../support/child-server';

/**
 * RELATA_ROLE through real server processes on one data dir: an `api` process that never projects
 * next to a `worker` process that does, and `all`, whose projections run in a worker thread.
 * Where the projections run is read from the processes themselves (/metrics, /ready), never inferred
 * from timings.
 */
jest.setTimeout(180_000);

const call = childCaller('roles-test', ['admin', 'agent', 'analyst', 'supervisor']);

/** One sample of a metric without labels, or of the first series whose labels contain `labels`. */
async function metric(server: ChildServer, name: string, labels = ''): Promise<number | undefined> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels === '' ? ' ' : '{'}`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const until = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => pollUntil(what, probe, 60_000);

function newCustomer(name: string) {
  return { name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`, kind: 'prospect', acquisitionChannel: 'web' };
}

describe('RELATA_ROLE', () => {
  // A lease TTL far longer than the test (leaseServerEnv): the api sees the killed worker's pid is gone (same host), not an expiry.
  const ctx = leaseServersOnFreshDir('relata-roles-', 'each', 500);

  it('an api process reads its own writes from the projections of a worker process, and reports unready once the worker is gone', async () => {
    const worker = await ctx.start({ RELATA_ROLE: 'worker' });
    const api = await ctx.start({ RELATA_ROLE: 'api', RELATA_READY_MAX_LAG_EVENTS: '0', RELATA_CONSISTENCY_TIMEOUT_MS: '1000' });

    // The worker answers the probes and metrics only.
    const refused = await call(worker, 'POST', '/customers', newCustomer('Not Here'));
    expect(refused.status).toBe(404);
    expect(refused.json.code).toBe('WORKER_ROLE');
    // The projections run in the worker (on its main thread), never in the api.
    expect(await metric(worker, 'relata_projections_thread_id')).toBe(0);
    expect(await metric(api, 'relata_projections_thread_id')).toBe(-1);
    const projections = await call(api, 'GET', '/projections');
    expect(projections.json.lease).toMatchObject({ active: false, passive: true });
    expect((projections.json.projections as Array<{ state: string }>).every((p) => p.state === 'stopped')).toBe(true);

    // Read-your-writes on the api: it waits for the checkpoint the worker commits.
    const created = await call(api, 'POST', '/customers', newCustomer('Ada Api'));
    expect(created.status).toBe(201);
    const read = await call(api, 'GET', `/customers/${created.json.id as string}?minPosition=${created.json.position as string}`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ name: 'Ada Api' });
    await until('the api ready with its worker alive', async () => ((await fetch(`${api.url}/ready`)).status === 200 ? true : undefined));

    // The worker crashes: commands are still taken, but nothing projects them.
    await worker.kill('SIGKILL');
    const unprojected = await call(api, 'POST', '/customers', newCustomer('Bob Behind'));
    expect(unprojected.status).toBe(201);
    const notYet = await call(api, 'GET', `/customers/${unprojected.json.id as string}?minPosition=${unprojected.json.position as string}`);
    expect(notYet.status).toBe(503);
    expect(notYet.json.code).toBe('READ_MODEL_NOT_CAUGHT_UP');
    const unready = await until('the api unready', async () => {
      const response = await fetch(`${api.url}/ready`);
      const body = (await response.json()) as { error?: Record<string, { status: string }> };
      return response.status === 503 && body.error?.worker?.status === 'down' ? body : undefined;
    });
    expect(unready.error?.projections?.status).toBe('down');
    expect(await metric(api, 'relata_worker_alive', 'role="api"')).toBe(0);

    // A new worker takes over and catches up: the api's read succeeds.
    await ctx.start({ RELATA_ROLE: 'worker' });
    const caughtUp = await until('the read after the new worker caught up', async () => {
      const reply = await call(
        api,
        'GET',
        `/customers/${unprojected.json.id as string}?minPosition=${unprojected.json.position as string}`,
      );
      return reply.status === 200 ? reply : undefined;
    });
    expect(caughtUp.json).toMatchObject({ name: 'Bob Behind' });
  });

  it('all runs the projections in a worker thread, not on the thread that serves HTTP', async () => {
    const server = await ctx.start();

    const threadId = await until('the projector thread holding the lease', async () => {
      const id = await metric(server, 'relata_projections_thread_id');
      return id !== undefined && id > 0 ? id : undefined;
    });
    // threadId 0 is the main thread, the one serving this very request.
    expect(threadId).toBeGreaterThan(0);
    const ready = (await (await fetch(`${server.url}/ready`)).json()) as { info: { worker: { placement: string; threadId: number } } };
    expect(ready.info.worker).toMatchObject({ placement: 'thread', threadId });
    const status = await call(server, 'GET', '/projections');
    expect(status.json.lease).toMatchObject({ active: true });
    expect((status.json.projections as Array<{ state: string }>).some((p) => p.state === 'stopped')).toBe(false);

    const created = await call(server, 'POST', '/customers', newCustomer('Tess Thread'));
    expect(created.status).toBe(201);
    const read = await call(server, 'GET', `/customers/${created.json.id as string}?minPosition=${created.json.position as string}`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ name: 'Tess Thread' });

    // A rebuild asked over HTTP is run by the thread and switches readers over.
    const rebuild = await call(server, 'POST', '/projections/customer-profile/rebuild');
    expect(rebuild.status).toBe(202);
    await until('the rebuilt generation', async () => {
      const projections = (await call(server, 'GET', '/projections')).json.projections as Array<{
        name: string;
        generation: number;
        state: string;
      }>;
      const profile = projections.find((p) => p.name === 'customer-profile');
      return profile !== undefined && profile.generation > 1 && profile.state === 'live' ? profile : undefined;
    });

    // SIGTERM: HTTP closes, the thread drains and releases the lease, the process exits 0.
    expect(await server.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    ctx.servers = [];
  });
});
