import { ManualClock } from '../../src/shared/clock';
import { CommandProcessor } from '../../src/shared/decider/command-processor';
import type { Decider } from '../../src/shared/decider/decider';
import { BusinessRuleViolation } from '../../src/shared/errors/domain-errors';
import { type AppendOptions, type NewEvent, WrongExpectedRevisionError } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { SequentialIdGenerator } from '../../src/shared/ids';

/**
 * The command processor as the one generic handler: load and fold, decide, append with the
 * expected revision; what it records in each event's metadata; If-Match; one retry on a
 * concurrent writer; dry runs.
 */

type Command = { type: 'Deposit'; amount: number; occurredAt?: string } | { type: 'Noop' };
type Event = { type: 'Deposited'; data: { amount: number; occurredAt?: string } };

/** An account: deposits of positive amounts; the state is the balance and how many decisions saw it. */
const account: Decider<{ balance: number }, Command, Event> = {
  initialState: () => ({ balance: 0 }),
  evolve: (state, event) => ({ balance: state.balance + event.data.amount }),
  decide(command, state) {
    if (command.type === 'Noop') return [];
    if (command.amount <= 0) throw new BusinessRuleViolation('AMOUNT_NOT_POSITIVE', 'amounts are positive', { balance: state.balance });
    return [
      {
        type: 'Deposited',
        data: command.occurredAt ? { amount: command.amount, occurredAt: command.occurredAt } : { amount: command.amount },
      },
    ];
  },
};

const NOW = '2026-03-10T12:00:00.000Z';

