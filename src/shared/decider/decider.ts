/**
 * A decider (after Jérémie Chassaing's pattern, as used by Emmett): the write model of one
 * stream type as three pure parts. No I/O, no clock, no random ids inside: whatever the decision
 * needs (the current time, new ids, facts from other streams) arrives in the command.
 */
export interface Decider<State, Command, Event extends DomainEvent> {
  /** The events the command causes, or a thrown RelataError when a rule refuses it. */
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
  /**
   * Business time of an event that says it in a field other than `occurredAt` (a registration's
   * customerSince, an acknowledgement's acknowledgedAt): it becomes the event's metadata.occurredAt.
   * Absent or undefined: `occurredAt` of the data, else the record time.
   */
  occurredAt?(event: Event): string | undefined;
}

/** An event as deciders produce it; the command handler adds id and metadata. */
export interface DomainEvent<Type extends string = string, Data extends object = object> {
  type: Type;
  data: Data;
}

/** Folds events into state. */
export function fold<State, Event extends DomainEvent>(
  decider: Pick<Decider<State, unknown, Event>, 'evolve' | 'initialState'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
