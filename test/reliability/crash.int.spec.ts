import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROLES } from '../../src/access/roles';
import { projectionsVerifyMain } from '../../src/cli/projections-verify';
import { loadConfig } from '../../src/config/config';
import type { RecordedEvent } from '../../src/shared/event-store/event-store.port';
import { deterministicUuid } from '../../src/shared/ids';
import { createStoredEventStore } from '../../src/shared/stores';
import { type ChildServer, startChildServer } from '../support/child-server';
import { dropTestStores, testStoreEnv } from '../support/test-stores';
import { signHs256 } from '../support/jwt';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from '../support/test-app';
import { START } from '../../src/shared/event-store/position';

/**
 * Crash: the real server in a child process takes a load of commands with Idempotency-Keys and is
 * killed with SIGKILL in the middle of it. After a restart on the same data dir:
 * - every command that got a 2xx has its events in the log exactly once;
 * - retrying every command that was sent, with its key, answers Idempotent-Replayed (for the ones
 *   that had succeeded) or a fresh success, and never appends a command's events twice;
 * - the read models the restarted server built equal a full rebuild from the log
 *   (the `npm run projections:verify` check), right after recovery and after the retries.
 */

/** Customers registered, each followed by PURCHASES purchases: (1 + PURCHASES) * CUSTOMERS commands. */
const CUSTOMERS = 60;
const PURCHASES = 3;
const CONCURRENCY = 8;
/** The kill comes once this share of all commands has been answered. */
const KILL_AFTER = Math.floor((1 + PURCHASES) * CUSTOMERS * 0.4);

interface SentCommand {
  key: string;
  /** The command after which this one was sent (a purchase needs its customer registered first). */
  after?: string;
  path: () => string;
  body: Record<string, unknown>;
  /** HTTP status of the first attempt; undefined when the connection died with the server. */
  status?: number;
  customerId?: string;
}

const causationOf = (key: string): string => deterministicUuid(`command:${key}`);

