import type { FastifyRequest } from 'fastify';
import { REJECTIONS_COLLECTION, RejectionLog } from '../../src/audit/rejection-log';
import { loadConfig } from '../../src/config/config';
import { ManualClock } from '../../src/shared/clock';
import { ValidationFailedError } from '../../src/shared/errors/domain-errors';
import { toProblem } from '../../src/shared/errors/problem-details.filter';
import { EmbeddedReadStore } from '../../src/shared/read-store/embedded-read-store';

const request = (url = '/customers'): FastifyRequest =>
  ({ method: 'POST', url, headers: { 'x-correlation-id': 'c' }, subject: 'agent-7' }) as unknown as FastifyRequest;

describe('rejection log bounds', () => {
  let readStore: EmbeddedReadStore;
  let clock: ManualClock;

  beforeEach(() => {
    readStore = new EmbeddedReadStore({ filename: ':memory:' });
    clock = new ManualClock('2026-03-10T14:00:00.000Z');
  });
  afterEach(async () => {
    await readStore.close();
  });

  it('keeps a bounded list of field names (never values) for a refusal listing thousands of fields', async () => {
    const log = new RejectionLog(readStore, clock);
    await log.onModuleInit();
    const errors = Array.from({ length: 5_000 }, (_, i) => ({
      field: `lines.${i}.${'x'.repeat(300)}`,
      messages: ['property should not exist'],
    }));
    await log.record(toProblem(new ValidationFailedError(errors)), request());
    const [record] = (await log.list({ limit: 1 })).items;
    expect(record.fields).toHaveLength(50);
    expect(record.fieldCount).toBe(5_000);
    expect(record.fields.every((field) => field.length <= 100)).toBe(true);
    expect(JSON.stringify(await readStore.collection(REJECTIONS_COLLECTION).get(record.id)).length).toBeLessThan(8_000);
  });

  it('prunes records past the age limit and the oldest past the count limit', async () => {
    const log = new RejectionLog(readStore, clock, { rejectionLogMaxEntries: 5, rejectionLogMaxAgeDays: 1 });
    await log.onModuleInit();
    for (let i = 0; i < 8; i++) {
      clock.advance(1_000);
      await log.record(toProblem(new ValidationFailedError([{ field: 'f', messages: ['bad'] }], `refusal ${i}`)), request());
    }
    expect(await log.prune()).toBe(3);
    expect((await log.list({ limit: 50 })).items.map((r) => r.detail)).toEqual([
      'refusal 7',
      'refusal 6',
      'refusal 5',
      'refusal 4',
      'refusal 3',
    ]);
    // f7 was recorded just now: one day and a millisecond later everything is past the age limit.
    clock.advance(86_400_001);
    expect(await log.prune()).toBe(5);
    expect((await log.list({ limit: 50 })).items).toEqual([]);
  });

  it('prunes by itself as records come in', async () => {
    const log = new RejectionLog(readStore, clock, { rejectionLogMaxEntries: 10, rejectionLogMaxAgeDays: 90 });
    await log.onModuleInit();
    for (let i = 0; i < 250; i++) await log.record(toProblem(new ValidationFailedError([{ field: 'f', messages: ['bad'] }])), request());
    expect(await readStore.collection(REJECTIONS_COLLECTION).count()).toBeLessThanOrEqual(10 + 100);
  });

  it('is configured by RELATA_REJECTION_LOG_MAX_ENTRIES and RELATA_REJECTION_LOG_MAX_AGE_DAYS', () => {
    expect(loadConfig({})).toMatchObject({ rejectionLogMaxEntries: 100_000, rejectionLogMaxAgeDays: 90 });
    expect(loadConfig({ RELATA_REJECTION_LOG_MAX_ENTRIES: '500', RELATA_REJECTION_LOG_MAX_AGE_DAYS: '7' })).toMatchObject({
      rejectionLogMaxEntries: 500,
      rejectionLogMaxAgeDays: 7,
    });
  });
});
