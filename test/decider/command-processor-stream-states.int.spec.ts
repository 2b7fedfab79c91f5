import { ManualClock } from '../../src/shared/clock';
import { CommandProcessor } from '../../src/shared/decider/command-processor';
import type { Decider } from '../../src/shared/decider/decider';
import { BusinessRuleViolation } from '../../src/shared/errors/domain-errors';
import type { RecordedEvent } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { ERASED } from '../../src/shared/privacy/personal-data';
import { EncryptingEventStore } from '../../src/shared/privacy/encrypting-event-store';
import { SqliteKeyStore } from '../../src/shared/privacy/sqlite-key-store';
import { SequentialIdGenerator } from '../../src/shared/ids';
import { ReadRecordingEventStore } from '../support/read-recording-event-store';

/**
 * The command processor keeps the states it folded and, on the next command for the stream, reads
 * only the events appended since. These specifications pin down that this changes no outcome: other
 * writers' appends are seen, Idempotency-Key retries still replay, and erasure is honoured.
 */

type Command = { type: 'Add'; entryId: string; note: string } | { type: 'Close' };
type Event =
  { type: 'EntryAdded'; data: { ledgerId: string; entryId: string; note: string } } | { type: 'LedgerClosed'; data: { ledgerId: string } };
interface Ledger {
  entries: readonly string[];
  notes: readonly string[];
  closed: boolean;
}

/** A ledger: entries (with a note, personal data) until it is closed; an entry id is used once. */
const ledger: Decider<Ledger, Command, Event> = {
  initialState: () => ({ entries: [], notes: [], closed: false }),
  evolve: (state, event) =>
    event.type === 'EntryAdded'
      ? { ...state, entries: [...state.entries, event.data.entryId], notes: [...state.notes, event.data.note] }
      : { ...state, closed: true },
  decide(command, state) {
    if (state.closed) throw new BusinessRuleViolation('LEDGER_CLOSED', 'the ledger is closed');
    if (command.type === 'Close') return [{ type: 'LedgerClosed', data: { ledgerId: 'l1' } }];
    if (state.entries.includes(command.entryId)) throw new BusinessRuleViolation('ENTRY_EXISTS', 'entry already added');
    return [{ type: 'EntryAdded', data: { ledgerId: 'l1', entryId: command.entryId, note: command.note } }];
  },
};

