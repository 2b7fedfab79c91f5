import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import fc from 'fast-check';
import { RegisterComplaintDto } from '../../src/complaints/dto/complaint-commands.dto';
import { RecordPurchaseDto } from '../../src/customers/dto/customer-commands.dto';
import { ValidationFailedError } from '../../src/shared/errors/domain-errors';
import { isCompiled, knownValid } from '../../src/shared/http/compiled-validation';
import { relataValidationPipe, toFieldErrors } from '../../src/shared/http/validation';

type Dto = new () => object;

/** The options of the Relata validation pipe, as class-validator receives them. */
const PIPE_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};

const UUID = '00000000-0000-4000-8000-000000000001';
const LINE = { product: 'Teapot', quantity: 2, amount: 39.9 };

type Verdict = boolean | 'throws';

/**
 * What a check says; 'throws' for the numbers class-validator's isNumber cannot take apart (5e-324
 * is written without a decimal point): then the pipe fails as it did before, on either path.
 */
async function verdictOf(check: () => Promise<boolean> | boolean): Promise<Verdict> {
  try {
    return await check();
  } catch {
    return 'throws';
  }
}

/** class-validator's verdict and the compiled one, on the same transformed body. */
async function verdicts(dto: Dto, body: unknown): Promise<{ classValidator: Verdict; compiled: Verdict }> {
  const instance = plainToInstance(dto, body) as object;
  return {
    classValidator: await verdictOf(async () => (await validate(instance, PIPE_OPTIONS)).length === 0),
    compiled: await verdictOf(() => knownValid(instance)),
  };
}

/** What the pipe answers: the DTO, or the field errors of its 400 problem. */
async function throughPipe(dto: Dto, body: unknown): Promise<unknown> {
  try {
    return await relataValidationPipe().transform(body, { type: 'body', metatype: dto });
  } catch (error) {
    if (error instanceof ValidationFailedError) return { fields: error.errors };
    throw error;
  }
}

const complaint = (overrides: Record<string, unknown>) => ({
  customerId: UUID,
  channel: 'email',
  category: 'billing',
  description: 'charged twice',
  ...overrides,
});
const purchase = (overrides: Record<string, unknown>) => ({ lines: [LINE], ...overrides });

const BAD_COMPLAINTS: [string, Record<string, unknown>][] = [
  ['no customerId', { customerId: undefined }],
  ['a customerId that is not a uuid', { customerId: 'c-1' }],
  ['a number for customerId', { customerId: 7 }],
  ['an unknown channel', { channel: 'fax' }],
  ['an empty category', { category: '' }],
  ['a category too long', { category: 'x'.repeat(201) }],
  ['a description too long', { description: 'x'.repeat(10_001) }],
  ['an impossible date', { occurredAt: '2026-02-30T10:00:00Z' }],
  ['a date that is no date', { receivedAt: 'yesterday' }],
  ['a followUpOf that is not a uuid', { followUpOf: 'C-2026-1' }],
  ['a source without its id', { source: { system: 'crm' } }],
  ['a source system in capitals', { source: { system: 'CRM', id: '1' } }],
  ['a source that is a string', { source: 'crm:1' }],
  ['an unknown field in the source', { source: { system: 'crm', id: '1', url: 'x' } }],
  ['an unknown field', { priority: 'high' }],
];

const BAD_PURCHASES: [string, Record<string, unknown>][] = [
  ['no lines', { lines: undefined }],
  ['an empty list of lines', { lines: [] }],
  ['501 lines', { lines: Array.from({ length: 501 }, () => LINE) }],
  ['lines that are not a list', { lines: LINE }],
  ['a line that is a number', { lines: [5] }],
  ['a line that is null', { lines: [null] }],
  ['a line without a product', { lines: [{ quantity: 1, amount: 1 }] }],
  ['a fractional quantity', { lines: [{ ...LINE, quantity: 1.5 }] }],
  ['a negative amount', { lines: [{ ...LINE, amount: -1 }] }],
  ['an amount with four decimals', { lines: [{ ...LINE, amount: 1.0001 }] }],
  ['an unknown field in a line', { lines: [{ ...LINE, sku: 'T-1' }] }],
  ['a purchaseId with a space', { purchaseId: 'INV 1' }],
  ['a margin beyond the bound', { margin: 1e13 }],
  ['a margin that is text', { margin: '5' }],
  ['a currency in lower case', { currency: 'eur' }],
  ['an impossible date', { occurredAt: '2026-13-01' }],
  ['an unknown field', { discount: 5 }],
];

