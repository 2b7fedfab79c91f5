/**
 * Segment membership as events ("every change is an event"). RFM recency moves with time, so a
 * segmentation RUN scores every customer as of an instant and records, per customer, only the
 * segments that changed:
 *
 * - stream `customer-segments-<customerId>`: CustomerSegmentChanged, one per changed scheme; the
 *   decider ignores an assignment older than the customer's last change (runs only move forward)
 *   and one that names the segment the customer is already in (a rerun appends nothing);
 * - stream `segmentation-<runId>` (runId = the asOf instant, ISO 8601): SegmentationRunCompleted,
 *   at most once per run, with the counts per segment.
 *
 * A customer who drops out of a scheme's population (e.g. no purchase up to asOf any more, which
 * only a purchase recorded with a later date could undo) moves to segment null.
 */
import type { Decider, DomainEvent } from '../shared/decider/decider';

export const SEGMENT_SCHEMES = ['rfm', 'value-matrix'] as const;
export type SegmentScheme = (typeof SEGMENT_SCHEMES)[number];

/** What the scores were when the customer entered the segment. */
export type SegmentScores = Record<string, string | number>;

export const customerSegmentsStream = (customerId: string): string => `customer-segments-${customerId}`;
export const segmentationRunStream = (runId: string): string => `segmentation-${runId}`;

export type CustomerSegmentChanged = DomainEvent<
  'CustomerSegmentChanged',
  {
    customerId: string;
    scheme: SegmentScheme;
    /** null: the customer was in no segment of this scheme. */
    from: string | null;
    to: string | null;
    /** The instant the run scored the customer as of (its asOf). */
    at: string;
    runId: string;
    scores: SegmentScores | null;
  }
>;

export type SegmentationRunCompleted = DomainEvent<
  'SegmentationRunCompleted',
  {
    runId: string;
    asOf: string;
    /** Customers scored, per scheme. */
    customersScored: Record<SegmentScheme, number>;
    /** Segment changes this run recorded. */
    changes: number;
    /** Customers per segment after the run, per scheme. */
    segments: Record<SegmentScheme, Record<string, number>>;
    completedAt: string;
  }
>;

export type SegmentationEvent = CustomerSegmentChanged | SegmentationRunCompleted;

export const SEGMENTATION_EVENT_TYPES: readonly SegmentationEvent['type'][] = ['CustomerSegmentChanged', 'SegmentationRunCompleted'];

// ---------------------------------------------------------------- customer-segments-<id>

export interface SegmentAssignment {
  scheme: SegmentScheme;
  segment: string | null;
  scores: SegmentScores | null;
}

export type AssignSegments = {
  type: 'AssignSegments';
  data: { customerId: string; runId: string; at: string; assignments: SegmentAssignment[] };
};

export interface CustomerSegmentsState {
  segments: Partial<Record<SegmentScheme, string | null>>;
  /** `at` of the last change, or null. */
  lastAt: string | null;
}

export const customerSegmentsDecider: Decider<CustomerSegmentsState, AssignSegments, CustomerSegmentChanged> = {
  initialState: () => ({ segments: {}, lastAt: null }),
  evolve: (state, event) => ({
    segments: { ...state.segments, [event.data.scheme]: event.data.to },
    lastAt: state.lastAt === null || event.data.at > state.lastAt ? event.data.at : state.lastAt,
  }),
  decide: (command, state) => {
    const { customerId, runId, at, assignments } = command.data;
    // A run older than what the stream already records must not rewrite history: nothing to do.
    if (state.lastAt !== null && Date.parse(at) < Date.parse(state.lastAt)) return [];
    const events: CustomerSegmentChanged[] = [];
    for (const { scheme, segment, scores } of assignments) {
      const from = state.segments[scheme] ?? null;
      if (from === segment) continue;
      events.push({ type: 'CustomerSegmentChanged', data: { customerId, scheme, from, to: segment, at, runId, scores } });
    }
    return events;
  },
};

// ---------------------------------------------------------------- segmentation-<runId>

export type CompleteSegmentationRun = { type: 'CompleteSegmentationRun'; data: SegmentationRunCompleted['data'] };

export const segmentationRunDecider: Decider<{ completed: boolean }, CompleteSegmentationRun, SegmentationRunCompleted> = {
  initialState: () => ({ completed: false }),
  evolve: () => ({ completed: true }),
  // One completion per run: a rerun of the same asOf appends nothing.
  decide: (command, state) => (state.completed ? [] : [{ type: 'SegmentationRunCompleted', data: command.data }]),
};
