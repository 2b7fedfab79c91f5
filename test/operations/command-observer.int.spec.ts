import { ManualClock } from '../../src/shared/clock';
import { type CommandObserver, type CommandOutcomeKind, CommandProcessor } from '../../src/shared/decider/command-processor';
import type { Decider } from '../../src/shared/decider/decider';
import { BusinessRuleViolation } from '../../src/shared/errors/domain-errors';
import { type AppendObserver, type AppendOutcome, MeteredEventStore } from '../../src/shared/event-store/metered-event-store';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { SequentialIdGenerator } from '../../src/shared/ids';

type Command = { type: 'Open' } | { type: 'Close' } | { type: 'Touch' };
type Event = { type: 'Opened'; data: object } | { type: 'Closed'; data: object };

/** A door: opens once, closes once it is open; Touch changes nothing. */
const door: Decider<'none' | 'open' | 'closed', Command, Event> = {
  initialState: () => 'none',
  evolve: (_state, event) => (event.type === 'Opened' ? 'open' : 'closed'),
  decide(command, state) {
    if (command.type === 'Touch') return [];
    if (command.type === 'Open') {
      if (state !== 'none') throw new BusinessRuleViolation('ALREADY_OPENED', 'the door was opened before');
      return [{ type: 'Opened', data: {} }];
    }
    if (state !== 'open') throw new BusinessRuleViolation('NOT_OPEN', 'the door is not open');
    return [{ type: 'Closed', data: {} }];
  },
};

describe('command and append observers', () => {
  const seen: [string, CommandOutcomeKind, string | null][] = [];
  const appends: AppendOutcome[] = [];
  const commands: CommandObserver = { commandHandled: (command, outcome, code) => seen.push([command, outcome, code]) };
  const timing: AppendObserver = {
    appendObserved: (seconds, outcome) => (expect(seconds).toBeGreaterThanOrEqual(0), appends.push(outcome)),
  };
  const store = new MeteredEventStore(new SqliteEventStore({ filename: ':memory:' }), timing);
  const processor = new CommandProcessor(store, new ManualClock(), new SequentialIdGenerator(), commands);
  const context = { actor: 'test', correlationId: 'c', commandId: '' };

  afterAll(() => store.close());

  it('reports each command with its outcome, and never changes the outcome', async () => {
    const run = (command: Command, extra: { expectedRevision?: bigint; idempotencyKey?: string } = {}) =>
      processor.handle({ decider: door, streamName: 'door-1', command, context: { ...context, ...extra } });
    await run({ type: 'Open' }, { idempotencyKey: 'k1' });
    await run({ type: 'Open' }, { idempotencyKey: 'k1' });
    await expect(run({ type: 'Open' })).rejects.toThrow(BusinessRuleViolation);
    await expect(run({ type: 'Close' }, { expectedRevision: 5n })).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION' });
    await run({ type: 'Touch' });
    await run({ type: 'Close' });
    expect(seen).toEqual([
      ['Open', 'accepted', null],
      ['Open', 'replayed', null],
      ['Open', 'refused', 'ALREADY_OPENED'],
      ['Close', 'conflict', 'WRONG_EXPECTED_REVISION'],
      ['Touch', 'unchanged', null],
      ['Close', 'accepted', null],
    ]);
    expect(appends).toEqual(['ok', 'ok']);
    await expect(store.appendToStream('door-1', [], { expectedRevision: 'no_stream' })).rejects.toThrow();
    expect(appends.at(-1)).toBe('conflict');
  });

  it('ignores an observer that throws', async () => {
    const failing = new CommandProcessor(store, new ManualClock(), new SequentialIdGenerator(), {
      commandHandled: () => {
        throw new Error('observer broke');
      },
    });
    const outcome = await failing.handle({ decider: door, streamName: 'door-2', command: { type: 'Open' }, context });
    expect(outcome.events).toHaveLength(1);
  });
});
