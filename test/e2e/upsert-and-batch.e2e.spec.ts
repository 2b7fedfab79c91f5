import 'reflect-metadata';
import { MAX_BATCH_ITEMS } from '../../src/batch/batch.dto';
import { sourceCustomerId } from '../../src/customers/customer-by-source';
import { importedCustomerId } from '../../src/importers/deterministic-ids';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';
import { expectRefused } from '../support/http-spec';

/** Issue 12 item 7: upsert by another system's id, and several commands in one request. */
describe('integration: upsert by source id and batch (HTTP)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 300 });
  });
  afterEach(async () => {
    await t.close();
  });

  const caughtUp = () => t.app.get(ProjectionRunner).catchUp();

  const refused = (send: () => Promise<TestResponse>, status: number, code: string) => expectRefused(t, send, status, code);

  describe('PUT /customers/by-source/:source/:id', () => {
    const put = (source: string, id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      t.request('PUT', `/customers/by-source/${source}/${encodeURIComponent(id)}`, body, headers);

    it('registers on first sight, appends nothing for the same body again, and updates what changed', async () => {
      const body = { name: 'Ana Lima', email: 'ana@example.com', phone: '+351 910 000 000', kind: 'customer', acquisitionChannel: 'web' };
      const created = await put('shop', 'C-1001', body);
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ id: expect.any(String), revision: 0, created: true, replayed: false });
      expect(created.headers.location).toBe(`/customers/${created.json.id}`);

      const before = await t.eventCount();
      const again = await put('shop', 'C-1001', body);
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ id: created.json.id, revision: 0, created: false });
      expect(await t.eventCount()).toBe(before);

      const changed = await put('SHOP', 'C-1001', {
        ...body,
        phone: null,
        company: 'Lima Lda',
        kind: 'prospect',
        acquisitionChannel: 'store',
      });
      expect(changed.status).toBe(200);
      expect(changed.json).toMatchObject({ id: created.json.id, revision: 1, created: false });
      expect(await t.eventCount()).toBe(before + 1);

      const bySource = await t.request('GET', `/customers/by-source/shop/C-1001?minPosition=${changed.json.position}`);
      expect(bySource.status).toBe(200);
      // kind and acquisitionChannel apply on registration only.
      expect(bySource.json).toMatchObject({
        id: created.json.id,
        name: 'Ana Lima',
        phone: null,
        company: 'Lima Lda',
        status: 'customer',
        acquisitionChannel: 'web',
      });
      expect((await t.request('GET', '/customers/by-source/erp/C-1001')).status).toBe(404);
    });

    it('addresses the customer an importer created from the same source key', () => {
      // The same name-based id: PUT /customers/by-source/cdnow/00042 updates the customer imported from CDNOW.
      expect(sourceCustomerId('cdnow', '00042')).toBe(importedCustomerId('cdnow', '00042'));
    });

    it('replays a retry with the same Idempotency-Key', async () => {
      const headers = { 'Idempotency-Key': 'sync-C-7' };
      const first = await put('shop', 'C-7', { name: 'Bruno' }, headers);
      expect(first.status).toBe(201);
      const before = await t.eventCount();
      const retry = await put('shop', 'C-7', { name: 'Bruno' }, headers);
      expect(retry.json).toMatchObject({ id: first.json.id, replayed: true });
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await t.eventCount()).toBe(before);
    });

    it('refuses bad input with 400 and a taken email with 422, appending nothing', async () => {
      await refused(() => put('shop', 'C-1', { email: 'x@example.com' }), 400, 'VALIDATION_FAILED');
      await refused(() => put('shop', 'C-1', { name: 'Ana', phone: 'call me' }), 400, 'VALIDATION_FAILED');
      await refused(() => put('shop', 'C-1', { name: 'Ana', unknown: 1 }), 400, 'VALIDATION_FAILED');
      await refused(() => put('-shop', 'C-1', { name: 'Ana' }), 400, 'VALIDATION_FAILED');
      expect((await put('shop', 'C-1', { name: 'Ana', email: 'ana@example.com' })).status).toBe(201);
      await refused(() => put('shop', 'C-2', { name: 'Other Ana', email: 'ANA@example.com' }), 422, 'EMAIL_ALREADY_IN_USE');
    });

    it('is for agents: an analyst may read by source id (masked) but not write', async () => {
      expect((await put('shop', 'C-1', { name: 'Ana Lima' })).status).toBe(201);
      await caughtUp();
      const analyst = (await t.createKey(['analyst'])).key;
      const read = await t.request('GET', '/customers/by-source/shop/C-1', undefined, { authorization: `Bearer ${analyst}` });
      expect(read.json).toMatchObject({ name: '***' });
      expect((await put('shop', 'C-1', { name: 'Changed' }, { authorization: `Bearer ${analyst}` })).status).toBe(403);
    });
  });

  describe('POST /batch', () => {
    it('carries out each item as its single call, in order, with one result per item', async () => {
      const ana = (await t.request('POST', '/customers', { name: 'Ana', kind: 'customer' })).json.id as string;
      const response = await t.request('POST', '/batch', {
        items: [
          {
            method: 'POST',
            path: `/customers/${ana}/purchases`,
            body: { purchaseId: 'INV-1', lines: [{ product: 'CD', quantity: 1, amount: 10 }] },
            idempotencyKey: 'inv-1',
          },
          { method: 'POST', path: `/customers/${ana}/purchases`, body: { lines: [] }, idempotencyKey: 'inv-bad' },
          { method: 'PUT', path: '/customers/by-source/shop/C-9', body: { name: 'Carla' }, idempotencyKey: 'shop-c-9' },
          { method: 'POST', path: `/customers/${ana}/convert` },
        ],
      });
      expect(response.status).toBe(200);
      const results = response.json.results as { index: number; status: number; headers: Record<string, string>; body: any }[];
      expect(results.map((r) => [r.index, r.status])).toEqual([
        [0, 201],
        [1, 400],
        [2, 201],
        [3, 422],
      ]);
      expect(results[0].body).toMatchObject({ id: ana, purchaseId: 'INV-1', replayed: false });
      expect(results[0].headers.etag).toBe(`"${results[0].body.revision}"`);
      expect(results[1].body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'lines' })] });
      expect(results[2].headers.location).toBe(`/customers/${results[2].body.id}`);
      expect(results[3].body).toMatchObject({ code: 'CUSTOMER_ALREADY_CONVERTED' });

      // The same batch again: the items carried out replay, the refused ones are refused again; nothing is appended.
      const before = await t.eventCount();
      const retry = await t.request('POST', '/batch', {
        items: [
          {
            method: 'POST',
            path: `/customers/${ana}/purchases`,
            body: { purchaseId: 'INV-1', lines: [{ product: 'CD', quantity: 1, amount: 10 }] },
            idempotencyKey: 'inv-1',
          },
          { method: 'PUT', path: '/customers/by-source/shop/C-9', body: { name: 'Carla' }, idempotencyKey: 'shop-c-9' },
        ],
      });
      expect(retry.json.results.map((r: { body: { replayed: boolean } }) => r.body.replayed)).toEqual([true, true]);
      expect(retry.json.results[0].headers['idempotent-replayed']).toBe('true');
      expect(await t.eventCount()).toBe(before);
    });

    it("applies the caller's access rules to every item", async () => {
      const supervisor = (await t.createKey(['supervisor'])).key;
      const agent = (await t.createKey(['agent'])).key;
      const items = [
        { method: 'POST', path: '/departments', body: { name: 'Billing' } },
        { method: 'POST', path: '/customers', body: { name: 'Ana' } },
      ];
      const asAgent = await t.request('POST', '/batch', { items }, { authorization: `Bearer ${agent}` });
      expect(asAgent.json.results.map((r: { status: number }) => r.status)).toEqual([403, 201]);
      const asSupervisor = await t.request('POST', '/batch', { items: [items[0]] }, { authorization: `Bearer ${supervisor}` });
      expect(asSupervisor.json.results.map((r: { status: number }) => r.status)).toEqual([201]);
      const analyst = (await t.createKey(['analyst'])).key;
      expect((await t.request('POST', '/batch', { items }, { authorization: `Bearer ${analyst}` })).status).toBe(403);
    });

    it('refuses a malformed batch with 400 and runs none of it', async () => {
      const item = { method: 'POST', path: '/customers', body: { name: 'Ana' } };
      for (const body of [
        { items: [] },
        { items: Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => item) },
        { items: [{ ...item, method: 'GET' }] },
        { items: [{ ...item, path: 'customers' }] },
        { items: [{ ...item, path: '/batch' }] },
        { items: [{ ...item, idempotencyKey: '' }] },
        { items: [item], extra: true },
      ]) {
        await refused(() => t.request('POST', '/batch', body), 400, 'VALIDATION_FAILED');
      }
      // However the path is spelled, a batch inside a batch is refused.
      const before = await t.eventCount();
      const nested = await t.request('POST', '/batch', { items: [{ method: 'POST', path: '/%62atch', body: { items: [item] } }] });
      expect(nested.status).toBe(200);
      expect(nested.json.results[0].status).toBeGreaterThanOrEqual(400);
      expect(nested.json.results[0].status).toBeLessThan(500);
      expect(await t.eventCount()).toBe(before);
    });
  });
});
