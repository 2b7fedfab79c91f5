/**
 * The `segment-history` projection: segment membership folded from the segmentation events.
 *
 * - `memberships`: one document per (scheme, customer): the current segment (null once the
 *   customer left the scheme's population) and since when (the `at` of the change into it).
 * - `changes`: every CustomerSegmentChanged, for the per-customer history and the transition
 *   matrix (the segment at an instant = `to` of the customer's last change at or before it).
 * - `runs`: every completed segmentation run with its counts; the latest asOf bounds the next run.
 */
import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import { SEGMENTATION_EVENT_TYPES, type SegmentationEvent, type SegmentationRunCompleted, type SegmentScheme, type SegmentScores } from './segmentation.events';

export const SEGMENT_HISTORY_PROJECTION = 'segment-history';
export const MEMBERSHIPS_COLLECTION = 'memberships';
export const SEGMENT_CHANGES_COLLECTION = 'changes';
export const SEGMENTATION_RUNS_COLLECTION = 'runs';

export interface MembershipDoc extends Document {
  customerId: string;
  scheme: SegmentScheme;
  segment: string | null;
  since: string;
  scores: SegmentScores | null;
  runId: string;
}

export interface SegmentChangeDoc extends Document {
  customerId: string;
  scheme: SegmentScheme;
  from: string | null;
  to: string | null;
  at: string;
  runId: string;
  scores: SegmentScores | null;
}

export type SegmentationRunDoc = Document & SegmentationRunCompleted['data'];

export const membershipId = (scheme: SegmentScheme, customerId: string): string => `${scheme}/${customerId}`;

async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const e = { type: event.type, data: event.data } as SegmentationEvent;
  switch (e.type) {
    case 'CustomerSegmentChanged': {
      const { customerId, scheme, from, to, at, runId, scores } = e.data;
      await ctx.collection<SegmentChangeDoc>(SEGMENT_CHANGES_COLLECTION).replace(event.id, { customerId, scheme, from, to, at, runId, scores });
      await ctx
        .collection<MembershipDoc>(MEMBERSHIPS_COLLECTION)
        .replace(membershipId(scheme, customerId), { customerId, scheme, segment: to, since: at, scores, runId });
      return;
    }
    case 'SegmentationRunCompleted':
      await ctx.collection<SegmentationRunDoc>(SEGMENTATION_RUNS_COLLECTION).replace(e.data.runId, { ...e.data });
      return;
  }
}

export const segmentHistoryProjection: ProjectionDefinition = {
  name: SEGMENT_HISTORY_PROJECTION,
  version: 1,
  eventTypes: SEGMENTATION_EVENT_TYPES,
  collections: {
    [MEMBERSHIPS_COLLECTION]: {
      // A segment's members by `since` either way; _id (every sort's tie-breaker) is part of the key
      // because most members of a run share their `since`, and SQLite would otherwise sort them all.
      indexes: [
        { keys: { scheme: 1, segment: 1, since: -1, _id: 1 } },
        { keys: { scheme: 1, segment: 1, since: 1, _id: 1 } },
        { keys: { customerId: 1 } },
      ],
    },
    [SEGMENT_CHANGES_COLLECTION]: {
      indexes: [{ keys: { scheme: 1, at: 1 } }, { keys: { customerId: 1, at: -1 } }, { keys: { at: -1 } }],
    },
    [SEGMENTATION_RUNS_COLLECTION]: { indexes: [{ keys: { asOf: -1 } }] },
  },
  handle,
};
