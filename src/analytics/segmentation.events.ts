/**
 * Segment membership as events ("every change is an event"). RFM recency moves with time, so a
 * segmentation RUN scores every customer as of an instant and records, per customer, only the
 * segments that changed:
 *
 * - stream `customer-segments-<customerId>`: CustomerSegmentChanged, one per changed scheme, at the
 *   run's as-of (business time); a run may be older than the latest one (a historical
 *   segmentation): its changes take their place in the timeline by `at`. The decider records
 *   nothing for a scheme whose segment at that instant is already the run's, or which already has
 *   a change at that instant (a rerun of the same as-of appends nothing);
 * - stream `segmentation-<runId>` (runId = the asOf instant, ISO 8601): SegmentationRunCompleted,
 *   at most once per run, with the counts per segment.
 *
 * A customer who drops out of a scheme's population (e.g. no purchase up to asOf any more, which
 * only a purchase recorded with a later date could undo) moves to segment null.
 */
import type { Decider, DomainEvent } from '../shared/decider/decider';
import type { Valuation } from './value-matrix/potential-value';

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
    /** How the value matrix valued customers; absent in runs recorded before it was said. */
    valuation?: Valuation;
    /** ISO 4217 code of the spend scored (RFM monetary, value matrix); absent in runs before currencies were kept apart. */
    currency?: string;
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
  /** Per scheme, the changes in business time (`at`) order: [at, segment entered]. */
  timelines: Partial<Record<SegmentScheme, [at: string, segment: string | null][]>>;
}

/** The segment a timeline puts the customer in at an instant: the last change at or before it. */
export function segmentAt(timeline: readonly [string, string | null][] | undefined, at: string): string | null {
  let segment: string | null = null;
  for (const [when, to] of timeline ?? []) {
    if (when > at) break;
    segment = to;
  }
  return segment;
}

/**
 * Runs are keyed by their as-of, in business time: a run older than the latest one (a historical
 * segmentation) is placed where it belongs in the customer's timeline, not refused. A scheme is
 * changed when the run's segment differs from the one the timeline gives at the run's instant; a
 * scheme that already has a change at that very instant was decided by a run of the same as-of
 * (a rerun): nothing is appended for it. `from` is the segment at the instant before the change.
 */
export const customerSegmentsDecider: Decider<CustomerSegmentsState, AssignSegments, CustomerSegmentChanged> = {
  initialState: () => ({ timelines: {} }),
  evolve: (state, event) => {
    const { scheme, at, to } = event.data;
    const timeline = [...(state.timelines[scheme] ?? []), [at, to] as [string, string | null]];
    // Stable: changes recorded for one instant keep their order (ISO 8601 UTC strings sort by time).
    timeline.sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0));
    return { timelines: { ...state.timelines, [scheme]: timeline } };
  },
  decide: (command, state) => {
    const { customerId, runId, at, assignments } = command.data;
    const events: CustomerSegmentChanged[] = [];
    for (const { scheme, segment, scores } of assignments) {
      const timeline = state.timelines[scheme];
      if (timeline?.some(([when]) => when === at)) continue;
      const from = segmentAt(timeline, at);
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
