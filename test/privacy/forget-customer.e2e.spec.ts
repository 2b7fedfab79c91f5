import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditVerifier } from '../../src/audit/audit-verify';
import { customerProfileProjection } from '../../src/customers/customer-profile.projection';
import type { EventStore } from '../../src/shared/event-store/event-store.port';
import { STORED_EVENT_STORE } from '../../src/shared/event-store/hash-chaining-event-store';
import { KEY_STORE, type KeyStore } from '../../src/shared/privacy/key-store.port';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { READ_STORE, type ReadStore } from '../../src/shared/read-store/read-store.port';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';
import { itOnEmbeddedFiles } from '../support/test-stores';

/** Values distinctive enough that finding their bytes anywhere means they were kept. */
const PERSONAL = {
  name: 'Zephyrine Quillfeather',
  email: 'zephyrine.quill@forgetme.example',
  phone: '+351 987 654 321',
  company: 'Quillfeather Atelier',
};
/**
 * Long enough (~4 KB) that SQLite stores its end on an overflow page: freeing that page without
 * secure_delete would leave the text in the file.
 */
const SUMMARY_MARKER = 'Asked about the Xylophone-Quokka renovation budget';
const SUMMARY = `${'Long call about the kitchen works. '.repeat(110)}${SUMMARY_MARKER}`;
const REASON = 'Moving to Ushuaia with the Pennywhistle family';

/** Every file under the data dir (event store, read store, their -wal/-shm files, keys), as bytes. */
function dataDirFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) for (const [name, bytes] of dataDirFiles(full)) files.set(name, bytes);
    else files.set(full, fs.readFileSync(full));
  }
  return files;
}

/** The files (by base name) holding any of the needles, as UTF-8 text or raw bytes. */
function filesHolding(dir: string, needles: (string | Buffer)[]): string[] {
  const found: string[] = [];
  for (const [file, bytes] of dataDirFiles(dir)) {
    for (const needle of needles) {
      if (bytes.includes(typeof needle === 'string' ? Buffer.from(needle, 'utf8') : needle)) {
        found.push(`${path.basename(file)}: ${typeof needle === 'string' ? needle : `<${needle.length} key bytes>`}`);
      }
    }
  }
  return found;
}

const plaintexts = (): string[] => {
  const values = [...Object.values(PERSONAL), SUMMARY_MARKER, REASON];
  // The profile's search field keeps a lower-cased copy.
  return [...values, ...values.map((v) => v.toLowerCase())];
};