describe('compiled validation (the verdict) and class-validator (the 400 problem) agree', () => {
  it('compiles the DTOs of the benchmarked commands, register complaint and record purchase', () => {
    expect(isCompiled(RegisterComplaintDto)).toBe(true);
    expect(isCompiled(RecordPurchaseDto)).toBe(true);
  });

  it.each<[string, Dto, Record<string, unknown>]>([
    ['a minimal complaint', RegisterComplaintDto, complaint({})],
    [
      'a complaint with every field',
      RegisterComplaintDto,
      complaint({
        subCategory: 'card',
        product: 'current account',
        remedySought: 'a refund',
        occurredAt: '2026-03-01',
        receivedAt: '2026-03-02T09:00:00Z',
        acknowledgedAt: '2026-03-02T10:00:00.000+01:00',
        followUpOf: UUID,
        source: { system: 'cfpb', id: '1234567' },
      }),
    ],
    ['a minimal purchase', RecordPurchaseDto, purchase({})],
    [
      'a purchase with every field',
      RecordPurchaseDto,
      purchase({ purchaseId: 'INV-2026.1', margin: -3.5, currency: 'USD', occurredAt: '2026-03-01T00:00:00Z', lines: [LINE, LINE] }),
    ],
  ])('accepts %s on both paths, and the pipe gives the same DTO', async (_name, dto, body) => {
    expect(await verdicts(dto, body)).toEqual({ classValidator: true, compiled: true });
    const transformed = await throughPipe(dto, body);
    expect(transformed).toBeInstanceOf(dto);
    expect(transformed).toEqual(plainToInstance(dto, body) as object);
  });

  it.each([
    ...BAD_COMPLAINTS.map(([name, overrides]): [string, Dto, unknown] => [
      `complaint: ${name}`,
      RegisterComplaintDto,
      complaint(overrides),
    ]),
    ...BAD_PURCHASES.map(([name, overrides]): [string, Dto, unknown] => [`purchase: ${name}`, RecordPurchaseDto, purchase(overrides)]),
  ])("refuses %s on both paths, with class-validator's field errors in the 400", async (_name, dto, body) => {
    expect(await verdicts(dto, body)).toEqual({ classValidator: false, compiled: false });
    const instance = plainToInstance(dto, body) as object;
    expect(await throughPipe(dto, body)).toEqual({ fields: toFieldErrors(await validate(instance, PIPE_OPTIONS)) });
  });

  describe('on generated bodies, mostly good values with bad ones mixed in', () => {
    /** Good values five times out of six: enough whole bodies come out valid to test that side too. */
    const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
      fc.oneof({ arbitrary: good, weight: 5 }, { arbitrary: bad, weight: 1 });
    const text = (max: number) =>
      mostly(
        fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom('a', 'x'.repeat(max), 'ünïcödé ✓')),
        fc.oneof(fc.constantFrom('', 'x'.repeat(max + 1), '\uFE0F', undefined), fc.integer(), fc.constant(null)),
      );
    const date = mostly(
      fc.oneof(
        fc.constantFrom('2026-03-10T12:00:00.000Z', '2026-03-10', '2026-W10-2', '20260310'),
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('2100-01-01') }).map((value) => value.toISOString()),
      ),
      fc.oneof(fc.constantFrom('2026-02-30T00:00:00Z', 'soon', '', '2026-03-10T25:00:00Z'), fc.integer(), fc.constant(null)),
    );
    const uuid = mostly(fc.uuid(), fc.oneof(fc.constantFrom('not-a-uuid', '', undefined), fc.integer(), fc.constant(null)));
    const source = mostly(
      fc.record({ system: fc.constantFrom('crm', 'a-b', 'cfpb'), id: fc.constantFrom('1', 'A-77', 'x'.repeat(100)) }),
      fc.oneof(
        fc.record({ system: fc.constantFrom('crm', 'CRM', ''), id: fc.constantFrom('1', '', 'é', 'x'.repeat(101)) }, { requiredKeys: [] }),
        fc.constantFrom('crm:1', null, 5, [] as unknown[], { system: 'crm', id: '1', extra: true }),
      ),
    );
    const extra = mostly(fc.constant(undefined), fc.constantFrom('priority', 'constructor', '0', '__proto__'));
    const withExtra = (body: Record<string, unknown>, name: string | undefined) => (name === undefined ? body : { ...body, [name]: 1 });

    /** Runs the property; returns how many bodies were valid, to show both sides were tried. */
    async function agreeOn(dto: Dto, body: fc.Arbitrary<Record<string, unknown>>): Promise<number> {
      let valid = 0;
      await fc.assert(
        fc.asyncProperty(body, extra, async (generated, name) => {
          const { classValidator, compiled } = await verdicts(dto, withExtra(generated, name));
          // Valid on one path exactly when valid on the other; otherwise class-validator answers anyway.
          expect(compiled === true).toBe(classValidator === true);
          if (compiled === true) valid++;
        }),
        { numRuns: 400, seed: 20261208 },
      );
      return valid;
    }

    it('register complaint: valid on the compiled path exactly when class-validator finds no error', async () => {
      const body = fc.record(
        {
          customerId: uuid,
          channel: mostly(fc.constantFrom('phone', 'email', 'web', 'letter'), fc.constantFrom('fax', 'EMAIL', '', 3, null)),
          category: text(200),
          subCategory: text(200),
          product: text(200),
          description: text(10_000),
          remedySought: text(4000),
          occurredAt: date,
          followUpOf: uuid,
          receivedAt: date,
          acknowledgedAt: date,
          source,
        },
        { requiredKeys: ['customerId', 'channel', 'category', 'description'] },
      );
      const valid = await agreeOn(RegisterComplaintDto, body);
      expect(valid).toBeGreaterThan(20);
      expect(valid).toBeLessThan(380);
    });

    it('record purchase: valid on the compiled path exactly when class-validator finds no error', async () => {
      const money = mostly(
        fc.oneof(fc.constantFrom(0, 0.001, -1, 1e12, 19.99), fc.integer({ min: -1000, max: 1000 })),
        fc.oneof(fc.constantFrom(0.0001, 1e12 + 1, -1e12 - 1, '1', null), fc.double({ noNaN: true })),
      );
      const line = mostly(
        fc.record({ product: text(200), quantity: fc.integer({ min: 1, max: 1_000_000 }), amount: money }),
        fc.oneof(
          fc.record(
            {
              product: text(200),
              quantity: fc.oneof(fc.integer({ min: -2, max: 1_000_001 }), fc.constantFrom(1.5, '2', null)),
              amount: money,
            },
            { requiredKeys: [] },
          ),
          fc.constantFrom(null, 5, 'line', [] as unknown[], { ...LINE, sku: 'x' }),
        ),
      );
      const body = fc.record(
        {
          purchaseId: mostly(fc.constantFrom('INV-1', 'x'.repeat(100), 'a.b:c_d-e'), fc.constantFrom('', 'a b', 'x'.repeat(101), 5, null)),
          lines: mostly(fc.array(line, { minLength: 1, maxLength: 4 }), fc.constantFrom([] as unknown[], LINE, 'lines', null)),
          margin: money,
          currency: mostly(fc.constantFrom('EUR', 'USD', 'GBP'), fc.constantFrom('eur', 'EURO', '', null, 3)),
          occurredAt: date,
        },
        { requiredKeys: ['lines'] },
      );
      const valid = await agreeOn(RecordPurchaseDto, body);
      expect(valid).toBeGreaterThan(20);
      expect(valid).toBeLessThan(380);
    });
  });
});
