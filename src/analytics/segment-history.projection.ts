/**
 * The `segment-history` projection: segment membership folded from the segmentation events.
 *
 * - `memberships`: one document per (scheme, customer): the segment of the latest run (by as-of,
 *   business time; null once the customer left the scheme's population) and since when (the `at`
 *   of the change into it).
 * - `changes`: the customer's changes in business-time order, for the per-customer history and
 *   the transition matrix (the segment at an instant = `to` of the last change at or before it).
 *   A historical run's change inserted before later ones updates the next change's `from`, and
 *   removes it when it no longer changes anything.
 * - `runs`: every completed segmentation run with its counts, keyed by as-of.
 */
import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import {
  type CustomerSegmentChanged,
  SEGMENTATION_EVENT_TYPES,
  type SegmentationEvent,
  type SegmentationRunCompleted,
  type SegmentScheme,
  type SegmentScores,
} from './segmentation.events';

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

/** One CustomerSegmentChanged, as stored. */
export type SegmentChangeDoc = Document & CustomerSegmentChanged['data'];

export type SegmentationRunDoc = Document & SegmentationRunCompleted['data'];

export const membershipId = (scheme: SegmentScheme, customerId: string): string => `${scheme}/${customerId}`;

async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const e = { type: event.type, data: event.data } as SegmentationEvent;
  switch (e.type) {
    case 'CustomerSegmentChanged': {
      const { customerId, scheme, from, to, at, runId, scores } = e.data;
      const changes = ctx.collection<SegmentChangeDoc>(SEGMENT_CHANGES_COLLECTION);
      // A historical run lands before later changes: the next one now starts from this one's segment,
      // or repeats it and is no change at all any more.
      const [next] = (await changes.find({ customerId, scheme, at: { $gt: at } }, { sort: { at: 1 }, limit: 1 })).items;
      await changes.replace(event.id, { customerId, scheme, from, to, at, runId, scores });
      if (next && next.to === to) await changes.delete(next._id);
      else if (next) await changes.update(next._id, { $set: { from: to } });
      const [latest] = (await changes.find({ customerId, scheme }, { sort: { at: -1 }, limit: 1 })).items;
      const current = latest && latest.at > at ? latest : { to, at, scores, runId };
      await ctx.collection<MembershipDoc>(MEMBERSHIPS_COLLECTION).replace(membershipId(scheme, customerId), {
        customerId,
        scheme,
        segment: current.to,
        since: current.at,
        scores: current.scores,
        runId: current.runId,
      });
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
  // Reads no personal field: only segments, scores and times.
  needsPlaintext: false,
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