describe('the right to be forgotten (embedded stores)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 2000 });
  });
  afterEach(async () => {
    await t.close();
  });

  const profile = (id: string, after: TestResponse) => t.request('GET', `/customers/${id}?minPosition=${after.json.position}`);

  async function registerWithHistory(): Promise<{ id: string; last: TestResponse }> {
    const created = await t.request('POST', '/customers', { ...PERSONAL, kind: 'prospect', acquisitionChannel: 'web' });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const interaction = await t.request('POST', `/customers/${id}/interactions`, {
      channel: 'call',
      direction: 'inbound',
      summary: SUMMARY,
      agent: 'Rui',
    });
    expect(interaction.status).toBe(201);
    const deactivated = await t.request('POST', `/customers/${id}/deactivate`, { reason: REASON });
    expect(deactivated.status).toBe(200);
    const reactivated = await t.request('POST', `/customers/${id}/reactivate`);
    expect(reactivated.status).toBe(200);
    return { id, last: reactivated };
  }

  itOnEmbeddedFiles(
    'erases the personal data from the read models, the event store files and the key store; the events stay and still verify',
    async () => {
      const { id, last } = await registerWithHistory();
      const before = await profile(id, last);
      expect(before.json).toMatchObject({ name: PERSONAL.name, email: PERSONAL.email, phone: PERSONAL.phone, company: PERSONAL.company });
      const keyStore = t.app.get<KeyStore>(KEY_STORE);
      const key = await keyStore.get(id);
      if (key.state !== 'active') throw new Error('the customer should have a key');

      // The event store only ever holds ciphertext; the read store holds the values (so the scan can find them).
      expect(filesHolding(t.dataDir, plaintexts()).filter((hit) => hit.startsWith('events.sqlite'))).toEqual([]);
      expect(filesHolding(t.dataDir, plaintexts()).filter((hit) => hit.startsWith('read-store.sqlite')).length).toBeGreaterThan(0);
      expect(filesHolding(t.dataDir, [key.key])).toEqual([expect.stringMatching(/^keys\.sqlite(-wal)?: /)]);

      const eventsBefore = await t.eventCount();
      const forgotten = await t.request('POST', `/customers/${id}/forget`);
      expect(forgotten.status).toBe(200);
      expect(forgotten.json).toEqual({
        id,
        revision: 4,
        position: expect.stringMatching(/^\d+$/),
        replayed: false,
        readModelsUpdated: true,
      });
      // CustomerForgotten, and the release of the email claim.
      expect(await t.eventCount()).toBe(eventsBefore + 2);

      expect(filesHolding(t.dataDir, [...plaintexts(), key.key])).toEqual([]);

      const after = await profile(id, forgotten);
      expect(after.status).toBe(200);
      expect(after.json).toMatchObject({
        id,
        status: 'prospect',
        name: '[erased]',
        email: '[erased]',
        phone: '[erased]',
        company: '[erased]',
        revision: 4,
      });
      const interactions = await t.request('GET', `/customers/${id}/interactions`);
      expect(interactions.json.items).toEqual([expect.objectContaining({ summary: '[erased]', agent: 'Rui', channel: 'call' })]);
      expect((await t.request('GET', '/customers?q=zephyrine')).json.items).toEqual([]);

      // The events stay for audit, their personal fields read as erased, and the chain still verifies.
      const events = await t.eventStore.readStream(`customer-${id}`);
      expect(events.map((e) => e.type)).toEqual([
        'CustomerRegistered',
        'InteractionRecorded',
        'CustomerDeactivated',
        'CustomerReactivated',
        'CustomerForgotten',
      ]);
      expect(events[0].data).toMatchObject({
        customerId: id,
        name: '[erased]',
        email: '[erased]',
        phone: '[erased]',
        company: '[erased]',
        kind: 'prospect',
      });
      expect(events[1].data).toMatchObject({ summary: '[erased]', agent: 'Rui' });
      expect(events[2].data).toMatchObject({ reason: '[erased]' });
      expect(await new AuditVerifier(t.app.get<EventStore>(STORED_EVENT_STORE)).verifyAll()).toMatchObject({ ok: true, brokenStreams: 0 });
      expect(await keyStore.get(id)).toMatchObject({ state: 'forgotten' });
    },
  );

  it('a rebuild of the profiles gives the same erased documents', async () => {
    const { id } = await registerWithHistory();
    const forgotten = await t.request('POST', `/customers/${id}/forget`);
    const erased = await profile(id, forgotten);

    await t.app.get(ProjectionRunner).rebuild(customerProfileProjection.name);

    const rebuilt = await t.request('GET', `/customers/${id}`);
    expect(rebuilt.json).toEqual(erased.json);
    expect((await t.request('GET', `/customers/${id}/interactions`)).json.items[0].summary).toBe('[erased]');
  });

  it('erases the copies in generations a rebuild replaced but still keeps for readers', async () => {
    const { id, last } = await registerWithHistory();
    expect((await profile(id, last)).json).toMatchObject({ name: PERSONAL.name });
    // The replaced generation is kept a while for readers that still hold it, with the profile in clear.
    await t.app.get(ProjectionRunner).rebuild(customerProfileProjection.name);
    const readStore = t.app.get<ReadStore>(READ_STORE);
    expect(await readStore.listCollections()).toEqual(
      expect.arrayContaining(['customer-profile.customers__g1', 'customer-profile.customers__g2']),
    );

    const forgotten = await t.request('POST', `/customers/${id}/forget`);
    expect(forgotten.json).toMatchObject({ readModelsUpdated: true });

    expect((await readStore.listCollections()).filter((name) => name.startsWith('customer-profile.') && name.endsWith('__g1'))).toEqual([]);
    expect(filesHolding(t.dataDir, plaintexts())).toEqual([]);
    expect((await profile(id, forgotten)).json).toMatchObject({ name: '[erased]', email: '[erased]' });
  });

  it('frees the email, refuses every later command about the customer, and forgetting again changes nothing', async () => {
    const { id } = await registerWithHistory();
    await t.request('POST', `/customers/${id}/forget`);

    const count = await t.eventCount();
    for (const [method, url, body] of [
      ['POST', `/customers/${id}/interactions`, { channel: 'call', direction: 'inbound', summary: 'again', agent: 'Rui' }],
      ['PATCH', `/customers/${id}/contact`, { name: 'Someone' }],
      ['POST', `/customers/${id}/deactivate`, { reason: 'x' }],
    ] as const) {
      const refused = await t.request(method, url, body);
      expect(refused.status).toBe(422);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.json.code).toBe('CUSTOMER_FORGOTTEN');
    }
    expect(await t.eventCount()).toBe(count);

    const again = await t.request('POST', `/customers/${id}/forget`);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id, revision: 4, replayed: false });
    expect(await t.eventCount()).toBe(count);

    // The address is free for someone new.
    const newcomer = await t.request('POST', '/customers', { name: 'New Person', email: PERSONAL.email });
    expect(newcomer.status).toBe(201);
  });

  it('refuses to forget an unknown customer or a malformed id, appending nothing', async () => {
    const count = await t.eventCount();
    const unknown = await t.request('POST', '/customers/00000000-0000-4000-8000-00000000ffff/forget');
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('CUSTOMER_NOT_FOUND');
    const malformed = await t.request('POST', '/customers/not-a-uuid/forget');
    expect(malformed.status).toBe(400);
    expect(malformed.json.code).toBe('VALIDATION_FAILED');
    const withBody = await t.request('POST', '/customers/00000000-0000-4000-8000-00000000ffff/forget', { please: true });
    expect(withBody.status).toBe(400);
    expect(await t.eventCount()).toBe(count);
  });

  it('erases the customer’s complaint texts in the event store and the change feed too', async () => {
    const created = await t.request('POST', '/customers', { name: 'Complaining Person', email: 'cp@example.com' });
    const id = created.json.id as string;
    const complaint = await t.request('POST', '/complaints', {
      customerId: id,
      channel: 'phone',
      category: 'delivery',
      description: 'Parcel Zanzibar-77 came crushed',
    });
    expect(complaint.status).toBe(201);
    const stream = `complaint-${complaint.json.id as string}`;
    expect((await t.eventStore.readStream(stream))[0].data).toMatchObject({
      description: 'Parcel Zanzibar-77 came crushed',
      category: 'delivery',
    });

    await t.request('POST', `/customers/${id}/forget`);

    expect((await t.eventStore.readStream(stream))[0].data).toMatchObject({
      customerId: id,
      description: '[erased]',
      category: 'delivery',
    });
    const feed = await t.request('GET', '/audit/feed');
    expect(feed.status).toBe(200);
    const registered = (feed.json.events as { type: string; data: Record<string, unknown> }[]).find(
      (e) => e.type === 'ComplaintRegistered',
    );
    expect(registered?.data).toMatchObject({ customerId: id, description: '[erased]' });
    expect(JSON.stringify(feed.json)).not.toContain('Zanzibar');
    // No new complaint about a forgotten customer, and the refusal takes no complaint number.
    const before = await t.eventCount();
    const refused = await t.request('POST', '/complaints', {
      customerId: id,
      channel: 'phone',
      category: 'delivery',
      description: 'Again',
    });
    expect(refused.status).toBe(422);
    expect(refused.json.code).toBe('CUSTOMER_NOT_FOUND');
    expect(await t.eventCount()).toBe(before);
    // The complaint read model no longer holds the text either.
    const details = await t.request('GET', `/complaints/${complaint.json.id as string}`);
    expect(details.json.description).toBe('[erased]');
    expect(JSON.stringify(details.json)).not.toContain('Zanzibar');
  });
});
