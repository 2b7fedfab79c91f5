import { ANALYTICS_PROJECTIONS } from './analytics/analytics.projections';
import { auditIndexProjection } from './audit/audit-index.projection';
import { campaignsProjection } from './campaigns/campaigns.projection';
import { complaintDetailsProjection } from './complaints/complaint-details.projection';
import { complaintSolutionsProjection } from './complaints/complaint-solutions.projection';
import { SLA_DEADLINES_PROJECTION } from './complaints/sla-deadlines.projection';
import { customerProfileProjection } from './customers/customer-profile.projection';
import { createDepartmentWebhooksProjection } from './departments/department-webhooks.projection';
import { ALL_WEBHOOK_EVENT_SOURCES } from './all-webhook-events';
import { sourceIdsProjection } from './importers/source-ids.projection';
import { followUpsProjection } from './follow-ups/follow-ups.projection';
import type { ProjectionDefinition } from './shared/projections/projection';

/** Every projection of every feature: the composition roots (app, CLI) hand these to the runner. */
export const ALL_PROJECTIONS: ProjectionDefinition[] = [
  customerProfileProjection,
  complaintDetailsProjection,
  complaintSolutionsProjection,
  SLA_DEADLINES_PROJECTION,
  createDepartmentWebhooksProjection(ALL_WEBHOOK_EVENT_SOURCES),
  sourceIdsProjection,
  ...ANALYTICS_PROJECTIONS,
  auditIndexProjection,
  followUpsProjection,
  campaignsProjection,
];
