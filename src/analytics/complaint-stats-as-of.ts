import type { Clock } from '../shared/clock';
import type { ReadModels } from '../shared/projections/read-models';
import { type AsOfStamp, dayAfter, liveAsOf } from './as-of';
import { COMPLAINT_FACTS_COLLECTION, COMPLAINT_STATS_PROJECTION, type ComplaintFactsDoc } from './complaint-stats.projection';

/**
 * The as-of of complaint statistics: the window's end when asked; otherwise the end of the data in
 * business time (the day after the last complaint received: an imported 2015-2020 history is
 * reported up to 2020, not over the 30 days before today), or now for live data.
 */
export async function complaintStatsAsOf(readModels: ReadModels, clock: Clock, requestedTo: string | undefined): Promise<AsOfStamp> {
  if (requestedTo !== undefined) return { asOf: new Date(requestedTo).toISOString(), asOfBasis: 'requested' };
  const [last] = (
    await readModels
      .collection<ComplaintFactsDoc>(COMPLAINT_STATS_PROJECTION, COMPLAINT_FACTS_COLLECTION)
      .find({}, { sort: { registeredAt: -1 }, limit: 1 })
  ).items;
  return liveAsOf(clock, last ? dayAfter(last.registeredAt) : null);
}
