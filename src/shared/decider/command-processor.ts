import { Inject, Injectable, Optional } from '@nestjs/common';
import { CLOCK, type Clock } from '../clock';
import { ConcurrencyConflictError, IdempotencyKeyReusedError, RelataError } from '../errors/domain-errors';
import {
  EVENT_STORE,
  type EventStore,
  type NewEvent,
  type Position,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '../event-store/event-store.port';
import { deterministicUuid, ID_GENERATOR, type IdGenerator } from '../ids';
import type { CommandContext } from './command-context';
import type { Decider, DomainEvent } from './decider';
import { StreamStateCache } from './stream-state-cache';

export interface CommandOutcome<State> {
  streamName: string;
  /** Revision of the stream's last event after the command (-1 when the stream is still empty). */
  revision: bigint;
  /** Global position of the stream's last event written by this command, or of its last event. */
  position: Position | null;
  /** Events this command appended (or had appended, on an idempotent replay). */
  events: RecordedEvent[] | NewEvent[];
  state: State;
  /** True when an Idempotency-Key matched a request already carried out: nothing was appended. */
  replayed: boolean;
}

export interface HandleArgs<State, Command, Event extends DomainEvent> {
  decider: Decider<State, Command, Event>;
  streamName: string;
  command: Command;
  context: CommandContext;
}

/** Event ids derived from an Idempotency-Key: the same request retried yields the same ids. */
export function idempotentEventId(idempotencyKey: string, streamName: string, index: number): string {
  return deterministicUuid(`event:${idempotencyKey}:${streamName}:${index}`);
}

const SCHEMA_VERSION = 1;

/**
 * accepted: events appended; unchanged: the decider had nothing to record; replayed: an
 * Idempotency-Key matched; refused: a business rule or validation said no (code names it);
 * conflict: the stream moved (If-Match, or a second concurrent write); error: anything else.
 */
export type CommandOutcomeKind = 'accepted' | 'unchanged' | 'replayed' | 'refused' | 'conflict' | 'error';

/** Told the outcome of every command the processor handles (operations/metrics.ts counts them). */
export interface CommandObserver {
  commandHandled(command: string, outcome: CommandOutcomeKind, code: string | null): void;
}

/** Injection token of the optional CommandObserver. */
export const COMMAND_OBSERVER = Symbol('COMMAND_OBSERVER');

function commandType(command: unknown): string {
  const type = (command as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : 'unknown';
}

function failureKind(error: unknown): { outcome: CommandOutcomeKind; code: string | null } {
  if (error instanceof WrongExpectedRevisionError) return { outcome: 'conflict', code: error.code };
  if (error instanceof ConcurrencyConflictError) return { outcome: 'conflict', code: error.code };
  if (error instanceof RelataError) return { outcome: 'refused', code: error.code };
  return { outcome: 'error', code: null };
}

/**
 * A replay answers only the request that first used the key: the same principal with the same
 * method, path and body. Events recorded before fingerprints were kept are matched on the actor.
 */
function assertSameRequest(replay: RecordedEvent[], context: CommandContext): void {
  const first = replay[0].metadata;
  if (first.actor !== context.actor) throw new IdempotencyKeyReusedError();
  const recorded = first.requestHash;
  if (typeof recorded === 'string' && context.requestHash !== undefined && recorded !== context.requestHash)
    throw new IdempotencyKeyReusedError();
}

type Folding<State, Event extends DomainEvent> = Pick<Decider<State, unknown, Event>, 'evolve' | 'initialState'>;

const asDomainEvent = <Event extends DomainEvent>(e: RecordedEvent): Event => ({ type: e.type, data: e.data }) as Event;

/** A stream as the processor needs it: folded state, where it ends, and an Idempotency-Key's earlier outcome. */
interface LoadedStream<State> {
  state: State;
  /** -1 when the stream is empty. */
  revision: bigint;
  /** Position of the stream's last event; null when empty. */
  position: Position | null;
  /** The events an earlier request with the same Idempotency-Key appended, if any. */
  replay: RecordedEvent[] | null;
}

/**
 * The one generic command handler: load the stream, fold it, decide, append with the expected
 * revision. A conflict with a concurrent writer is retried once on fresh state (the decision may
 * differ); a conflict with the client's If-Match is not retried, since the client's view is stale.
 */
@Injectable()
export class CommandProcessor {
  private readonly states = new StreamStateCache();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Optional() @Inject(COMMAND_OBSERVER) private readonly observer?: CommandObserver,
  ) {}

  async handle<State, Command, Event extends DomainEvent>(args: HandleArgs<State, Command, Event>): Promise<CommandOutcome<State>> {
    if (!this.observer) return this.decideAndAppend(args);
    const type = commandType(args.command);
    let outcome: CommandOutcome<State>;
    try {
      outcome = await this.decideAndAppend(args);
    } catch (error) {
      const { outcome: kind, code } = failureKind(error);
      this.observe(type, kind, code);
      throw error;
    }
    this.observe(type, outcome.replayed ? 'replayed' : outcome.events.length === 0 ? 'unchanged' : 'accepted', null);
    return outcome;
  }

  /** Observing must never change a command's outcome. */
  private observe(type: string, outcome: CommandOutcomeKind, code: string | null): void {
    try {
      this.observer?.commandHandled(type, outcome, code);
    } catch {
      /* a failing observer is ignored */
    }
  }

  private async decideAndAppend<State, Command, Event extends DomainEvent>(
    args: HandleArgs<State, Command, Event>,
  ): Promise<CommandOutcome<State>> {
    const { decider, streamName, command } = args;
    const context = this.withCommandId(args.context);
    for (let attempt = 0; ; attempt++) {
      const epoch = this.states.epoch;
      const { state, revision: currentRevision, position, replay } = await this.loadStream(decider, streamName, context.idempotencyKey);
      if (replay) {
        assertSameRequest(replay, context);
        return { streamName, revision: currentRevision, position: replay.at(-1)!.position, events: replay, state, replayed: true };
      }
      if (context.expectedRevision !== undefined && context.expectedRevision !== currentRevision) {
        throw new WrongExpectedRevisionError(streamName, context.expectedRevision, currentRevision >= 0n ? currentRevision : 'no_stream');
      }
      const decided = decider.decide(command, state);
      if (decided.length === 0) {
        return { streamName, revision: currentRevision, position, events: [], state, replayed: false };
      }
      const events = this.toNewEvents(decided, streamName, context, (event) => decider.occurredAt?.(event as Event));
      try {
        const result = await this.store.appendToStream(streamName, events, {
          expectedRevision: currentRevision >= 0n ? currentRevision : 'no_stream',
        });
        const nextState = decided.reduce((s, e) => decider.evolve(s, e), state);
        // Appended right after the folded revision (not an earlier copy recognised by id): keep the state with them.
        if (result.nextExpectedRevision === currentRevision + BigInt(events.length)) {
          const appended = { state: nextState, position: result.position, eventIds: events.map((e) => e.id) };
          this.states.advance(decider, streamName, currentRevision, appended, epoch);
        }
        return { streamName, revision: result.nextExpectedRevision, position: result.position, events, state: nextState, replayed: false };
      } catch (error) {
        const retry = error instanceof WrongExpectedRevisionError && attempt === 0 && context.expectedRevision === undefined;
        if (!retry) throw error;
      }
    }
  }

  /**
   * Takes the decision without appending: for handlers that must know a command would pass the
   * stream's rules before they touch another stream. A replayed request passes.
   */
  async dryRun<State, Command, Event extends DomainEvent>(args: HandleArgs<State, Command, Event>): Promise<void> {
    const { decider, streamName, command, context } = args;
    const { state, revision, replay } = await this.loadStream(decider, streamName, context.idempotencyKey);
    if (replay) {
      assertSameRequest(replay, context);
      return;
    }
    if (context.expectedRevision !== undefined && context.expectedRevision !== revision) {
      throw new WrongExpectedRevisionError(streamName, context.expectedRevision, revision >= 0n ? revision : 'no_stream');
    }
    decider.decide(command, state);
  }

  /**
   * Binds a decider to its stream names: the one object controllers and handlers call for that
   * stream type (bound once per feature, in its *.streams.ts).
   */
  stream<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    streamNameOf: (id: string) => string,
  ): BoundDecider<State, Command, Event> {
    return new BoundDecider(this, decider, streamNameOf, () => this.clock.now().toISOString());
  }

  /** Gives the context a command id (derived from the Idempotency-Key when there is one) if it lacks one. */
  withCommandId(context: CommandContext): CommandContext {
    return context.commandId ? context : { ...context, commandId: this.ids.next() };
  }

  /** Reads a stream and folds it, for handlers that need another stream's facts. */
  async load<State, Event extends DomainEvent>(
    decider: Folding<State, Event>,
    streamName: string,
  ): Promise<{ state: State; revision: bigint }> {
    const { state, revision } = await this.loadStream(decider, streamName, undefined);
    return { state, revision };
  }

  /**
   * Forgets every folded state it keeps. Erasure calls it once a subject's key is deleted: a state
   * folded before holds their personal data in clear, where the events now read as erased.
   */
  forgetCachedStates(): void {
    this.states.clear();
  }

  /**
   * Reads and folds a stream: from a state folded earlier plus the events appended since, or in
   * full. A cached state is only a starting point (the events after it are always read), so an
   * append from anywhere else is never missed.
   */
  private async loadStream<State, Event extends DomainEvent>(
    decider: Folding<State, Event>,
    streamName: string,
    idempotencyKey: string | undefined,
  ): Promise<LoadedStream<State>> {
    const now = this.clock.now().getTime();
    const epoch = this.states.epoch;
    const cached = this.states.get<State>(decider, streamName, now);
    const recorded = await this.store.readStream(streamName, cached ? { fromRevision: cached.revision + 1n } : undefined);
    let state = cached ? cached.state : decider.initialState();
    for (const event of recorded) state = decider.evolve(state, asDomainEvent<Event>(event));
    const last = recorded.at(-1);
    const revision = last ? last.revision : (cached?.revision ?? -1n);
    const position = last ? last.position : (cached?.position ?? null);
    // The map grows in place: entries past a cached revision (added by a concurrent command) only
    // point a retry at its events sooner, which is still right.
    const eventIds = cached ? (cached.eventIds as Map<string, bigint>) : new Map<string, bigint>();
    for (const event of recorded) eventIds.set(event.id, event.revision);
    if (last !== undefined || cached === undefined) {
      this.states.set(decider, streamName, { state, revision, position, eventIds, cachedAt: cached ? cached.cachedAt : now }, epoch);
    }
    let replay: RecordedEvent[] | null = null;
    if (idempotencyKey !== undefined) {
      const first = eventIds.get(idempotentEventId(idempotencyKey, streamName, 0));
      // A retry of a request folded earlier: only its own events are read again.
      if (first !== undefined) {
        const inRecorded = last !== undefined && first >= recorded[0].revision;
        replay = this.findReplay(
          inRecorded ? recorded : await this.readFrom(streamName, first, idempotencyKey),
          streamName,
          idempotencyKey,
        );
      }
    }
    return { state, revision, position, replay };
  }

  /** The events of one earlier request, from its first event on (a request appends a handful). */
  private async readFrom(streamName: string, fromRevision: bigint, idempotencyKey: string): Promise<RecordedEvent[]> {
    const page = 64;
    const events: RecordedEvent[] = [];
    for (;;) {
      const read = await this.store.readStream(streamName, { fromRevision: fromRevision + BigInt(events.length), maxCount: page });
      events.push(...read);
      const last = read.at(-1);
      // Done at the stream's end, or once an event of another request follows.
      if (read.length < page || last === undefined || last.id !== idempotentEventId(idempotencyKey, streamName, events.length - 1))
        return events;
    }
  }

  private findReplay(recorded: RecordedEvent[], streamName: string, key: string): RecordedEvent[] | null {
    const first = idempotentEventId(key, streamName, 0);
    const start = recorded.findIndex((e) => e.id === first);
    if (start < 0) return null;
    const batch: RecordedEvent[] = [];
    for (let i = start; i < recorded.length && recorded[i].id === idempotentEventId(key, streamName, batch.length); i++) {
      batch.push(recorded[i]);
    }
    return batch;
  }

  private toNewEvents(
    decided: DomainEvent[],
    streamName: string,
    context: CommandContext,
    businessTime: (event: DomainEvent) => string | undefined,
  ): NewEvent[] {
    const now = this.clock.now().toISOString();
    return decided.map((event, index) => {
      // Events that record something from the past (a purchase keyed in later) say when in their data.
      const occurredAt = businessTime(event) ?? (event.data as { occurredAt?: unknown }).occurredAt;
      return {
        id: context.idempotencyKey ? idempotentEventId(context.idempotencyKey, streamName, index) : this.ids.next(),
        type: event.type,
        data: event.data,
        metadata: {
          actor: context.actor,
          correlationId: context.correlationId,
          causationId: context.commandId,
          occurredAt: typeof occurredAt === 'string' ? occurredAt : now,
          recordedAt: now,
          schemaVersion: SCHEMA_VERSION,
          ...(context.idempotencyKey && context.requestHash ? { requestHash: context.requestHash } : {}),
        },
      };
    });
  }
}

