import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ROLES } from '../../src/access/roles';
import { loadConfig, type RelataConfig } from '../../src/config/config';
import { createHttpApp } from '../../src/http-app';
import { ManualClock } from '../../src/shared/clock';
import { EVENT_STORE, type EventStore } from '../../src/shared/event-store/event-store.port';
import { type IdGenerator, SequentialIdGenerator } from '../../src/shared/ids';
import { signHs256 } from './jwt';
import { dropTestStores, testStoreEnv } from './test-stores';
import { START } from '../../src/shared/event-store/position';

/** The admin API key every test app is bootstrapped with (RELATA_BOOTSTRAP_ADMIN_KEY). */
export const TEST_ADMIN_KEY = 'rk_TestAdmn_T3stT3stT3stT3stT3stT3stT3stT3st';
/** The HS256 secret test apps verify JWTs with (RELATA_JWT_SECRET). */
export const TEST_JWT_SECRET = 'relata-test-jwt-secret-0123456789abcdef';
/**
 * The subject of the credential t.request sends by default: a JWT with every role and pii; tests of
 * access control pass their own credentials. (Not "anonymous": that subject is reserved.)
 */
export const TEST_SUBJECT = 'test-user';

export interface TestRequestOptions {
  /** false: send no credentials; a string: send it as the bearer token. Default: the test principal (or an explicit Authorization header). */
  auth?: false | string;
}

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
  /** Sends the test principal's credentials unless headers hold an Authorization or options say otherwise. */
  request(
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
    options?: TestRequestOptions,
  ): Promise<TestResponse>;
  /** The bootstrap admin key (role admin only). */
  adminKey: string;
  /** An HS256 JWT signed with the test secret: `exp` defaults to far in the future. */
  jwt(claims: Record<string, unknown>): string;
  /** Creates an API key through POST /admin/keys and returns its id and key. */
  createKey(roles: string[], extra?: { pii?: boolean; expiresAt?: string; name?: string }): Promise<{ id: string; key: string }>;
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
 * The real application in a fresh temp data dir, with a manual clock and sequential ids, on the
 * embedded stores, or on EventStoreDB and MongoDB when EVENTSTORE_URL / MONGODB_URL are set (see
 * test-stores.ts: a stream prefix and a database of its own, kept across a restart on the same dir).
 * The SLA scheduler's timer is off unless overridden: tests fire deadlines with its tick().
 * The webhook dispatcher's timer is off too: tests send due deliveries with its dispatchDue().
 */
export async function startTestApp(overrides: Partial<RelataConfig> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'relata-e2e-'));
  const config: RelataConfig = {
    ...loadConfig({ RELATA_DATA_DIR: dataDir, ...testStoreEnv(dataDir) }),
    slaSchedulerEnabled: false,
    webhookDispatcherEnabled: false,
    bootstrapAdminKey: TEST_ADMIN_KEY,
    jwt: { algorithm: 'HS256', key: TEST_JWT_SECRET, issuer: null, audience: null, rolesClaim: 'roles' },
    // High enough never to limit a test that does not ask for a limit.
    rateLimitPerMinute: 1_000_000,
    authFailuresPerMinute: 1_000_000,
    // Test receivers listen on loopback (and tests never send anywhere else).
    webhookNetworks: { allow: ['127.0.0.0/8', '::1'], deny: [] },
    ...overrides,
  };
  const clock = options.clock ?? new ManualClock('2026-03-10T12:00:00.000Z');
  const app = await createHttpApp({ config, clock, ids: options.ids ?? new SequentialIdGenerator(), logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const eventStore = app.get<EventStore>(EVENT_STORE);

  const jwt = (claims: Record<string, unknown>): string => signHs256({ exp: 4102444800, ...claims }, TEST_JWT_SECRET);
  // With the test JWT secret, the all-roles test principal; otherwise (a test configured JWTs its own way) the admin key.
  const testCredential =
    config.jwt?.algorithm === 'HS256' && config.jwt.key === TEST_JWT_SECRET && config.jwt.issuer === null && config.jwt.audience === null
      ? jwt({ sub: TEST_SUBJECT, [config.jwt.rolesClaim]: [...ROLES, 'pii'] })
      : TEST_ADMIN_KEY;

  const t: TestApp = {
    app,
    clock,
    eventStore,
    dataDir,
    adminKey: TEST_ADMIN_KEY,
    jwt,
    async createKey(roles, extra = {}) {
      const created = await t.request(
        'POST',
        '/admin/keys',
        { name: extra.name ?? roles.join('+'), roles, ...extra },
        {},
        { auth: TEST_ADMIN_KEY },
      );
      if (created.status !== 201) throw new Error(`POST /admin/keys answered ${created.status}: ${JSON.stringify(created.body)}`);
      return { id: created.json.id as string, key: created.json.key as string };
    },
    async request(
      method: string,
      url: string,
      body?: unknown,
      headers: Record<string, string> = {},
      options: TestRequestOptions = {},
    ): Promise<TestResponse> {
      const explicit = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
      const auth = options.auth === false ? {} : explicit ? {} : { authorization: `Bearer ${options.auth ?? testCredential}` };
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers: body === undefined ? { ...auth, ...headers } : { 'content-type': 'application/json', ...auth, ...headers },
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
      let from = START;
      for (;;) {
        const page = await eventStore.readAll({ fromPosition: from, limit: 1000 });
        count += page.length;
        if (page.length < 1000) return count;
        from = page[page.length - 1].position;
      }
    },
    async close() {
      await app.close();
      if (ownsDataDir) {
        await dropTestStores(dataDir);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  return t;
}
