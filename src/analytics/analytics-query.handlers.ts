// The analytics query handlers, by subject; the controller and module import them from here.
export * from './value-query.handlers';
export * from './segment-query.handlers';
export * from './complaint-stats-query.handler';

import { GetClvModelHandler, GetCustomerValueHandler, ListClvModelsHandler, ListLifetimeValuesHandler } from './value-query.handlers';
import {
  ListSegmentHistoryHandler,
  ListSegmentMembersHandler,
  ListSegmentsHandler,
  SegmentTransitionsHandler,
} from './segment-query.handlers';
import { ComplaintStatsHandler } from './complaint-stats-query.handler';

export const ANALYTICS_QUERY_HANDLERS = [
  GetCustomerValueHandler,
  ListLifetimeValuesHandler,
  ListSegmentsHandler,
  ListSegmentMembersHandler,
  SegmentTransitionsHandler,
  ListSegmentHistoryHandler,
  ComplaintStatsHandler,
  GetClvModelHandler,
  ListClvModelsHandler,
];