/** The BoundDecider type of a decider: `readonly customer: BoundTo<typeof customerDecider>`. */
export type BoundTo<D> = D extends Decider<infer State, infer Command, infer Event> ? BoundDecider<State, Command, Event> : never;

/** A command as its caller says it: the bound decider adds `now`. */
export type Unstamped<Command> = Command extends { now: string } ? Omit<Command, 'now'> : Command;

/**
 * A decider bound to its stream names (CommandProcessor.stream). It stamps each command with `now`
 * from the injected clock when it is handled (a command type without `now` ignores it), and the
 * processor gives a context without a command id one, so no caller reads the clock for a command.
 */
export class BoundDecider<State, Command, Event extends DomainEvent> {
  constructor(
    private readonly processor: CommandProcessor,
    readonly decider: Decider<State, Command, Event>,
    readonly streamNameOf: (id: string) => string,
    private readonly now: () => string,
  ) {}

  handle(id: string, command: Unstamped<Command>, context: CommandContext): Promise<CommandOutcome<State>> {
    return this.processor.handle({ decider: this.decider, streamName: this.streamNameOf(id), command: this.stamped(command), context });
  }

  /** The decision without the append (CommandProcessor.dryRun): a command's own rules, checked before another stream is touched. */
  dryRun(id: string, command: Unstamped<Command>, context: CommandContext): Promise<void> {
    return this.processor.dryRun({ decider: this.decider, streamName: this.streamNameOf(id), command: this.stamped(command), context });
  }

  /** The stream's folded state, for facts a command on another stream needs. */
  load(id: string): Promise<{ state: State; revision: bigint }> {
    return this.processor.load(this.decider, this.streamNameOf(id));
  }

  private stamped(command: Unstamped<Command>): Command {
    return { ...command, now: this.now() } as Command;
  }
}
