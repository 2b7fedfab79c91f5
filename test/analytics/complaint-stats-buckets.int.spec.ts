import { complaintStatistics, type StatInterval } from '../../src/analytics/complaint-stats';
import {
  assembleBuckets,
  bucketsCanAnswer,
  type DayBucket,
  DayBucketCache,
  type DayCounters,
  type DayListDoc,
  emptyCounters,
  statisticsFromBuckets,
} from '../../src/analytics/complaint-stats-buckets';
import { EmbeddedReadStore } from '../../src/shared/read-store/embedded-read-store';
import { type ComplaintFacts, COMPLAINTS_PER_BUCKET, complaintStatsProjection } from '../../src/analytics/complaint-stats.projection';
import { type GivenEvent, projectEvents, type ProjectionSpecResult } from '../support/projection-spec';

/** The day buckets as readers see them: each bucket's counters with its list documents. */
async function storedBuckets(result: ProjectionSpecResult): Promise<DayBucket[]> {
  const counters = Object.values(await result.docs('days')) as unknown as (DayCounters & { _id: string })[];
  const lists = Object.values(await result.docs('day-lists')) as unknown as DayListDoc[];
  return assembleBuckets(counters, lists);
}

/** A small seeded generator (mulberry32), so every run projects the same histories. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] };
}

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * Complaints of a few customers (so several complain more than once), registered out of time order,
 * each walked through a random part of its life: acknowledged, assigned, assessed, graded, breached,
 * resolved, rated, closed, reopened and resolved again.
 */
function histories(seed: number, complaints: number, customers: number, days = 400): GivenEvent[] {
  const rng = random(seed);
  const start = Date.parse('2025-01-01T00:00:00.000Z');
  const events: GivenEvent[] = [];
  for (let i = 0; i < complaints; i++) {
    const complaintId = uuid(1000 + i);
    const ev = (type: string, data: object): GivenEvent => ({ stream: `complaint-${complaintId}`, type, data: { complaintId, ...data } });
    const received = start + rng.int(days) * 24 * HOUR + rng.int(24 * HOUR);
    let at = received;
    const later = (): string => iso((at += 1 + rng.int(60 * HOUR)));
    events.push(
      ev('ComplaintRegistered', {
        number: `CMP-2025-${String(i + 1).padStart(6, '0')}`,
        customerId: uuid(rng.int(customers)),
        channel: rng.pick(['phone', 'email', 'web']),
        category: rng.pick(['billing', 'delivery', 'quality']),
        subCategory: null,
        product: rng.pick(['Gold', 'Silver', null]),
        description: 'x',
        remedySought: null,
        occurredAt: iso(received - HOUR),
        receivedAt: iso(received),
        followUpOf: null,
      }),
    );
    if (rng.next() < 0.8) events.push(ev('ComplaintAcknowledged', { automatic: false, acknowledgedAt: later() }));
    if (rng.next() < 0.7)
      events.push(
        ev('ComplaintAssigned', {
          department: rng.pick(['dep-1', 'dep-2']),
          assignee: null,
          previousDepartment: null,
          previousAssignee: null,
          by: 'x',
          assignedAt: later(),
        }),
      );
    if (rng.next() < 0.7)
      events.push(ev('ComplaintAssessed', { valid: rng.next() < 0.8, rationale: 'r', feedbackToCustomer: null, assessedAt: later() }));
    if (rng.next() < 0.6)
      events.push(ev('ComplaintGraded', { severity: rng.pick(['low', 'medium', 'high']), difficulty: 'low', gradedAt: later() }));
    if (rng.next() < 0.2)
      events.push(ev('SlaBreached', { deadline: rng.pick(['first-response', 'resolution']), dueAt: later(), breachedAt: later() }));
    if (rng.next() < 0.6) {
      const resolve = (): GivenEvent =>
        ev('ComplaintResolved', { solution: 's', resolutionDueAt: iso(at + 48 * HOUR), withinSla: rng.next() < 0.7, resolvedAt: later() });
      events.push(resolve());
      if (rng.next() < 0.6)
        events.push(
          ev('SatisfactionRecorded', {
            csat: 1 + rng.int(5),
            nps: rng.next() < 0.8 ? rng.int(11) : null,
            reason: null,
            comment: null,
            recordedAt: later(),
          }),
        );
      if (rng.next() < 0.5)
        events.push(ev('ComplaintClosed', { reason: 'resolved', feedbackToCustomer: null, duplicateOf: null, closedAt: later() }));
      if (rng.next() < 0.2) {
        events.push(
          ev('ComplaintReopened', {
            trigger: 'reopen-request',
            reason: 'again',
            status: 'investigating',
            clockPausedMs: 0,
            firstResponseDueAt: null,
            resolutionDueAt: null,
            warningAt: null,
            reopenedAt: later(),
          }),
        );
        if (rng.next() < 0.5) events.push(resolve());
      }
    }
  }
  // Interleave the complaints' histories (each complaint's own events stay in order).
  const queues = new Map<string, GivenEvent[]>();
  for (const e of events) queues.set(e.stream, [...(queues.get(e.stream) ?? []), e]);
  const interleaved: GivenEvent[] = [];
  const streams = [...queues.keys()];
  while (streams.length > 0) {
    const index = rng.int(streams.length);
    const queue = queues.get(streams[index])!;
    interleaved.push(queue.shift()!);
    if (queue.length === 0) streams.splice(index, 1);
  }
  return interleaved;
}

