import { declaredFieldNames } from '../../src/shared/http/declared-fields';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * A client chooses the names of the fields it sends, and a name can be personal data. The 400 tells
 * the client which names were refused; the rejection log keeps only names a DTO declares and writes
 * `*` for the others.
 */
describe('the rejection log and client-chosen field names', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function rejections(correlationId: string) {
    const listed = await t.request('GET', `/audit/correlations/${correlationId}`);
    expect(listed.status).toBe(200);
    return listed.json.rejections as { fields: string[]; fieldCount: number }[];
  }

  it('keeps declared names and hides unknown ones, at any depth', async () => {
    expect(declaredFieldNames().has('email')).toBe(true);
    const refused = await t.request(
      'POST',
      '/customers',
      {
        name: 'Ana',
        kind: 'prospect',
        acquisitionChannel: 'web',
        email: 'not-an-email',
        'ana.lima@example.com': 1,
        'Ana Lima Pereira': true,
      },
      { 'X-Correlation-Id': 'unknown-top' },
    );
    expect(refused.status).toBe(400);
    expect(refused.json.errors.map((error: { field: string }) => error.field)).toEqual(
      expect.arrayContaining(['email', 'ana.lima@example.com', 'Ana Lima Pereira']),
    );

    const customer = await t.request('POST', '/customers', { name: 'Bea', kind: 'prospect', acquisitionChannel: 'web' });
    const nested = await t.request(
      'POST',
      `/customers/${customer.json.id}/purchases`,
      { lines: [{ product: 'Tea', quantity: 1, amount: 3, 'Lima Pereira': 'x' }], occurredAt: '2026-03-01T00:00:00Z' },
      { 'X-Correlation-Id': 'unknown-nested' },
    );
    expect(nested.status).toBe(400);

    const [top] = await rejections('unknown-top');
    expect(top.fields).toEqual(expect.arrayContaining(['email', '*', '*.*.*']));
    expect(top.fieldCount).toBe(3);
    const [inLine] = await rejections('unknown-nested');
    expect(inLine.fields).toContain('lines.0.*');

    const log = JSON.stringify((await t.request('GET', '/audit/rejections?limit=100')).json);
    for (const name of ['ana', 'lima', 'Lima', 'Pereira']) expect(log).not.toContain(name);
  });

  it('hides prototype-ish names refused before validation', async () => {
    const refused = await t.request(
      'POST',
      '/customers',
      JSON.parse('{"name":"Ana","kind":"prospect","acquisitionChannel":"web","constructor":{"x":1}}'),
      {
        'X-Correlation-Id': 'prototype-name',
      },
    );
    expect(refused.status).toBe(400);
    const [record] = await rejections('prototype-name');
    expect(record.fields).toEqual(['*']);
  });

  it('keeps the names of path parameters and headers Relata checks', async () => {
    const badId = await t.request(
      'POST',
      '/customers/not-a-uuid/interactions',
      { channel: 'call', summary: 'x' },
      { 'X-Correlation-Id': 'bad-id' },
    );
    expect(badId.status).toBe(400);
    const customer = await t.request('POST', '/customers', { name: 'Cai', kind: 'prospect', acquisitionChannel: 'web' });
    const badIfMatch = await t.request(
      'PATCH',
      `/customers/${customer.json.id}/contact`,
      { phone: '+351 910 000 000' },
      { 'If-Match': 'yesterday', 'X-Correlation-Id': 'bad-if-match' },
    );
    expect(badIfMatch.status).toBe(400);
    expect((await rejections('bad-id'))[0].fields).toEqual(['id']);
    expect((await rejections('bad-if-match'))[0].fields).toEqual(['If-Match']);
  });
});
