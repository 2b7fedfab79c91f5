import { createHash, randomUUID } from 'node:crypto';
import type { NewEvent } from '../../src/shared/event-store/event-store.port';
import { startTestApp, type TestApp } from '../support/test-app';

/** The claim stream name a plain (unkeyed) SHA-256 gives: what anyone can compute from an address. */
const plainHashStream = (email: string): string =>
  `customer-email-${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;

/**
 * Email uniqueness claims live in streams every auditor can list. Their names must not let someone
 * who knows an address find out whether it is (or was) a customer's: they are a keyed hash.
 */
describe('email claim streams do not reveal addresses', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 2000 });
  });
  afterEach(async () => {
    await t.close();
  });

  const EMAIL = 'Bartholomew.Quince@Claims.example';

  it('a masked auditor cannot look a customer up by email, before or after the forget', async () => {
    const auditor = (await t.createKey(['auditor'])).key;
    const created = await t.request('POST', '/customers', { name: 'Bartholomew Quince', email: EMAIL });
    expect(created.status).toBe(201);

    const lookUp = async () => {
      const byName = await t.request('GET', `/audit/streams/${plainHashStream(EMAIL)}`, undefined, {}, { auth: auditor });
      const feed = await t.request('GET', '/audit/feed?limit=1000', undefined, {}, { auth: auditor });
      const streams = (feed.json.events as { stream: string }[]).map((e) => e.stream);
      return {
        byName: byName.status,
        claimStreams: streams.filter((s) => s.startsWith('customer-email-')),
        plainHashListed: streams.includes(plainHashStream(EMAIL)),
      };
    };
    const before = await lookUp();
    expect(before).toEqual({ byName: 404, claimStreams: [expect.stringMatching(/^customer-email-[0-9a-f]{64}$/)], plainHashListed: false });

    expect((await t.request('POST', `/customers/${created.json.id as string}/forget`)).status).toBe(200);
    const after = await lookUp();
    expect(after).toMatchObject({ byName: 404, plainHashListed: false });
    // The released claim is in the same keyed stream: the address is free again.
    expect((await t.request('POST', '/customers', { name: 'Someone Else', email: EMAIL })).status).toBe(201);
  });

  it('claims taken before the keyed hash still hold, and are released with the email', async () => {
    // A customer registered by an earlier version: the claim is in the plain-hash stream.
    const holder = await t.request('POST', '/customers', { name: 'Old Holder' });
    const holderId = holder.json.id as string;
    const at = t.clock.now().toISOString();
    const meta = {
      actor: 'earlier-version',
      correlationId: 'legacy',
      causationId: 'legacy',
      occurredAt: at,
      recordedAt: at,
      schemaVersion: 1,
    };
    const legacy = (type: string, data: object): NewEvent => ({ id: randomUUID(), type, data, metadata: meta });
    await t.eventStore.appendToStream(plainHashStream(EMAIL), [legacy('EmailClaimed', { customerId: holderId, claimedAt: at })]);
    await t.eventStore.appendToStream(`customer-${holderId}`, [
      legacy('ContactDetailsUpdated', { customerId: holderId, changes: { email: EMAIL }, updatedAt: at }),
    ]);

    const count = await t.eventCount();
    const refused = await t.request('POST', '/customers', { name: 'Newcomer', email: EMAIL.toLowerCase() });
    expect({ status: refused.status, code: refused.json.code }).toEqual({ status: 422, code: 'EMAIL_ALREADY_IN_USE' });
    expect(await t.eventCount()).toBe(count);

    // The holder moves to another address: the old one is released in the legacy stream too.
    expect((await t.request('PATCH', `/customers/${holderId}/contact`, { email: 'old.holder@elsewhere.example' })).status).toBe(200);
    const legacyStream = await t.eventStore.readStream(plainHashStream(EMAIL));
    expect(legacyStream.map((e) => e.type)).toEqual(['EmailClaimed', 'EmailReleased']);
    expect((await t.request('POST', '/customers', { name: 'Newcomer', email: EMAIL })).status).toBe(201);
  });
});