const windows: { from: string; to: string; interval?: StatInterval }[] = [
  { from: '2025-03-01', to: '2026-03-01', interval: 'month' },
  { from: '2025-06-01', to: '2025-07-01', interval: 'day' },
  { from: '2025-02-03', to: '2025-05-05', interval: 'week' },
  { from: '2025-01-01', to: '2026-02-10' },
  { from: '2025-09-15', to: '2025-09-16' },
];

describe('complaint statistics from the day buckets', () => {
  it.each([1, 2, 3])('equal those from the facts (seed %i)', async (seed) => {
    const result = await projectEvents(complaintStatsProjection, histories(seed, 120, 40));
    const facts = Object.values(await result.docs('complaints')) as unknown as ComplaintFacts[];
    const buckets = await storedBuckets(result);
    await result.close();
    expect(facts).toHaveLength(120);
    for (const w of windows) {
      const request = { from: new Date(`${w.from}T00:00:00.000Z`), to: new Date(`${w.to}T00:00:00.000Z`), interval: w.interval };
      expect(bucketsCanAnswer(request, false)).toBe(true);
      const expected = complaintStatistics(facts, request);
      // The year windows hold complaints (a single day may hold none: it must agree all the same).
      if (w.interval === 'month') expect(expected.totals.complaints).toBeGreaterThan(20);
      expect(statisticsFromBuckets(buckets, request)).toEqual(expected);
    }
  });

  it('split a busy day into buckets of bounded size, and still equal those from the facts', async () => {
    // About 2.5 buckets' worth of complaints on each of two days, registered in any order.
    const result = await projectEvents(complaintStatsProjection, histories(5, 5 * COMPLAINTS_PER_BUCKET, 60, 2));
    const facts = Object.values(await result.docs('complaints')) as unknown as ComplaintFacts[];
    const stored = await result.docs('days');
    const buckets = await storedBuckets(result);
    await result.close();
    expect(Object.keys(stored).sort()).toEqual([
      '2025-01-01',
      '2025-01-01#1',
      '2025-01-01#2',
      '2025-01-02',
      '2025-01-02#1',
      '2025-01-02#2',
    ]);
    for (const bucket of buckets) expect(bucket.complaints).toBeLessThanOrEqual(COMPLAINTS_PER_BUCKET);
    expect(buckets.reduce((n, b) => n + b.complaints, 0)).toBe(facts.length);
    for (const w of [
      { from: '2025-01-01', to: '2025-01-03', interval: 'day' as const },
      { from: '2025-01-02', to: '2025-01-03' },
    ]) {
      const request = { from: new Date(`${w.from}T00:00:00.000Z`), to: new Date(`${w.to}T00:00:00.000Z`), interval: w.interval };
      expect(statisticsFromBuckets(buckets, request)).toEqual(complaintStatistics(facts, request));
    }
  });

  it('keep the growing parts of a bucket out of its counters document, each list within the bucket size', async () => {
    const result = await projectEvents(complaintStatsProjection, histories(6, 2 * COMPLAINTS_PER_BUCKET, 30, 1));
    const counters = Object.values(await result.docs('days'));
    const lists = Object.values(await result.docs('day-lists')) as unknown as DayListDoc[];
    await result.close();
    expect(counters.map((doc) => doc._id).sort()).toEqual(['2025-01-01', '2025-01-01#1']);
    for (const doc of counters) expect(Object.keys(doc).filter((key) => ['acknowledgeMs', 'resolveMs', 'links'].includes(key))).toEqual([]);
    expect(new Set(lists.map((list) => list.part))).toEqual(new Set(['acknowledgeMs', 'resolveMs', 'links']));
    for (const list of lists) expect(Object.keys(list.value).length).toBeLessThanOrEqual(COMPLAINTS_PER_BUCKET);
  });

  it('count repeat complainers within each window', async () => {
    const customer = uuid(1);
    const register = (n: number, receivedAt: string): GivenEvent => ({
      stream: `complaint-${uuid(n)}`,
      type: 'ComplaintRegistered',
      data: {
        complaintId: uuid(n),
        number: `CMP-2025-00000${n}`,
        customerId: customer,
        channel: 'web',
        category: 'billing',
        subCategory: null,
        product: null,
        description: 'x',
        remedySought: null,
        occurredAt: receivedAt,
        receivedAt,
        followUpOf: null,
      },
    });
    // Registered out of order: the third complaint falls between the first two.
    const result = await projectEvents(complaintStatsProjection, [
      register(11, '2025-01-10T10:00:00.000Z'),
      register(12, '2025-03-10T10:00:00.000Z'),
      register(13, '2025-01-20T10:00:00.000Z'),
    ]);
    const buckets = await storedBuckets(result);
    await result.close();
    const stats = (from: string, to: string) => statisticsFromBuckets(buckets, { from: new Date(from), to: new Date(to) }).totals;
    expect(stats('2025-01-01', '2025-02-01')).toMatchObject({
      complaints: 2,
      customers: 1,
      repeatComplainers: { customers: 1, complaints: 2, share: 1 },
    });
    expect(stats('2025-01-15', '2025-04-15')).toMatchObject({
      complaints: 2,
      customers: 1,
      repeatComplainers: { customers: 1, complaints: 2 },
    });
    expect(stats('2025-02-01', '2025-04-01')).toMatchObject({
      complaints: 1,
      customers: 1,
      repeatComplainers: { customers: 0, complaints: 0, share: 0 },
    });
  });

  it('answer only unfiltered, ungrouped windows of whole days', () => {
    const day = { from: new Date('2025-01-01T00:00:00.000Z'), to: new Date('2025-02-01T00:00:00.000Z') };
    expect(bucketsCanAnswer(day, false)).toBe(true);
    expect(bucketsCanAnswer(day, true)).toBe(false);
    expect(bucketsCanAnswer({ ...day, groupBy: 'department' }, false)).toBe(false);
    expect(bucketsCanAnswer({ ...day, to: new Date('2025-02-01T12:00:00.000Z') }, false)).toBe(false);
  });

  it('are unchanged by redelivery', async () => {
    const result = await projectEvents(complaintStatsProjection, histories(4, 30, 10));
    const snapshot = async () => ({
      days: await result.docs('days'),
      lists: await result.docs('day-lists'),
      complainants: await result.docs('complainants'),
      complaints: await result.docs('complaints'),
    });
    const once = await snapshot();
    await result.redeliverAll();
    expect(await snapshot()).toEqual(once);
    await result.close();
  });
});