describe('CommandProcessor: folded states between commands', () => {
  const context = { actor: 'test', correlationId: 'c', commandId: '' };
  let sqlite: SqliteEventStore;
  let store: ReadRecordingEventStore;
  let clock: ManualClock;
  let processor: CommandProcessor;
  const add = (p: CommandProcessor, entryId: string, idempotencyKey?: string) =>
    p.handle({
      decider: ledger,
      streamName: 'ledger-l1',
      command: { type: 'Add', entryId, note: `note ${entryId}` },
      context: { ...context, idempotencyKey },
    });

  beforeEach(() => {
    sqlite = new SqliteEventStore({ filename: ':memory:' });
    store = new ReadRecordingEventStore(sqlite);
    clock = new ManualClock('2026-03-10T12:00:00.000Z');
    processor = new CommandProcessor(store, clock, new SequentialIdGenerator());
  });
  afterEach(() => sqlite.close());

  it('given a folded stream, when the next command comes, then only the events after it are read', async () => {
    for (const id of ['e1', 'e2', 'e3']) await add(processor, id);
    const outcome = await add(processor, 'e4');

    expect(outcome.revision).toBe(3n);
    expect(outcome.state.entries).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(store.reads.map((r) => r.fromRevision)).toEqual([undefined, 1n, 2n, 3n]);
    // The state kept includes each command's own event: the next command reads none back.
    expect(store.reads.slice(1).map((r) => r.events)).toEqual([0, 0, 0]);
    expect((await processor.load(ledger, 'ledger-l1')).state).toEqual(outcome.state);
  });

  it('given a command appended after another writer, when the next command comes, then the state has both', async () => {
    await add(processor, 'e1');
    const elsewhere = new CommandProcessor(store, clock, new SequentialIdGenerator());
    await elsewhere.handle({ decider: ledger, streamName: 'ledger-l1', command: { type: 'Add', entryId: 'x1', note: 'n' }, context });
    await add(processor, 'e2');
    store.reads.length = 0;

    const outcome = await add(processor, 'e3');

    expect(outcome.state.entries).toEqual(['e1', 'x1', 'e2', 'e3']);
    expect(store.reads).toEqual([{ streamName: 'ledger-l1', fromRevision: 3n, events: 0 }]);
  });

  it('given another writer appended meanwhile, when a command comes, then its decision sees those events', async () => {
    await add(processor, 'e1');
    const elsewhere = new CommandProcessor(store, clock, new SequentialIdGenerator());
    await elsewhere.handle({ decider: ledger, streamName: 'ledger-l1', command: { type: 'Close' }, context });

    await expect(add(processor, 'e2')).rejects.toMatchObject({ code: 'LEDGER_CLOSED' });
    expect((await processor.load(ledger, 'ledger-l1')).state).toEqual({ entries: ['e1'], notes: ['note e1'], closed: true });
  });

  it('given a request whose events lie before the folded revision, when it is retried, then it replays them and appends nothing', async () => {
    const first = await add(processor, 'e1', 'key-1');
    await add(processor, 'e2');
    await add(processor, 'e3');
    const before = (await sqlite.readStream('ledger-l1')).length;

    const retried = await add(processor, 'e1', 'key-1');

    expect(retried.replayed).toBe(true);
    expect(retried.events.map((e) => (e as RecordedEvent).id)).toEqual(first.events.map((e) => e.id));
    expect(retried.position).toBe(first.position);
    expect((await sqlite.readStream('ledger-l1')).length).toBe(before);
    // Nothing was read in full but the first time: the retry read the tail, then its own events on.
    expect(store.reads.filter((r) => r.fromRevision === undefined)).toHaveLength(1);
    expect(store.reads.at(-1)?.fromRevision).toBe(0n);
  });

  it('given a request appended by another processor after the folded revision, when it is retried here, then it replays', async () => {
    await add(processor, 'e1');
    const elsewhere = new CommandProcessor(store, clock, new SequentialIdGenerator());
    const there = await add(elsewhere, 'e2', 'key-2');

    const retried = await add(processor, 'e2', 'key-2');

    expect(retried).toMatchObject({ replayed: true, position: there.position, revision: 1n });
  });

  it('given a command refused by a rule, then the folded state is unchanged and the next command decides on it', async () => {
    await add(processor, 'e1');
    await expect(add(processor, 'e1')).rejects.toMatchObject({ code: 'ENTRY_EXISTS' });
    const outcome = await add(processor, 'e2');
    expect(outcome.state.entries).toEqual(['e1', 'e2']);
  });

  it('given a folded state older than a minute, when a command comes, then the stream is read in full again', async () => {
    await add(processor, 'e1');
    await add(processor, 'e2');
    clock.advance(60_000);
    await add(processor, 'e3');
    expect(store.reads.map((r) => r.fromRevision)).toEqual([undefined, 1n, undefined]);
  });

  it('given a subject forgotten (key deleted, states forgotten), when the stream is loaded, then its personal data reads as erased', async () => {
    const keys = new SqliteKeyStore({ filename: ':memory:', clock });
    const encrypting = new EncryptingEventStore(sqlite, keys, [
      { eventType: 'EntryAdded', subject: { path: 'ledgerId' }, fields: ['note'] },
    ]);
    const private_ = new CommandProcessor(encrypting, clock, new SequentialIdGenerator());
    await add(private_, 'e1');
    expect((await private_.load(ledger, 'ledger-l1')).state.notes).toEqual(['note e1']);

    await keys.delete('l1');
    private_.forgetCachedStates();

    expect((await private_.load(ledger, 'ledger-l1')).state.notes).toEqual([ERASED]);
    await keys.close();
  });
});
