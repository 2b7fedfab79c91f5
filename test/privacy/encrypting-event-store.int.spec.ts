import { randomUUID } from 'node:crypto';
import { AuditVerifier } from '../../src/audit/audit-verify';
import { ManualClock } from '../../src/shared/clock';
import type { NewEvent, RecordedEvent } from '../../src/shared/event-store/event-store.port';
import { HashChainingEventStore } from '../../src/shared/event-store/hash-chaining-event-store';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { EncryptingEventStore } from '../../src/shared/privacy/encrypting-event-store';
import { SubjectForgottenError, UnknownDataKeyError } from '../../src/shared/privacy/key-store.port';
import type { PersonalDataSpec } from '../../src/shared/privacy/personal-data';
import { SqliteKeyStore } from '../../src/shared/privacy/sqlite-key-store';

const SPECS: PersonalDataSpec[] = [
  { eventType: 'Registered', subject: { path: 'customerId' }, fields: ['name', 'email', 'phone'] },
  { eventType: 'Updated', subject: { path: 'customerId' }, fields: ['changes.name', 'changes.phone'] },
  { eventType: 'CaseOpened', subject: { path: 'customerId', from: 'stream-start' }, fields: ['text'] },
  { eventType: 'CaseNoted', subject: { path: 'customerId', from: 'stream-start' }, fields: ['note'] },
];

function event(type: string, data: Record<string, unknown>, id: string = randomUUID()): NewEvent {
  return {
    id,
    type,
    data,
    metadata: {
      actor: 'a',
      correlationId: 'c',
      causationId: 'k',
      occurredAt: '2026-03-10T12:00:00.000Z',
      recordedAt: '2026-03-10T12:00:00.000Z',
      schemaVersion: 1,
    },
  };
}

const ana = { customerId: 'cust-1', name: 'Ana Lima', email: 'ana@example.com', phone: null, kind: 'prospect' };

