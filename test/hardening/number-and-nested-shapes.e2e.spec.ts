import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { decimalPlaces } from '../../src/shared/http/decimal-number';
import { expectRefused } from '../support/http-spec';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Numbers JavaScript prints in exponent form (5e-324, 1e-7) and values of the wrong shape where a
 * nested object or a list of them is expected are refused with a 400 naming the field, and append
 * nothing. class-validator's IsNumber({ maxDecimalPlaces }) threw on the first (a 500) and
 * ValidateNested accepted an array for an object and a list of lists for a list of objects.
 */
describe('odd numbers and nested shapes (HTTP)', () => {
  let t: TestApp;
  let customerId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const created = await t.request('POST', '/customers', { name: 'Ana Lima', kind: 'customer' });
    expect(created.status).toBe(201);
    customerId = created.json.id;
  });
  afterAll(async () => {
    await t.close();
  });

  const purchase = (body: object) => t.request('POST', `/customers/${customerId}/purchases`, { currency: 'EUR', ...body });
  const fieldsOf = (response: { json: { errors?: { field: string }[] } }) => (response.json.errors ?? []).map((e) => e.field);

  it('counts decimal places of numbers in exponent form', () => {
    expect([5e-324, 1e-7, 1.5e-7, 1e21, 0.125, 12, -0.5].map(decimalPlaces)).toEqual([324, 7, 8, 0, 3, 0, 1]);
  });

  it('a margin of 5e-324 or 1e-7 is a 400 on margin, not a 500', async () => {
    for (const margin of [5e-324, 1e-7]) {
      const response = await expectRefused(
        t,
        () => purchase({ lines: [{ product: 'mug', quantity: 1, amount: 9 }], margin }),
        400,
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(response)).toEqual(['margin']);
    }
  });

  it('a line amount in exponent form is a 400 on that line', async () => {
    const response = await expectRefused(
      t,
      () => purchase({ lines: [{ product: 'mug', quantity: 1, amount: 1e-7 }] }),
      400,
      'VALIDATION_FAILED',
    );
    expect(fieldsOf(response)).toEqual(['lines.0.amount']);
  });

  it('a list of lists where lines are expected is a 400 on lines', async () => {
    const response = await expectRefused(
      t,
      () => purchase({ lines: [[{ product: 'mug', quantity: 1, amount: 9 }]] }),
      400,
      'VALIDATION_FAILED',
    );
    expect(fieldsOf(response)).toContain('lines');
  });

  it('an array where the source reference object is expected is a 400 on source', async () => {
    const response = await expectRefused(
      t,
      () => t.request('POST', '/customers', { name: 'Bea Ruiz', kind: 'customer', source: [{ system: 'crm', id: 'B-1' }] }),
      400,
      'VALIDATION_FAILED',
    );
    expect(fieldsOf(response)).toContain('source');
  });

  it('the same requests with ordinary values are accepted', async () => {
    expect((await purchase({ lines: [{ product: 'mug', quantity: 1, amount: 9.125 }], margin: 1.5, currency: 'KWD' })).status).toBe(201);
    const withSource = await t.request('POST', '/customers', { name: 'Bea Ruiz', kind: 'customer', source: { system: 'crm', id: 'B-1' } });
    expect(withSource.status).toBe(201);
  });

  it('every nested object or list of them in every request DTO also declares IsObject (so arrays are refused)', () => {
    const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<object, ValidationMetadata[]> };
    const missing: string[] = [];
    let nestedSeen = 0;
    for (const [target, metadatas] of storage.validationMetadatas) {
      for (const nested of metadatas.filter((m) => m.type === 'nestedValidation')) {
        nestedSeen += 1;
        const declared = metadatas.some(
          (m) => m.propertyName === nested.propertyName && m.name === 'isObject' && (m.each ?? false) === (nested.each ?? false),
        );
        if (!declared) missing.push(`${(target as { name?: string }).name}.${nested.propertyName}`);
      }
    }
    expect(nestedSeen).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });
});