describe('CommandProcessor', () => {
  let store: SqliteEventStore;
  let processor: CommandProcessor;
  const context = { actor: 'user:ana', correlationId: 'corr-1', commandId: 'cmd-1' };
  const deposit = (amount: number, extra: { occurredAt?: string; expectedRevision?: bigint; commandId?: string } = {}) =>
    processor.handle({
      decider: account,
      streamName: 'account-1',
      command: { type: 'Deposit', amount, occurredAt: extra.occurredAt },
      context: { ...context, commandId: extra.commandId ?? context.commandId, expectedRevision: extra.expectedRevision },
    });

  beforeEach(() => {
    store = new SqliteEventStore({ filename: ':memory:' });
    processor = new CommandProcessor(store, new ManualClock(NOW), new SequentialIdGenerator('00000000-0000-4000-8000-'));
  });
  afterEach(() => store.close());

  it('appends the decided events with the actor, correlation, causation, both times and the schema version', async () => {
    const first = await deposit(10);
    const second = await deposit(5, { occurredAt: '2026-03-01T09:00:00.000Z', commandId: 'cmd-2' });
    const stored = await store.readStream('account-1');
    expect(stored.map((e) => ({ id: e.id, revision: e.revision, type: e.type, data: e.data, metadata: e.metadata }))).toEqual([
      {
        id: '00000000-0000-4000-8000-000000000001',
        revision: 0n,
        type: 'Deposited',
        data: { amount: 10 },
        metadata: { actor: 'user:ana', correlationId: 'corr-1', causationId: 'cmd-1', occurredAt: NOW, recordedAt: NOW, schemaVersion: 1 },
      },
      {
        id: '00000000-0000-4000-8000-000000000002',
        revision: 1n,
        type: 'Deposited',
        data: { amount: 5, occurredAt: '2026-03-01T09:00:00.000Z' },
        // Business time from the event's data, record time from the clock.
        metadata: {
          actor: 'user:ana',
          correlationId: 'corr-1',
          causationId: 'cmd-2',
          occurredAt: '2026-03-01T09:00:00.000Z',
          recordedAt: NOW,
          schemaVersion: 1,
        },
      },
    ]);
    expect(first).toMatchObject({
      streamName: 'account-1',
      revision: 0n,
      position: stored[0].position,
      state: { balance: 10 },
      replayed: false,
    });
    expect(second).toMatchObject({ revision: 1n, position: stored[1].position, state: { balance: 15 }, replayed: false });
    expect(second.events.map((e) => e.id)).toEqual([stored[1].id]);
  });

  it('gives a command without an id one from the generator, and keeps one it has', async () => {
    expect(processor.withCommandId({ ...context, commandId: '' }).commandId).toBe('00000000-0000-4000-8000-000000000001');
    expect(processor.withCommandId(context)).toBe(context);
  });

  it('appends nothing when the decider decides nothing, and says where the stream ends', async () => {
    const { position } = await deposit(10);
    const outcome = await processor.handle({ decider: account, streamName: 'account-1', command: { type: 'Noop' }, context });
    expect(outcome).toEqual({ streamName: 'account-1', revision: 0n, position, events: [], state: { balance: 10 }, replayed: false });
    const empty = await processor.handle({ decider: account, streamName: 'account-2', command: { type: 'Noop' }, context });
    expect(empty).toEqual({ streamName: 'account-2', revision: -1n, position: null, events: [], state: { balance: 0 }, replayed: false });
    expect(await store.readAll()).toHaveLength(1);
  });

  it('refuses a stale If-Match without appending or retrying, and appends on the current one', async () => {
    await expect(deposit(1, { expectedRevision: 0n })).rejects.toEqual(new WrongExpectedRevisionError('account-1', 0n, 'no_stream'));
    await deposit(10);
    const stale = deposit(1, { expectedRevision: 5n });
    await expect(stale).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await expect(stale).rejects.toMatchObject({ streamName: 'account-1', expected: 5n, actual: 0n });
    expect(await store.readAll()).toHaveLength(1);
    expect(await deposit(2, { expectedRevision: 0n })).toMatchObject({ revision: 1n, state: { balance: 12 } });
  });

  it('lets a business rule refuse, appending nothing', async () => {
    await expect(deposit(0)).rejects.toMatchObject({ code: 'AMOUNT_NOT_POSITIVE', details: { balance: 0 } });
    expect(await store.readAll()).toHaveLength(0);
  });

  describe('a concurrent writer between load and append', () => {
    /** Appends `amount` to the stream behind the processor's back before each of the first `times` appends. */
    const interfere = (amount: number, times: number): NewEvent[] => {
      const sneaked: NewEvent[] = [];
      const append = store.appendToStream.bind(store);
      let left = times;
      store.appendToStream = async (streamName: string, events: NewEvent[], options?: AppendOptions) => {
        if (left > 0) {
          left -= 1;
          const other: NewEvent = { ...events[0], id: `00000000-0000-4000-9000-00000000000${left}`, data: { amount } };
          sneaked.push(other);
          await append(streamName, [other]);
        }
        return append(streamName, events, options);
      };
      return sneaked;
    };

    it('is retried once on fresh state', async () => {
      await deposit(10);
      interfere(100, 1);
      const outcome = await deposit(5);
      expect(outcome).toMatchObject({ revision: 2n, state: { balance: 115 } });
      expect((await store.readStream('account-1')).map((e) => e.data)).toEqual([{ amount: 10 }, { amount: 100 }, { amount: 5 }]);
    });

    it('fails on a second conflict', async () => {
      interfere(100, 2);
      await expect(deposit(5)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect((await store.readStream('account-1')).map((e) => e.data)).toEqual([{ amount: 100 }, { amount: 100 }]);
    });

    it('is not retried under If-Match: the client saw the old revision', async () => {
      await deposit(10);
      interfere(100, 1);
      await expect(deposit(5, { expectedRevision: 0n })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect((await store.readStream('account-1')).map((e) => e.data)).toEqual([{ amount: 10 }, { amount: 100 }]);
    });
  });

  describe('dryRun', () => {
    const dry = (command: Command, extra: { expectedRevision?: bigint; idempotencyKey?: string } = {}) =>
      processor.dryRun({ decider: account, streamName: 'account-1', command, context: { ...context, ...extra } });

    it('takes the decision without appending: passes or throws the refusal', async () => {
      await expect(dry({ type: 'Deposit', amount: 3 })).resolves.toBeUndefined();
      await expect(dry({ type: 'Deposit', amount: -3 })).rejects.toMatchObject({ code: 'AMOUNT_NOT_POSITIVE' });
      expect(await store.readAll()).toHaveLength(0);
    });

    it('checks If-Match', async () => {
      await deposit(10);
      await expect(dry({ type: 'Deposit', amount: 3 }, { expectedRevision: 3n })).rejects.toMatchObject({ expected: 3n, actual: 0n });
      await expect(dry({ type: 'Deposit', amount: 3 }, { expectedRevision: 0n })).resolves.toBeUndefined();
      await expect(
        processor.dryRun({
          decider: account,
          streamName: 'account-9',
          command: { type: 'Noop' },
          context: { ...context, expectedRevision: 0n },
        }),
      ).rejects.toMatchObject({
        actual: 'no_stream',
      });
    });

    it('passes a request already carried out, whatever the decider would say now', async () => {
      await processor.handle({
        decider: account,
        streamName: 'account-1',
        command: { type: 'Deposit', amount: 4 },
        context: { ...context, idempotencyKey: 'k-1' },
      });
      await expect(dry({ type: 'Deposit', amount: -1 }, { idempotencyKey: 'k-1' })).resolves.toBeUndefined();
      await expect(dry({ type: 'Deposit', amount: -1 }, { idempotencyKey: 'k-2' })).rejects.toMatchObject({ code: 'AMOUNT_NOT_POSITIVE' });
    });
  });
});
