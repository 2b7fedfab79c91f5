import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ALL_PROJECTIONS } from '../../src/all-projections';
import { verifyProjections } from '../../src/audit/projections-verify';
import { WebhookDispatcher } from '../../src/departments/webhook-dispatcher';
import { EVENT_STORE, type EventStore } from '../../src/shared/event-store/event-store.port';
import { KEY_STORE, type KeyStore } from '../../src/shared/privacy/key-store.port';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { READ_STORE, type ReadStore } from '../../src/shared/read-store/read-store.port';
import { startTestApp, type TestApp } from '../support/test-app';
import { itOnEmbeddedFiles } from '../support/test-stores';
import { marksIn, MARK, type PersonalDataCycle, runPersonalDataCycle } from './personal-data-cycle';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A webhook receiver on 127.0.0.1 that keeps every body it is sent, answering the queued statuses, then 200. */
class Receiver {
  readonly bodies: string[] = [];
  readonly statuses: number[] = [];
  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(this.statuses.shift() ?? 200).end('ok');
    });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Every file under the data dir (stores, their -wal/-shm files, keys) that holds a marked value, with the values. */
function dataDirFindings(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...dataDirFindings(full));
      continue;
    }
    const text = fs.readFileSync(full).toString('latin1');
    // Values are stored as UTF-8: read as latin1, their bytes appear as the same characters when ASCII.
    const hits = marksIn(text).concat(marksIn(fs.readFileSync(full).toString('utf8')));
    for (const hit of new Set(hits)) found.push(`${entry.name}: ${hit}`);
  }
  return found;
}

/**
 * Forget reaches every copy. A full customer and complaint cycle fills every personal field of
 * every event type (personal-data-cycle.ts) while a department webhook receives every complaint
 * event; part of them are delivered before the forget, the rest are still pending. After the
 * forget: no file in the data dir, no answer of any route for any role, no later webhook request
 * holds any of the values, and every projection equals its rebuild.
 */
