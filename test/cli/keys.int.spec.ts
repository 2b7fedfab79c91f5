import { relata } from '../../src/cli/relata';
import { loadConfig } from '../../src/config/config';
import { startTestApp, type TestApp } from '../support/test-app';
import { captureIo } from './cli-capture';
import { testStoreEnv } from '../support/test-stores';

describe('relata keys', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The server first (it bootstraps its admin key); the CLI then writes to the same stores.
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  const env = () => ({ RELATA_DATA_DIR: t.dataDir, ...testStoreEnv(t.dataDir) });

  it('creates a key that works over HTTP at once, and revokes it (the server refuses it within the principal cache TTL)', async () => {
    const created = captureIo(env());
    expect(await relata(['keys', 'create', '--name', 'cli analyst', '--roles', 'analyst', '--json'], created)).toBe(0);
    const key = JSON.parse(created.out()) as { id: string; key: string; roles: string[]; status: string };
    expect(key).toMatchObject({ roles: ['analyst'], status: 'active' });
    expect(key.key).toMatch(/^rk_/);

    expect((await t.request('GET', '/analytics/segments', undefined, {}, { auth: key.key })).status).toBe(200);
    // Its role only: an agent route stays closed.
    expect((await t.request('POST', '/customers', { name: 'X', kind: 'prospect' }, {}, { auth: key.key })).status).toBe(403);

    // Listed without its secret.
    const listed = captureIo(env());
    expect(await relata(['keys', 'list'], listed)).toBe(0);
    expect(listed.out()).toContain(key.id);
    expect(listed.out()).not.toContain(key.key);

    const revoked = captureIo(env());
    expect(await relata(['keys', 'revoke', key.id], revoked)).toBe(0);
    expect(revoked.out()).toContain(`Revoked API key ${key.id}`);
    // The server believes what it read of the key for RELATA_PRINCIPAL_CACHE_SECONDS (default 5), at most.
    t.clock.advance(loadConfig({}).principalCacheSeconds * 1000);
    expect((await t.request('GET', '/analytics/segments', undefined, {}, { auth: key.key })).status).toBe(401);
  });

  it('prints the key once in the human output, with how to use it', async () => {
    const io = captureIo(env());
    expect(await relata(['keys', 'create', '--name', 'ops', '--roles', 'agent,supervisor', '--pii'], io)).toBe(0);
    const key = /\n {2}(rk_\S+)\n/.exec(io.out())?.[1];
    expect(key).toBeDefined();
    expect(io.out()).toContain('not shown again');
    expect((await t.request('GET', '/complaints', undefined, {}, { auth: key as string })).status).toBe(200);
  });

  it('refuses to revoke an unknown key, with exit code 1', async () => {
    const io = captureIo(env());
    expect(await relata(['keys', 'revoke', '00000000-0000-4000-8000-00000000abcd'], io)).toBe(1);
    expect(io.err()).toContain('ACCESS_KEY_NOT_FOUND');
  });
});
