/**
 * Segment membership as of an instant (business time), read from the segment-history changes: a
 * customer's segment at an instant is the `to` of their last change at or before it. Segmentation
 * runs are discrete, so an answer as of an instant is the one of the latest run at or before it,
 * and says which (its as-of).
 */
import type { ReadModels } from '../../shared/projections/read-models';
import type { AsOfStamp } from '../as-of';
import {
  SEGMENT_CHANGES_COLLECTION,
  SEGMENT_HISTORY_PROJECTION,
  type SegmentChangeDoc,
  SEGMENTATION_RUNS_COLLECTION,
  type SegmentationRunDoc,
} from '../segment-history.projection';
import type { SegmentScheme, SegmentScores } from '../segmentation.events';

export interface SegmentAt {
  segment: string;
  /** When the customer entered the segment (the change's `at`). */
  since: string;
  scores: SegmentScores | null;
}

/** The latest run at or before the instant (or the latest run); null when none. */
export async function segmentationRunAsOf(readModels: ReadModels, asOf: string | undefined): Promise<SegmentationRunDoc | null> {
  const runs = readModels.collection<SegmentationRunDoc>(SEGMENT_HISTORY_PROJECTION, SEGMENTATION_RUNS_COLLECTION);
  const page = await runs.find(asOf === undefined ? {} : { asOf: { $lte: new Date(asOf).toISOString() } }, {
    sort: { asOf: -1 },
    limit: 1,
  });
  return page.items[0] ?? null;
}

/** The answer's as-of: the run it is the state of (none: the instant asked, with nobody in a segment yet). */
export function runStamp(run: SegmentationRunDoc | null, requested: string | undefined): AsOfStamp & { requestedAsOf: string | null } {
  const requestedAsOf = requested === undefined ? null : new Date(requested).toISOString();
  if (run) return { asOf: run.asOf, asOfBasis: 'segmentation-run', requestedAsOf };
  return { asOf: requestedAsOf ?? new Date(0).toISOString(), asOfBasis: requestedAsOf ? 'requested' : 'segmentation-run', requestedAsOf };
}

/** Every customer's segment of the scheme at the instant (customers in no segment are left out). */
export async function segmentsAt(readModels: ReadModels, scheme: SegmentScheme, at: string): Promise<Map<string, SegmentAt>> {
  const latest = new Map<string, SegmentAt | null>();
  for await (const change of readModels
    .collection<SegmentChangeDoc>(SEGMENT_HISTORY_PROJECTION, SEGMENT_CHANGES_COLLECTION)
    .findAll({ scheme, at: { $lte: at } }, { at: 1 })) {
    latest.set(change.customerId, change.to === null ? null : { segment: change.to, since: change.at, scores: change.scores });
  }
  const members = new Map<string, SegmentAt>();
  for (const [customerId, entry] of latest) if (entry) members.set(customerId, entry);
  return members;
}