describe('forgetting a customer reaches every copy of their personal data', () => {
  let t: TestApp;
  let receiver: Receiver;

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 3000, webhookDispatcherEnabled: false });
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    await t.close();
    await receiver.stop();
  });

  const dispatch = async (): Promise<number> => {
    await t.app.get(ProjectionRunner).catchUp();
    return t.app.get(WebhookDispatcher).dispatchDue();
  };

  async function cycleWithWebhook(): Promise<{ cycle: PersonalDataCycle; webhookId: string; openComplaintId: string }> {
    const department = await t.request('POST', '/departments', { name: 'Billing', supervisorId: 'sup-1' });
    const departmentId = department.json.id as string;
    const hook = await t.request('POST', `/departments/${departmentId}/webhooks`, { url: receiver.url, eventTypes: ['*'], scope: 'all' });
    expect(hook.status).toBe(201);
    // The first part is delivered before the forget; the rest stays pending.
    const cycle = await runPersonalDataCycle(t, departmentId, async () => {
      expect(await dispatch()).toBeGreaterThan(0);
    });
    const open = await t.request('POST', '/complaints', {
      customerId: cycle.customerId,
      channel: 'email',
      category: 'billing',
      description: MARK.secondDescription,
    });
    expect(open.status).toBe(201);
    const k = `/complaints/${open.json.id as string}`;
    for (const [step, body] of [
      ['assign', { department: departmentId }],
      ['assess', { valid: true, rationale: MARK.rationale }],
      ['grade', { severity: 'low', difficulty: 'low' }],
      ['notes', { note: MARK.note }],
    ] as const) {
      const done = await t.request('POST', `${k}/${step}`, body);
      expect({ step, status: done.status }).toEqual({ step, status: step === 'notes' ? 201 : 200 });
    }
    await t.app.get(ProjectionRunner).catchUp();
    return { cycle, webhookId: hook.json.id as string, openComplaintId: open.json.id as string };
  }

  itOnEmbeddedFiles('stores every personal field of every event type encrypted: the event store file never holds one', async () => {
    await cycleWithWebhook();
    expect(dataDirFindings(t.dataDir).filter((hit) => hit.startsWith('events.sqlite'))).toEqual([]);
    // The read store does hold them (so the scan can find them).
    expect(dataDirFindings(t.dataDir).filter((hit) => hit.startsWith('read-store.sqlite')).length).toBeGreaterThan(10);
  });

  it('leaves no copy in any file, answer, later webhook request or projection', async () => {
    const { cycle, webhookId, openComplaintId } = await cycleWithWebhook();
    const deliveredBefore = receiver.bodies.length;
    expect(marksIn(receiver.bodies.join('\n')).length).toBeGreaterThan(0);

    const forgotten = await t.request('POST', `/customers/${cycle.customerId}/forget`);
    expect(forgotten.status).toBe(200);
    expect(forgotten.json.readModelsUpdated).toBe(true);

    // The deliveries pending at the forget still go out, without the data.
    expect(await dispatch()).toBeGreaterThan(0);
    const later = receiver.bodies.slice(deliveredBefore);
    expect(later.length).toBeGreaterThan(0);
    const webhookFindings = later.flatMap((body) => marksIn(body));
    const fileFindings = dataDirFindings(t.dataDir);

    const roles = {
      admin: t.adminKey,
      agent: t.jwt({ sub: 'agent-7', roles: ['agent'] }),
      supervisor: t.jwt({ sub: 'sup-1', roles: ['supervisor'] }),
      analyst: t.jwt({ sub: 'ann', roles: ['analyst'] }),
      analystWithPii: t.jwt({ sub: 'ann', roles: ['analyst', 'pii'] }),
      auditor: t.jwt({ sub: 'aud', roles: ['auditor'] }),
      auditorWithPii: t.jwt({ sub: 'aud', roles: ['auditor', 'pii'] }),
      everything: t.jwt({ sub: 'all', roles: ['agent', 'supervisor', 'analyst', 'auditor', 'admin', 'pii'] }),
    };
    const { customerId, complaintId, invalidComplaintId, departmentId } = cycle;
    const urls = [
      '/customers',
      `/customers/${customerId}`,
      `/customers/${customerId}/interactions`,
      '/complaints',
      `/complaints/${complaintId}`,
      `/complaints/${invalidComplaintId}`,
      `/complaints/${openComplaintId}`,
      '/solutions',
      '/departments',
      `/departments/${departmentId}`,
      `/departments/${departmentId}/webhooks`,
      `/departments/${departmentId}/webhooks/${webhookId}`,
      `/departments/${departmentId}/webhooks/${webhookId}/deliveries?limit=1000`,
      `/analytics/customers/${customerId}/value`,
      '/analytics/lifetime-value',
      '/analytics/segments',
      `/analytics/segments/history?customerId=${customerId}`,
      '/analytics/complaints',
      '/audit/feed?limit=1000',
      `/audit/streams/customer-${customerId}`,
      `/audit/streams/customer-${customerId}/state`,
      `/audit/streams/complaint-${complaintId}`,
      `/audit/streams/complaint-${complaintId}/state`,
      `/audit/streams/complaint-${invalidComplaintId}/state`,
      '/audit/rejections',
      '/projections',
      '/admin/keys',
      '/metrics',
    ];
    const findings: string[] = [];
    let answered = 0;
    for (const [role, credential] of Object.entries(roles)) {
      for (const url of urls) {
        for (const accept of ['application/json', 'text/csv']) {
          const answer = await t.request('GET', url, undefined, { accept }, { auth: credential });
          if (answer.status === 200) answered += 1;
          const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
          for (const hit of marksIn(text)) findings.push(`${role} ${accept} ${url}: ${hit}`);
        }
      }
    }
    // The scan read real answers (each route answers 200 to some role).
    expect(answered).toBeGreaterThan(urls.length);

    const report = await verifyProjections({
      eventStore: t.app.get<EventStore>(EVENT_STORE),
      readStore: t.app.get<ReadStore>(READ_STORE),
      projections: ALL_PROJECTIONS,
      logger: quiet,
    });
    const differing = report.projections
      .filter((p) => p.status !== 'equal')
      .map((p) => ({
        projection: p.projection,
        status: p.status,
        collections: p.collections.filter((c) => c.differences > 0).map((c) => c.collection),
      }));
    expect({ webhookFindings, fileFindings, answerFindings: findings, differing }).toEqual({
      webhookFindings: [],
      fileFindings: [],
      answerFindings: [],
      differing: [],
    });
    expect(report.ok).toBe(true);
    expect(later.some((body) => body.includes('[erased]'))).toBe(true);
  });

  it('a delivery taken over before a forget run by another instance goes out without the data', async () => {
    const department = await t.request('POST', '/departments', { name: 'Billing', supervisorId: null });
    const departmentId = department.json.id as string;
    await t.request('POST', `/departments/${departmentId}/webhooks`, { url: receiver.url, eventTypes: ['*'], scope: 'all' });
    const customer = await t.request('POST', '/customers', { name: MARK.name });
    const complaint = await t.request('POST', '/complaints', {
      customerId: customer.json.id,
      channel: 'phone',
      category: 'billing',
      description: MARK.description,
    });
    expect(complaint.status).toBe(201);
    // Taken over and attempted once (the receiver was down): a retry is due later.
    receiver.statuses.push(503);
    expect(await dispatch()).toBe(1);
    const attempted = receiver.bodies.length;
    // Another instance forgot the customer: here only the key is gone, nothing was rewritten.
    await t.app.get<KeyStore>(KEY_STORE).delete(customer.json.id as string);

    t.clock.advance(3_600_000);
    expect(await dispatch()).toBe(1);
    const retried = receiver.bodies.slice(attempted);
    expect(retried).toHaveLength(1);
    expect(marksIn(retried[0])).toEqual([]);
    expect(JSON.parse(retried[0]).data).toMatchObject({ description: '[erased]', category: 'billing' });
  });

  it('refuses new free text on a forgotten customer’s complaints with SUBJECT_FORGOTTEN, appending nothing', async () => {
    const { cycle, openComplaintId } = await cycleWithWebhook();
    await t.request('POST', `/customers/${cycle.customerId}/forget`);
    const k = `/complaints/${openComplaintId}`;
    for (const [url, body] of [
      [`${k}/notes`, { note: 'Called her again' }],
      [`${k}/hold`, { reason: 'Waiting for her papers' }],
      [`${k}/escalate`, { reason: 'She is upset' }],
      [`${k}/root-cause`, { category: 'billing-error', text: 'Her mandate again' }],
      [`${k}/progress`, { channel: 'email', summary: 'We wrote to her' }],
    ] as const) {
      const before = await t.eventCount();
      const refused = await t.request('POST', url, body);
      expect({ url, status: refused.status, code: refused.json.code }).toEqual({ url, status: 422, code: 'SUBJECT_FORGOTTEN' });
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(await t.eventCount()).toBe(before);
    }
  });
});
