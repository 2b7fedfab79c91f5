import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type RelataConfig } from '../../src/config/config';
import { createHttpApp } from '../../src/http-app';
import { ManualClock } from '../../src/shared/clock';
import { EVENT_STORE, type EventStore } from '../../src/shared/event-store/event-store.port';
import { type IdGenerator, SequentialIdGenerator } from '../../src/shared/ids';

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: unknown;
  /** The parsed body, read freely: its shape is what the test asserts. */
  json: Record<string, any>;
}

export interface TestApp {
  app: NestFastifyApplication;
  clock: ManualClock;
  eventStore: EventStore;
  dataDir: string;
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  /** Number of events in the whole log: tests assert that refused commands append nothing. */
  eventCount(): Promise<number>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Start on an existing data dir (a restart); the caller owns it, so close() leaves it in place. */
  dataDir?: string;
  /** Carry the clock across a restart. */
  clock?: ManualClock;
  ids?: IdGenerator;
}

/**
 * The real application on the embedded stores in a fresh temp data dir, with a manual clock and sequential ids.
 * The SLA scheduler's timer is off unless overridden: tests fire deadlines with its tick().
 * The webhook dispatcher's timer is off too: tests send due deliveries with its dispatchDue().
 */
export async function startTestApp(overrides: Partial<RelataConfig> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'relata-e2e-'));
  const config = { ...loadConfig({ RELATA_DATA_DIR: dataDir }), slaSchedulerEnabled: false, webhookDispatcherEnabled: false, ...overrides };
  const clock = options.clock ?? new ManualClock('2026-03-10T12:00:00.000Z');
  const app = await createHttpApp({ config, clock, ids: options.ids ?? new SequentialIdGenerator(), logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const eventStore = app.get<EventStore>(EVENT_STORE);

  return {
    app,
    clock,
    eventStore,
    dataDir,
    async request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> {
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      let parsed: unknown = undefined;
      try {
        parsed = response.body ? JSON.parse(response.body) : undefined;
      } catch {
        parsed = response.body;
      }
      return { status: response.statusCode, headers: response.headers, body: parsed, json: (parsed ?? {}) as TestResponse['json'] };
    },
    async eventCount() {
      let count = 0;
      let from = -1n;
      for (;;) {
        const page = await eventStore.readAll({ fromPosition: from, limit: 1000 });
        count += page.length;
        if (page.length < 1000) return count;
        from = page[page.length - 1].position;
      }
    },
    async close() {
      await app.close();
      if (ownsDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
