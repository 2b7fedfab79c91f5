import { Inject, Injectable, Optional } from '@nestjs/common';
import { CLOCK, type Clock } from '../clock';
import { ConcurrencyConflictError, RelataError } from '../errors/domain-errors';
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
import { type Decider, type DomainEvent, fold } from './decider';

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

function foldRecorded<State, Event extends DomainEvent>(
  decider: Pick<Decider<State, unknown, Event>, 'evolve' | 'initialState'>,
  recorded: RecordedEvent[],
): State {
  return fold(decider, recorded.map((e) => ({ type: e.type, data: e.data }) as Event));
}

/**
 * The one generic command handler: load the stream, fold it, decide, append with the expected
 * revision. A conflict with a concurrent writer is retried once on fresh state (the decision may
 * differ); a conflict with the client's If-Match is not retried, since the client's view is stale.
 */
@Injectable()
export class CommandProcessor {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Optional() @Inject(COMMAND_OBSERVER) private readonly observer?: CommandObserver,
  ) {}

  async handle<State, Command, Event extends DomainEvent>(
    args: HandleArgs<State, Command, Event>,
  ): Promise<CommandOutcome<State>> {
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
      const recorded = await this.store.readStream(streamName);
      const replay = context.idempotencyKey ? this.findReplay(recorded, streamName, context.idempotencyKey) : null;
      const state = foldRecorded(decider, recorded);
      const last = recorded.at(-1);
      const currentRevision = last ? last.revision : -1n;
      if (replay) {
        return { streamName, revision: currentRevision, position: replay.at(-1)!.position, events: replay, state, replayed: true };
      }
      if (context.expectedRevision !== undefined && context.expectedRevision !== currentRevision) {
        throw new WrongExpectedRevisionError(streamName, context.expectedRevision, last ? last.revision : 'no_stream');
      }
      const decided = decider.decide(command, state);
      if (decided.length === 0) {
        return { streamName, revision: currentRevision, position: last?.position ?? null, events: [], state, replayed: false };
      }
      const events = this.toNewEvents(decided, streamName, context);
      try {
        const result = await this.store.appendToStream(streamName, events, {
          expectedRevision: last ? currentRevision : 'no_stream',
        });
        const nextState = decided.reduce((s, e) => decider.evolve(s, e), state);
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
    const recorded = await this.store.readStream(streamName);
    if (context.idempotencyKey && this.findReplay(recorded, streamName, context.idempotencyKey)) return;
    const last = recorded.at(-1);
    if (context.expectedRevision !== undefined && context.expectedRevision !== (last ? last.revision : -1n)) {
      throw new WrongExpectedRevisionError(streamName, context.expectedRevision, last ? last.revision : 'no_stream');
    }
    decider.decide(command, foldRecorded(decider, recorded));
  }

  /** Gives the context a command id (derived from the Idempotency-Key when there is one) if it lacks one. */
  withCommandId(context: CommandContext): CommandContext {
    return context.commandId ? context : { ...context, commandId: this.ids.next() };
  }

  /** Reads a stream and folds it, for handlers that need another stream's facts. */
  async load<State, Event extends DomainEvent>(
    decider: Pick<Decider<State, unknown, Event>, 'evolve' | 'initialState'>,
    streamName: string,
  ): Promise<{ state: State; revision: bigint }> {
    const recorded = await this.store.readStream(streamName);
    const state = foldRecorded(decider, recorded);
    return { state, revision: recorded.at(-1)?.revision ?? -1n };
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

  private toNewEvents(decided: DomainEvent[], streamName: string, context: CommandContext): NewEvent[] {
    const now = this.clock.now().toISOString();
    return decided.map((event, index) => {
      // Events that record something from the past (a purchase keyed in later) say when in their data.
      const occurredAt = (event.data as { occurredAt?: unknown }).occurredAt;
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
        },
      };
    });
  }
}
