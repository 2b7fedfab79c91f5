import { type ChildServer, childCaller, leaseServersOnFreshDir, pollUntil } from '../support/child-server';

/**
 * Two real server processes on one data dir (embedded stores), the worker lease on a short TTL.
 * What shows that a projection never ran in both: the non-holder reports every projection
 * "stopped" (its runner is not running) whenever it is polled, the lease token moves by exactly one
 * at the takeover, checkpoints never move back, and each command is applied once.
 */
jest.setTimeout(120_000);

interface ProjectionsBody {
  projections: Array<{ name: string; state: string; position: string | null }>;
  lease: { enabled: boolean; active: boolean; owner: string; holder: string | null; token: number | null };
}

const call = childCaller('lease-test', ['admin', 'agent', 'analyst', 'supervisor']);

async function projections(server: ChildServer): Promise<ProjectionsBody> {
  const response = await call(server, 'GET', '/projections');
  expect(response.status).toBe(200);
  return response.json as unknown as ProjectionsBody;
}

const until = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => pollUntil(what, probe, 30_000);

describe('worker lease across two processes on one data dir', () => {
  const ctx = leaseServersOnFreshDir('relata-lease-2p-', 'all', 1000);

  it('runs the projections in exactly one process, and in the other once the holder is killed', async () => {
    // A TTL far longer than the test: on a loaded machine a short one could lapse between renewals
    // and move the lease mid-test. The takeover after the crash comes from the dead holder's pid
    // (same host), which is what is tested; waiting out the TTL would take longer than until() allows.
    await Promise.all([ctx.start(), ctx.start()]);

    // Exactly one holds the lease; the other's runner is not running.
    const [holder, other] = await until('one holder', async () => {
      const [a, b] = await Promise.all(ctx.servers.map(projections));
      if (a.lease.active === b.lease.active) return undefined;
      return a.lease.active ? [ctx.servers[0], ctx.servers[1]] : [ctx.servers[1], ctx.servers[0]];
    });
    const before = await projections(holder);
    expect(before.lease).toMatchObject({ enabled: true, active: true });
    expect(before.lease.holder).toBe(before.lease.owner);
    const tokenBefore = before.lease.token as number;

    const assertSingleRunner = async (): Promise<void> => {
      const [h, o] = await Promise.all([projections(holder), projections(other)]);
      expect(h.lease.active && o.lease.active).toBe(false);
      expect(o.projections.every((p) => p.state === 'stopped')).toBe(true);
      expect(h.projections.some((p) => p.state === 'stopped')).toBe(false);
      expect(o.lease.holder).toBe(h.lease.owner);
    };

    // Commands to both processes; each is readable on both (read-your-writes on the shared checkpoint).
    const ids: string[] = [];
    for (const [index, target] of [holder, other, other, holder].entries()) {
      const created = await call(target, 'POST', '/customers', {
        name: `Customer ${index}`,
        email: `c${index}@example.com`,
        kind: 'prospect',
        acquisitionChannel: 'web',
      });
      expect(created.status).toBe(201);
      ids.push(created.json.id as string);
      for (const reader of [holder, other]) {
        const read = await call(reader, 'GET', `/customers/${created.json.id as string}?minPosition=${created.json.position as string}`);
        expect(read.status).toBe(200);
      }
      await assertSingleRunner();
    }
    const checkpointsBefore = new Map(
      (await projections(holder)).projections.map((p) => [p.name, p.position === null ? -1n : BigInt(p.position)]),
    );

    // The holder crashes; the other takes over at its next renewal tick, seeing the dead pid.
    await holder.kill('SIGKILL');
    ctx.servers = [other];
    const after = await until('the takeover', async () => {
      const status = await projections(other);
      return status.lease.active ? status : undefined;
    });
    expect(after.lease.token).toBe(tokenBefore + 1);
    expect(after.lease.holder).toBe(after.lease.owner);

    // The survivor's projections catch up: a command sent to it is readable with its position.
    const created = await call(other, 'POST', '/customers', {
      name: 'After takeover',
      email: 'after@example.com',
      kind: 'prospect',
      acquisitionChannel: 'web',
    });
    expect(created.status).toBe(201);
    ids.push(created.json.id as string);
    const read = await call(other, 'GET', `/customers/${created.json.id as string}?minPosition=${created.json.position as string}`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ name: 'After takeover' });

    // Checkpoints never moved back; every projection runs (none stopped) in the survivor.
    const final = await projections(other);
    for (const projection of final.projections) {
      expect(projection.state).not.toBe('stopped');
      const position = projection.position === null ? -1n : BigInt(projection.position);
      expect(position >= (checkpointsBefore.get(projection.name) ?? -1n)).toBe(true);
    }
    // Each customer is in the list once: no command was applied twice.
    const list = await call(other, 'GET', `/customers?limit=100&minPosition=${created.json.position as string}`);
    expect(list.status).toBe(200);
    const listed = (list.json.items as Array<{ id: string }>).map((item) => item.id).sort();
    expect(listed).toEqual([...ids].sort());
  });
});