describe('crash: kill -9 under load, restart on the same data dir', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-crash-'));
  const env = {
    RELATA_JWT_SECRET: TEST_JWT_SECRET,
    RELATA_RATE_LIMIT_PER_MINUTE: '1000000',
    RELATA_SLA_SCHEDULER: 'off',
    RELATA_WEBHOOKS: 'off',
    ...testStoreEnv(dataDir),
  };
  const token = signHs256({ sub: 'crash-test', exp: 4102444800, roles: [...ROLES, 'pii'] }, TEST_JWT_SECRET);
  let server: ChildServer | undefined;

  afterAll(async () => {
    await server?.kill('SIGKILL');
    await dropTestStores(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function send(base: string, command: SentCommand): Promise<{ status: number; body: Record<string, unknown>; replayed: boolean }> {
    const response = await fetch(`${base}${command.path()}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': command.key },
      body: JSON.stringify(command.body),
    });
    const body = (await response.json()) as Record<string, unknown>;
    return { status: response.status, body, replayed: response.headers.get('idempotent-replayed') === 'true' };
  }

  /** Every event of the log, read from the data dir (the stored form: ids and metadata are what is checked). */
  async function readLog(): Promise<RecordedEvent[]> {
    const store = createStoredEventStore(loadConfig({ RELATA_DATA_DIR: dataDir, ...testStoreEnv(dataDir) }));
    try {
      const events: RecordedEvent[] = [];
      for (let from = START; ;) {
        const page = await store.readAll({ fromPosition: from, limit: 1000 });
        events.push(...page);
        if (page.length < 1000) return events;
        from = page[page.length - 1].position;
      }
    } finally {
      await store.close();
    }
  }

  /** Asserts each key's events appear exactly once (no type twice for one command), and returns them by key. */
  function eventsByKey(log: RecordedEvent[], commands: SentCommand[]): Map<string, RecordedEvent[]> {
    expect(new Set(log.map((e) => e.id)).size).toBe(log.length);
    const byCausation = new Map<string, RecordedEvent[]>();
    for (const event of log) {
      const causation = String(event.metadata.causationId);
      byCausation.set(causation, [...(byCausation.get(causation) ?? []), event]);
    }
    const out = new Map<string, RecordedEvent[]>();
    for (const command of commands) {
      const events = byCausation.get(causationOf(command.key)) ?? [];
      const types = events.map((e) => e.type);
      expect({ key: command.key, types: [...new Set(types)].sort() }).toEqual({ key: command.key, types: [...types].sort() });
      out.set(command.key, events);
    }
    return out;
  }

  async function waitCaughtUp(base: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await fetch(`${base}/projections`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
      const projections = ((await response.json()) as { projections: { lagEvents: number; state: string }[] }).projections;
      if (projections.every((p) => p.lagEvents === 0 && p.state === 'live')) return;
      if (Date.now() > deadline) throw new Error(`projections did not catch up: ${JSON.stringify(projections)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function verifyReadModels(): Promise<void> {
    const lines: string[] = [];
    const code = await projectionsVerifyMain(
      [],
      { out: (text) => lines.push(text), err: (text) => lines.push(text) },
      { RELATA_DATA_DIR: dataDir, ...testStoreEnv(dataDir) },
    );
    expect({ code, report: lines.join('\n') }).toEqual({
      code: 0,
      report: expect.stringContaining('Every read model verified matches a rebuild from the log.'),
    });
  }

  it('keeps every acknowledged command exactly once, replays retries, and rebuilds equal read models', async () => {
    server = await startChildServer({ dataDir, env });
    const first = server;

    // The load: workers take customers in turn; each registers its customer, then records its purchases.
    const commands: SentCommand[] = [];
    let answered = 0;
    let killed: Promise<unknown> | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (killed === undefined && next < CUSTOMERS) {
        const i = next++;
        const register: SentCommand = {
          key: `crash-register-${i}`,
          path: () => '/customers',
          body: { name: `Customer ${i}`, kind: 'customer' },
        };
        const sequence: SentCommand[] = [register];
        for (let j = 0; j < PURCHASES; j++) {
          sequence.push({
            key: `crash-purchase-${i}-${j}`,
            after: register.key,
            path: () => `/customers/${register.customerId}/purchases`,
            body: { purchaseId: `inv-${i}-${j}`, lines: [{ product: `product-${j}`, quantity: 1 + j, amount: 10 * (i + 1) + j }] },
          });
        }
        for (const command of sequence) {
          if (killed !== undefined) return;
          commands.push(command);
          try {
            const result = await send(first.url, command);
            command.status = result.status;
            if (command === register && result.status === 201) register.customerId = String(result.body.id);
          } catch {
            return; // the server died with this request in flight: its outcome is unknown
          }
          if (command.status !== 201) throw new Error(`${command.key} answered ${command.status}`);
          answered += 1;
          if (answered >= KILL_AFTER && killed === undefined) killed = first.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(killed).toBeDefined();
    expect(await killed).toMatchObject({ signal: 'SIGKILL' });

    const acknowledged = commands.filter((c) => c.status !== undefined && c.status >= 200 && c.status < 300);
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);

    // Restart on the same data dir: the log holds every acknowledged command exactly once.
    server = await startChildServer({ dataDir, env });
    const second = server;
    const recovered = eventsByKey(await readLog(), commands);
    for (const command of acknowledged)
      expect({ key: command.key, events: recovered.get(command.key)?.length ?? 0 }).toEqual({ key: command.key, events: 1 });

    // The recovered read models equal a rebuild from the log.
    await waitCaughtUp(second.url);
    await verifyReadModels();

    // Retry every command that was sent (registrations first: purchases need their customer).
    const ordered = [...commands.filter((c) => c.after === undefined), ...commands.filter((c) => c.after !== undefined)];
    for (const command of ordered) {
      const register = commands.find((c) => c.key === command.after);
      const retried = await send(second.url, command);
      expect({ key: command.key, status: retried.status }).toEqual({ key: command.key, status: 201 });
      if (command.after === undefined) command.customerId = String(retried.body.id);
      else if (register) expect(command.path()).toBe(`/customers/${register.customerId}/purchases`);
      // A command the server had acknowledged is recognised as done.
      if (acknowledged.includes(command))
        expect({ key: command.key, replayed: retried.replayed }).toEqual({ key: command.key, replayed: true });
    }

    // After the retries every sent command is in the log exactly once, and the read models still verify.
    const final = eventsByKey(await readLog(), commands);
    for (const command of commands)
      expect({ key: command.key, events: final.get(command.key)?.length ?? 0 }).toEqual({ key: command.key, events: 1 });
    await waitCaughtUp(second.url);
    expect(await second.kill('SIGTERM')).toMatchObject({ code: 0 });
    server = undefined;
    await verifyReadModels();
  }, 120_000);
});
