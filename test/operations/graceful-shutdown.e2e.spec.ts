import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { ALL_PROJECTIONS } from '../../src/all-projections';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { PROJECTIONS_META_COLLECTION, type ProjectionMetaDocument } from '../../src/shared/projections/projection-runner';
import { EmbeddedReadStore } from '../../src/shared/read-store/embedded-read-store';
import { type ChildServer, startChildServer } from '../support/child-server';
import { TEST_ADMIN_KEY } from '../support/test-app';

jest.setTimeout(120_000);

/** Polls until check() holds, at most timeoutMs. */
async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A POST whose body is sent in two parts: the request is in flight until finish() is called.
 * It asks for `100 Continue`, which Node's HTTP server sends right when it has parsed the headers
 * and hands the request to Fastify, so `accepted` resolves only once the server is handling it:
 * a signal sent after that meets a request in flight, never one still in the socket's buffer.
 */
function slowPost(url: string, pathName: string, body: string, headers: Record<string, string>) {
  const payload = Buffer.from(body);
  const half = Math.floor(payload.length / 2);
  let resolveResponse!: (value: { status: number; body: string }) => void;
  let rejectResponse!: (error: Error) => void;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    resolveResponse = resolve;
    rejectResponse = reject;
  });
  const request = http.request(`${url}${pathName}`, {
    method: 'POST',
    agent: false,
    headers: { ...headers, expect: '100-continue', 'content-type': 'application/json', 'content-length': String(payload.length) },
  });
  const accepted = new Promise<void>((resolve, reject) => {
    request.once('continue', () => {
      request.write(payload.subarray(0, half));
      resolve();
    });
    request.once('error', reject);
  });
  request.on('response', (res) => {
    let text = '';
    res.on('data', (chunk: Buffer) => (text += chunk.toString()));
    res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body: text }));
  });
  request.on('error', rejectResponse);
  request.flushHeaders();
  return {
    accepted,
    response,
    finish: () => request.end(payload.subarray(half)),
  };
}

describe('graceful shutdown (real server in a child process)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-shutdown-'));
  const env = { LOG_LEVEL: 'info', RELATA_SLA_SCHEDULER: 'off', RELATA_WEBHOOKS: 'off', RELATA_SEGMENTATION_SCHEDULER: 'off' };
  const children: ChildServer[] = [];

  afterAll(async () => {
    for (const child of children) await child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('on SIGTERM finishes the request in flight, stores the checkpoints at the head, and exits 0', async () => {
    const server = await startChildServer({ dataDir, env });
    children.push(server);
    const created = await fetch(`${server.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'agent', roles: ['agent'] }),
    });
    expect(created.status).toBe(201);
    const agentKey = ((await created.json()) as { key: string }).key;
    const auth = { authorization: `Bearer ${agentKey}` };
    for (const name of ['First Customer', 'Second Customer']) {
      const response = await fetch(`${server.url}/customers`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name, kind: 'customer' }),
      });
      expect(response.status).toBe(201);
    }

    const slow = slowPost(
      server.url,
      '/customers',
      JSON.stringify({ name: 'Slow Customer', kind: 'prospect', acquisitionChannel: 'web' }),
      {
        ...auth,
        'x-correlation-id': 'slow-1',
      },
    );
    // The server has parsed the slow request's headers and routed it before the signal is sent.
    await slow.accepted;

    server.process.kill('SIGTERM');
    await until(() => server.output().includes('SIGTERM received'), 20_000, 'the shutdown to begin');
    // The server no longer accepts connections...
    await until(
      () =>
        fetch(`${server.url}/health`).then(
          () => false,
          () => true,
        ),
      20_000,
      'the listener to close',
    );
    // ...but the request in flight completes.
    slow.finish();
    const answered = await slow.response;
    expect(answered.status).toBe(201);
    const slowId = (JSON.parse(answered.body) as { id: string }).id;

    expect(await server.exited).toEqual({ code: 0, signal: null });
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '');
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ log: 'access', correlationId: 'slow-1', method: 'POST', route: '/customers', status: 201 }),
    );

    // Every projection's stored checkpoint is the log's head: the next start re-applies nothing.
    const events = new SqliteEventStore({ filename: path.join(dataDir, 'events.sqlite') });
    const readStore = new EmbeddedReadStore({ filename: path.join(dataDir, 'read-store.sqlite') });
    try {
      const head = (await events.headPosition()).toString();
      const metas: ProjectionMetaDocument[] = [];
      for await (const meta of readStore.collection<ProjectionMetaDocument>(PROJECTIONS_META_COLLECTION).findAll({})) metas.push(meta);
      expect(metas.map((meta) => meta._id).sort()).toEqual(ALL_PROJECTIONS.map((p) => p.name).sort());
      for (const meta of metas) expect({ projection: meta._id, position: meta.position }).toEqual({ projection: meta._id, position: head });
    } finally {
      await events.close();
      await readStore.close();
    }

    // After a restart the slow request's customer is there, and the server is ready.
    const restarted = await startChildServer({ dataDir, env });
    children.push(restarted);
    await until(async () => (await fetch(`${restarted.url}/ready`)).status === 200, 40_000, 'readiness after restart');
    const profile = await fetch(`${restarted.url}/customers/${slowId}`, { headers: auth });
    expect(profile.status).toBe(200);
    expect(((await profile.json()) as { name: string }).name).toBe('Slow Customer');
    expect(await restarted.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
