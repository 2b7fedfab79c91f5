import { toJsonView } from '../../src/audit/json-view';
import { STREAM_KINDS, streamFolder, streamKindOf } from '../../src/audit/stream-kinds';
import { streamStateAt } from '../../src/audit/stream-state';
import type { NewEvent } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { BusinessRuleViolation, NotFoundError } from '../../src/shared/errors/domain-errors';

describe('stream kinds', () => {
  it('finds the kind by the longest matching prefix', () => {
    const kind = (name: string) => streamKindOf(name)?.name;
    expect(kind('customer-0b6c7a1e-1111-4000-8000-000000000001')).toBe('customer');
    expect(kind('customer-email-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08')).toBe('email-claim');
    expect(kind('customer-segments-abc')).toBe('customer-segments');
    expect(kind('complaint-abc')).toBe('complaint');
    expect(kind('complaint-numbers-2026')).toBe('complaint-number-counter');
    expect(kind('department-abc')).toBe('department');
    expect(kind('clv-model')).toBe('clv-model');
    expect(kind('clv-model-2')).toBeUndefined();
    expect(kind('customer-')).toBeUndefined();
    expect(kind('access-key-1')).toBe('access-key');
    expect(kind('campaign-abc')).toBe('campaign');
    expect(kind('order-1')).toBeUndefined();
  });

  it('gives every kind but the counters a decider', () => {
    expect(STREAM_KINDS.filter((k) => k.folder === undefined).map((k) => k.name)).toEqual(['complaint-number-counter']);
  });
});

describe('toJsonView', () => {
  it('turns Sets into arrays, Maps into objects and bigints into strings, recursively', () => {
    const state = {
      ids: new Set(['a', 'b']),
      byId: new Map<string, unknown>([['x', { seen: new Set([1]), at: new Date('2026-03-10T14:02:00Z') }]]),
      revision: 12n,
      missing: undefined,
      nothing: null,
      list: [new Map([[1, 'one']])],
      ratio: Number.NaN,
    };
    expect(toJsonView(state)).toEqual({
      ids: ['a', 'b'],
      byId: { x: { seen: [1], at: '2026-03-10T14:02:00.000Z' } },
      revision: '12',
      nothing: null,
      list: [{ 1: 'one' }],
      ratio: null,
    });
  });
});

describe('streamStateAt', () => {
  type Counted = { type: 'Added'; data: { n: number } } | { type: 'Reset'; data: Record<string, never> };
  const counter = {
    name: 'counter',
    prefix: 'counter-',
    folder: streamFolder<{ total: number; seen: Set<number> }, Counted>(
      {
        initialState: () => ({ total: 0, seen: new Set() }),
        evolve: (state, event) => {
          if (event.type === 'Reset') {
            if (state.total === 0) throw new Error('nothing to reset');
            return { total: 0, seen: new Set() };
          }
          return { total: state.total + event.data.n, seen: new Set(state.seen).add(event.data.n) };
        },
      },
      ['Added', 'Reset'],
    ),
  };
  const kinds = [counter, { name: 'tally', prefix: 'tally-' }];
  let store: SqliteEventStore;

  const event = (type: string, data: object, recordedAt: string, occurredAt = recordedAt): NewEvent => ({
    id: `${type}-${recordedAt}-${Math.random()}`,
    type,
    data,
    metadata: { actor: 'spec', correlationId: 'c', causationId: 'c', occurredAt, recordedAt, schemaVersion: 1 },
  });

  beforeEach(async () => {
    store = new SqliteEventStore({ filename: ':memory:' });
    await store.appendToStream('counter-1', [event('Added', { n: 1 }, '2026-03-10T14:00:00.000Z')]);
    await store.appendToStream('counter-1', [event('Renamed', { to: 'x' }, '2026-03-10T14:01:00.000Z')]);
    // Keyed in at 14:10, it happened at 13:00: by occurrence it comes before everything else.
    await store.appendToStream('counter-1', [event('Reset', {}, '2026-03-10T14:10:00.000Z', '2026-03-10T13:00:00.000Z')]);
    await store.appendToStream('tally-1', [event('Ticked', {}, '2026-03-10T14:00:00.000Z')]);
  });
  afterEach(async () => {
    await store.close();
  });

  it('folds the recorded prefix, leaving out and reporting event types the decider does not know', async () => {
    const { view, events } = await streamStateAt(
      store,
      'counter-1',
      { at: 'time', asOf: new Date('2026-03-10T14:05:00Z'), basis: 'recorded' },
      kinds,
    );
    expect(events.map((e) => e.type)).toEqual(['Added', 'Renamed']);
    expect(view).toMatchObject({
      kind: 'counter',
      revision: 1,
      eventsFolded: 1,
      currentRevision: 2,
      skippedEvents: [{ revision: 1, type: 'Renamed' }],
      state: { total: 1, seen: [1] },
    });
  });

  it('refuses a fold that only fails out of stream order (by occurrence) with a 422', async () => {
    const fold = streamStateAt(store, 'counter-1', { at: 'time', asOf: new Date('2026-03-10T13:30:00Z'), basis: 'occurred' }, kinds);
    await expect(fold).rejects.toBeInstanceOf(BusinessRuleViolation);
    await expect(fold).rejects.toMatchObject({ code: 'STREAM_NOT_FOLDABLE', details: { revision: 2, eventType: 'Reset' } });
  });

  it('answers 404 for an empty stream and 422 for a kind without decider or an unknown kind', async () => {
    await expect(streamStateAt(store, 'counter-9', { at: 'latest' }, kinds)).rejects.toBeInstanceOf(NotFoundError);
    await expect(streamStateAt(store, 'tally-1', { at: 'latest' }, kinds)).rejects.toMatchObject({
      code: 'STREAM_STATE_NOT_AVAILABLE',
      status: 422,
    });
    await store.appendToStream('orders-1', [event('Ordered', {}, '2026-03-10T14:00:00.000Z')]);
    await expect(streamStateAt(store, 'orders-1', { at: 'latest' }, kinds)).rejects.toMatchObject({
      code: 'STREAM_STATE_NOT_AVAILABLE',
      details: { kind: null },
    });
  });
});
