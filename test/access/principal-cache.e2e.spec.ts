import { loadConfig } from '../../src/config/config';
import { ManualClock } from '../../src/shared/clock';
import { startTestApp, type TestApp } from '../support/test-app';

const TTL_SECONDS = 5;

/** A route an agent key may call that answers 200 without any data. */
const callAsAgent = (t: TestApp, key: string) => t.request('GET', '/complaints', undefined, {}, { auth: key });

/** 401, saying why. */
const expectRefused = async (t: TestApp, key: string, reason: RegExp) => {
  const refused = await callAsAgent(t, key);
  expect(refused.status).toBe(401);
  expect(refused.json.detail).toMatch(reason);
};

const revoke = async (t: TestApp, id: string) =>
  expect((await t.request('POST', `/admin/keys/${id}/revoke`, undefined, {}, { auth: t.adminKey })).status).toBe(200);

/** Two app instances on the same stores and clock: started before the enclosing block's tests, closed after. */
function twoInstances(principalCacheSeconds: number, clock: ManualClock): () => { revoker: TestApp; other: TestApp } {
  let revoker: TestApp;
  let other: TestApp;
  beforeAll(async () => {
    revoker = await startTestApp({ principalCacheSeconds }, { clock });
    other = await startTestApp({ principalCacheSeconds }, { clock, dataDir: revoker.dataDir });
  });
  afterAll(async () => {
    await other.close();
    await revoker.close();
  });
  return () => ({ revoker, other });
}

describe('the principal of an API key, cached per key for RELATA_PRINCIPAL_CACHE_SECONDS', () => {
  it('defaults to 5 s, takes 0 (no cache) to 300, and refuses anything else naming the variable', () => {
    expect(loadConfig({}).principalCacheSeconds).toBe(TTL_SECONDS);
    expect(loadConfig({ RELATA_PRINCIPAL_CACHE_SECONDS: '0' }).principalCacheSeconds).toBe(0);
    expect(loadConfig({ RELATA_PRINCIPAL_CACHE_SECONDS: '300' }).principalCacheSeconds).toBe(300);
    for (const bad of ['301', '-1', '2.5', 'soon'])
      expect(() => loadConfig({ RELATA_PRINCIPAL_CACHE_SECONDS: bad })).toThrow(
        /^RELATA_PRINCIPAL_CACHE_SECONDS must be an integer from 0 to 300/,
      );
  });

  describe('two instances on the same stores', () => {
    const clock = new ManualClock('2026-03-10T12:00:00.000Z');
    const apps = twoInstances(TTL_SECONDS, clock);
    let revoker: TestApp;
    let other: TestApp;
    beforeAll(() => {
      ({ revoker, other } = apps());
    });

    it('refuses a revoked key on the next request in the instance that revoked it', async () => {
      const { id, key } = await revoker.createKey(['agent']);
      expect((await callAsAgent(revoker, key)).status).toBe(200);
      expect((await callAsAgent(revoker, key)).status).toBe(200);
      await revoke(revoker, id);
      await expectRefused(revoker, key, /revoked/);
    });

    it('refuses it in another instance once the TTL has passed since that instance read the key, at the latest', async () => {
      const { id, key } = await revoker.createKey(['agent']);
      expect((await callAsAgent(other, key)).status).toBe(200);
      await revoke(revoker, id);
      clock.advance(TTL_SECONDS * 1000 - 1);
      // Within the TTL the other instance still believes what it read.
      expect((await callAsAgent(other, key)).status).toBe(200);
      clock.advance(1);
      await expectRefused(other, key, /revoked/);
    });

    it('still refuses an expired key at its expiry, cached or not', async () => {
      const expiresAt = new Date(clock.now().getTime() + 1000).toISOString();
      const { key } = await revoker.createKey(['agent'], { expiresAt });
      expect((await callAsAgent(revoker, key)).status).toBe(200);
      clock.advance(1000);
      await expectRefused(revoker, key, /expired/);
    });

    it('finds a cached key only by the whole key: its prefix with another secret is refused', async () => {
      const { key } = await revoker.createKey(['agent']);
      expect((await callAsAgent(other, key)).status).toBe(200);
      const wrongSecret = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
      expect((await callAsAgent(other, wrongSecret)).status).toBe(401);
      expect((await callAsAgent(other, key)).status).toBe(200);
    });
  });

  describe('with RELATA_PRINCIPAL_CACHE_SECONDS=0', () => {
    const apps = twoInstances(0, new ManualClock('2026-03-10T12:00:00.000Z'));

    it('every instance refuses a revoked key on its next request', async () => {
      const { revoker, other } = apps();
      const { id, key } = await revoker.createKey(['agent']);
      expect((await callAsAgent(other, key)).status).toBe(200);
      await revoke(revoker, id);
      expect((await callAsAgent(other, key)).status).toBe(401);
    });
  });
});