describe('EncryptingEventStore', () => {
  let adapter: SqliteEventStore;
  let keys: SqliteKeyStore;
  let store: EncryptingEventStore;

  beforeEach(() => {
    adapter = new SqliteEventStore({ filename: ':memory:', pollIntervalMs: 10 });
    keys = new SqliteKeyStore({ filename: ':memory:', clock: new ManualClock() });
    store = new EncryptingEventStore(new HashChainingEventStore(adapter), keys, SPECS);
  });
  afterEach(async () => {
    await store.close();
    await keys.close();
  });

  const stored = async (stream: string): Promise<RecordedEvent[]> => adapter.readStream(stream);

  it('stores declared string fields encrypted, says which, and reads them back in the clear', async () => {
    await store.appendToStream('customer-1', [event('Registered', ana)], { expectedRevision: 'no_stream' });

    const [raw] = await stored('customer-1');
    expect(raw.data).toEqual({
      customerId: 'cust-1',
      name: expect.stringMatching(/^enc:v1:cust-1:/),
      email: expect.stringMatching(/^enc:v1:cust-1:/),
      phone: null,
      kind: 'prospect',
    });
    expect(JSON.stringify({ data: raw.data, metadata: raw.metadata })).not.toMatch(/Ana|ana@/);
    expect(raw.metadata).toMatchObject({ encryptedFields: ['name', 'email'], hash: expect.any(String) });

    const [read] = await store.readStream('customer-1');
    expect(read.data).toEqual(ana);
    expect(await store.readAll()).toEqual([read]);
  });

  it('encrypts nested paths and leaves other events alone, without touching the key store', async () => {
    await store.appendToStream('customer-1', [event('Registered', ana)]);
    await store.appendToStream('customer-1', [
      event('Updated', { customerId: 'cust-1', changes: { name: 'Ana L.', phone: null, company: 'ACME' } }),
    ]);
    await store.appendToStream('other', [event('Counted', { name: 'not personal here' })]);

    const [, updated] = await stored('customer-1');
    expect(updated.data).toEqual({
      customerId: 'cust-1',
      changes: { name: expect.stringMatching(/^enc:v1:/), phone: null, company: 'ACME' },
    });
    const [counted] = await stored('other');
    expect(counted.data).toEqual({ name: 'not personal here' });
    expect(counted.metadata.encryptedFields).toBeUndefined();
    expect((await store.readStream('customer-1'))[1].data).toEqual({
      customerId: 'cust-1',
      changes: { name: 'Ana L.', phone: null, company: 'ACME' },
    });
  });

  it('finds the subject in the stream’s first event when the event does not name it', async () => {
    await store.appendToStream('case-9', [event('CaseOpened', { customerId: 'cust-1', text: 'My order never came' })], {
      expectedRevision: 'no_stream',
    });
    await store.appendToStream('case-9', [event('CaseNoted', { caseId: '9', note: 'Called Ana back' })], { expectedRevision: 0n });

    const raw = await stored('case-9');
    expect(raw[1].data).toEqual({ caseId: '9', note: expect.stringMatching(/^enc:v1:cust-1:/) });
    await keys.delete('cust-1');
    expect((await store.readStream('case-9')).map((e) => e.data)).toEqual([
      { customerId: 'cust-1', text: '[erased]' },
      { caseId: '9', note: '[erased]' },
    ]);
  });

  it('once the key is deleted, every read says [erased], the events stay and the chain still verifies', async () => {
    await store.appendToStream('customer-1', [
      event('Registered', ana),
      event('Updated', { customerId: 'cust-1', changes: { name: 'Ana B' } }),
    ]);
    await store.appendToStream('customer-2', [event('Registered', { ...ana, customerId: 'cust-2', name: 'Bia' })]);
    const subscription = store.subscribeToAll();

    await keys.delete('cust-1');

    const [registered, updated] = await store.readStream('customer-1');
    expect(registered.data).toEqual({ ...ana, name: '[erased]', email: '[erased]' });
    expect(updated.data).toEqual({ customerId: 'cust-1', changes: { name: '[erased]' } });
    expect((await store.readStream('customer-2'))[0].data).toMatchObject({ name: 'Bia' });
    const iterator = subscription[Symbol.asyncIterator]();
    const fed = [(await iterator.next()).value, (await iterator.next()).value, (await iterator.next()).value] as RecordedEvent[];
    await subscription.stop();
    expect(
      fed.map(
        (e) => (e.data as { name?: string; changes?: { name: string } }).name ?? (e.data as { changes: { name: string } }).changes.name,
      ),
    ).toEqual(['[erased]', '[erased]', 'Bia']);
    expect(await new AuditVerifier(adapter).verifyAll()).toMatchObject({ ok: true, checked: 3 });
  });

  it('refuses to record personal data about a forgotten subject, but not facts without any', async () => {
    await store.appendToStream('customer-1', [event('Registered', ana)]);
    await keys.delete('cust-1');
    await expect(
      store.appendToStream('customer-1', [event('Updated', { customerId: 'cust-1', changes: { name: 'Again' } })]),
    ).rejects.toBeInstanceOf(SubjectForgottenError);
    await store.appendToStream('customer-1', [event('Updated', { customerId: 'cust-1', changes: { phone: null } })]);
    expect(await stored('customer-1')).toHaveLength(2);
  });

  it('a retried identical append stores the same bytes, so the store recognises the replay', async () => {
    const batch = [event('Registered', ana)];
    const first = await store.appendToStream('customer-1', batch, { expectedRevision: 'no_stream' });
    const again = await store.appendToStream('customer-1', batch, { expectedRevision: 'no_stream' });
    expect(again).toEqual(first);
    expect(await stored('customer-1')).toHaveLength(1);
  });

  it('refuses an event whose subject id is missing rather than store it in the clear', async () => {
    await expect(store.appendToStream('x', [event('Registered', { name: 'Ana' })])).rejects.toThrow(/no subject id/);
    expect(await stored('x')).toEqual([]);
  });

  it('a value naming a key the store never had is an error, not an erasure', async () => {
    const other = new SqliteKeyStore({ filename: ':memory:', clock: new ManualClock() });
    await store.appendToStream('customer-1', [event('Registered', ana)]);
    const elsewhere = new EncryptingEventStore(new HashChainingEventStore(adapter), other, SPECS);
    await expect(elsewhere.readStream('customer-1')).rejects.toBeInstanceOf(UnknownDataKeyError);
    await other.close();
  });

  it('without specs it still decrypts, but refuses to append', async () => {
    await store.appendToStream('customer-1', [event('Registered', ana)]);
    const readOnly = new EncryptingEventStore(new HashChainingEventStore(adapter), keys, undefined);
    expect((await readOnly.readStream('customer-1'))[0].data).toEqual(ana);
    await expect(readOnly.appendToStream('s', [event('Counted', {})])).rejects.toThrow(/without the personal-data specs/);
  });
});
