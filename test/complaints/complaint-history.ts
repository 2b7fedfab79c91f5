import { type ComplaintCommand, complaintDecider, type ComplaintState } from '../../src/complaints/complaint.decider';
import { complaintStream } from '../../src/complaints/complaint.events';
import type { GivenEvent } from '../support/projection-spec';

type WithoutNow<C> = C extends unknown ? Omit<C, 'now'> : never;
/** A decider command without its time: the history decides each step at its own time. */
export type ComplaintStep = WithoutNow<ComplaintCommand>;

/**
 * Complaint histories for projection specs, produced by the real decider (so they are histories
 * the write model can actually record): each step is decided at its own time, one hour apart.
 */
export class ComplaintHistory {
  readonly events: GivenEvent[] = [];
  private readonly states = new Map<string, ComplaintState>();
  private clock: number;

  constructor(start = '2026-03-02T09:00:00.000Z') {
    this.clock = Date.parse(start);
  }

  /** The time the next step is taken at. */
  get now(): string {
    return new Date(this.clock).toISOString();
  }

  then(complaintId: string, ...steps: ComplaintStep[]): this {
    for (const step of steps) {
      const now = this.now;
      let state = this.states.get(complaintId) ?? complaintDecider.initialState();
      for (const event of complaintDecider.decide({ ...step, now } as ComplaintCommand, state)) {
        state = complaintDecider.evolve(state, event);
        this.events.push({ stream: complaintStream(complaintId), type: event.type, data: event.data, recordedAt: now });
      }
      this.states.set(complaintId, state);
      this.clock += 3_600_000;
    }
    return this;
  }

  /** Adds an event of another stream (e.g. the customer's registration). */
  with(event: GivenEvent): this {
    this.events.push(event);
    return this;
  }

  wait(hours: number): this {
    this.clock += hours * 3_600_000;
    return this;
  }
}
