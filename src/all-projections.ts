import { ANALYTICS_PROJECTIONS } from './analytics/analytics.projections';
import { auditIndexProjection } from './audit/audit-index.projection';
import { campaignsProjection } from './campaigns/campaigns.projection';
import { complaintDetailsProjection } from './complaints/complaint-details.projection';
import { complaintSolutionsProjection } from './complaints/complaint-solutions.projection';
import { SLA_DEADLINES_PROJECTION } from './complaints/sla-deadlines.projection';
import { customerProfileProjection } from './customers/customer-profile.projection';
import { departmentWebhooksProjection } from './departments/department-webhooks.projection';
import { sourceIdsProjection } from './importers/source-ids.projection';
import type { ProjectionDefinition } from './shared/projections/projection';

/** Every projection of every feature: the composition roots (app, CLI) hand these to the runner. */
export const ALL_PROJECTIONS: ProjectionDefinition[] = [
  customerProfileProjection,
  complaintDetailsProjection,
  complaintSolutionsProjection,
  SLA_DEADLINES_PROJECTION,
  departmentWebhooksProjection,
  sourceIdsProjection,
  ...ANALYTICS_PROJECTIONS,
  auditIndexProjection,
  campaignsProjection,
];
