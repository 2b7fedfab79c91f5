import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runImport } from '../../src/importers/import-runner';
import type { EventStore } from '../../src/shared/event-store/event-store.port';
import { STORED_EVENT_STORE } from '../../src/shared/event-store/hash-chaining-event-store';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * An imported CFPB complaint's source values: the consumer's ZIP code and tags are personal
 * (stored encrypted, erased when the consumer is forgotten); the company, state and response are
 * not (kept readable for the statistics).
 */
describe('the source values of an imported CFPB complaint', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 30_000 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relata-cfpb-privacy-'));
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the ZIP code and tags encrypted and erases them with the consumer; the rest stays readable', async () => {
    const file = path.join(dir, 'one.csv');
    fs.writeFileSync(
      file,
      [
        'Date received,Product,Issue,Company,State,ZIP code,Tags,Submitted via,Date sent to company,Company response to consumer,Timely response?,Consumer disputed?,Complaint ID',
        '2019-03-07,Mortgage,Trouble,ACME BANK,NY,QZ-98765,Servicemember,Referral,2019-03-08,Closed with explanation,No,Yes,4242',
        '',
      ].join('\n'),
    );
    const imported = await runImport(t.app, { kind: 'cfpb', file });
    expect(imported.summary.imported).toBe(1);
    const found = await t.request('GET', `/sources/cfpb/4242?minPosition=${imported.lastPosition}`);
    const complaintId = found.json.records[0].id as string;
    const stream = `complaint-${complaintId}`;

    const [registered, acknowledged, closed] = await t.eventStore.readStream(stream);
    expect(registered.data).toMatchObject({
      channel: 'letter',
      sourceAttributes: {
        company: 'ACME BANK',
        state: 'NY',
        zip: 'QZ-98765',
        tags: 'Servicemember',
        sourceChannel: 'Referral',
        companyResponse: 'Closed with explanation',
        timely: false,
        disputed: true,
      },
    });
    expect(acknowledged.data).toMatchObject({ acknowledgedAt: '2019-03-08T00:00:00.000Z' });
    expect(closed).toMatchObject({ type: 'ComplaintClosed', data: { reason: 'closed-at-source', closedAt: '2019-03-08T00:00:00.000Z' } });

    const [stored] = await t.app.get<EventStore>(STORED_EVENT_STORE).readStream(stream, { maxCount: 1 });
    const storedAttributes = (stored.data as { sourceAttributes: Record<string, unknown> }).sourceAttributes;
    expect(storedAttributes).toMatchObject({
      company: 'ACME BANK',
      state: 'NY',
      zip: expect.stringMatching(/^enc:v1:/),
      tags: expect.stringMatching(/^enc:v1:/),
    });

    const customerId = (registered.data as { customerId: string }).customerId;
    const forgotten = await t.request('POST', `/customers/${customerId}/forget`);
    expect(forgotten.status).toBe(200);
    const [after] = await t.eventStore.readStream(stream, { maxCount: 1 });
    expect((after.data as { sourceAttributes: Record<string, unknown> }).sourceAttributes).toMatchObject({
      company: 'ACME BANK',
      state: 'NY',
      zip: '[erased]',
      tags: '[erased]',
    });
  });
});