describe('the day bucket cache', () => {
  it('reads a month again only when its version changed', async () => {
    const store = new EmbeddedReadStore({ filename: ':memory:' });
    const source = {
      days: store.collection<DayCounters & { _id: string }>('days'),
      lists: store.collection<DayListDoc & { _id: string }>('day-lists'),
      months: store.collection('months'),
    };
    const bucket = (day: string, complaints: number) => ({ ...emptyCounters(day), complaints });
    await source.days.replace('2025-03-01', bucket('2025-03-01', 1), { position: '1' });
    await source.days.replace('2025-03-31', bucket('2025-03-31', 2), { position: '1' });
    await source.days.replace('2025-04-01', bucket('2025-04-01', 3), { position: '1' });
    await source.months.replace('2025-03', { month: '2025-03' }, { position: '1' });
    await source.months.replace('2025-04', { month: '2025-04' }, { position: '1' });
    const cache = new DayBucketCache();
    const read = async (first: string, last: string) => (await cache.read(source, first, last)).map((b) => [b.day, b.complaints]);

    expect(await read('2025-03-01', '2025-04-02')).toEqual([
      ['2025-03-01', 1],
      ['2025-03-31', 2],
      ['2025-04-01', 3],
    ]);
    expect(await read('2025-03-31', '2025-04-01')).toEqual([['2025-03-31', 2]]);

    // A change the month's version does not show is not seen: the month came from the cache.
    await source.days.replace('2025-03-01', bucket('2025-03-01', 10), { position: '2' });
    expect(await read('2025-03-01', '2025-03-02')).toEqual([['2025-03-01', 1]]);
    // The projection stamps the month in the same transaction: then it is read again.
    await source.months.replace('2025-03', { month: '2025-03' }, { position: '2' });
    await source.days.replace('2025-03-15', bucket('2025-03-15', 5), { position: '2' });
    expect(await read('2025-03-01', '2025-05-01')).toEqual([
      ['2025-03-01', 10],
      ['2025-03-15', 5],
      ['2025-03-31', 2],
      ['2025-04-01', 3],
    ]);
    await store.close();
  });
});
