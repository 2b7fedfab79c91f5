import { clvModelProjection } from './clv-model.projection';
import { complaintStatsProjection } from './complaint-stats.projection';
import { customerValueProjection } from './customer-value.projection';
import { segmentHistoryProjection } from './segment-history.projection';

/** The analytics read models, for the composition roots (all-projections.ts). */
export const ANALYTICS_PROJECTIONS = [customerValueProjection, segmentHistoryProjection, clvModelProjection, complaintStatsProjection];
