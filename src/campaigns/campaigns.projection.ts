/**
 * The `campaigns` projection, from the campaign events:
 *
 * - `campaigns`: one document per campaign: its definition, status and member counts;
 * - `members`: one document per (campaign, customer): the group drawn at launch, when they were
 *   targeted (business time) and the suggestion made to them, if any.
 */
import type { RecordedEvent } from '../shared/event-store/event-store.port';
import type { ProjectionContext, ProjectionDefinition } from '../shared/projections/projection';
import type { Document } from '../shared/read-store/read-store.port';
import { CAMPAIGN_EVENT_TYPES, type CampaignCreated, type CampaignEvent, type CampaignGroup } from './campaign.events';
import type { CampaignStatus } from './campaign.decider';

export const CAMPAIGNS_PROJECTION = 'campaigns';
export const CAMPAIGNS_COLLECTION = 'campaigns';
export const CAMPAIGN_MEMBERS_COLLECTION = 'members';

export type CampaignDoc = Document &
  Omit<CampaignCreated['data'], 'createdAt'> & {
    status: Exclude<CampaignStatus, 'none'>;
    createdAt: string;
    selectedAsOf: string | null;
    /** Members the launch selected; null before it started. */
    selected: number | null;
    treatment: number;
    control: number;
    launchedAt: string | null;
    closedAt: string | null;
    /** Stream revision of the last event applied (ETag). */
    revision: number;
  };

export interface CampaignMemberDoc extends Document {
  campaignId: string;
  customerId: string;
  group: CampaignGroup;
  targetedAt: string;
  suggestionId: string | null;
  actionSkipped: string | null;
}

export const campaignMemberId = (campaignId: string, customerId: string): string => `${campaignId}:${customerId}`;

async function handle(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  const e = { type: event.type, data: event.data } as CampaignEvent;
  const campaigns = ctx.collection<CampaignDoc>(CAMPAIGNS_COLLECTION);
  const revision = Number(event.revision);
  switch (e.type) {
    case 'CampaignCreated':
      await campaigns.replace(e.data.campaignId, {
        ...e.data,
        status: 'draft',
        selectedAsOf: null,
        selected: null,
        treatment: 0,
        control: 0,
        launchedAt: null,
        closedAt: null,
        revision,
      });
      return;
    case 'CampaignLaunchStarted':
      await campaigns.update(e.data.campaignId, {
        $set: { status: 'launching', selectedAsOf: e.data.selectedAsOf, selected: e.data.members, revision },
      });
      return;
    case 'CampaignMemberTargeted': {
      const d = e.data;
      await ctx.collection<CampaignMemberDoc>(CAMPAIGN_MEMBERS_COLLECTION).replace(campaignMemberId(d.campaignId, d.customerId), {
        campaignId: d.campaignId,
        customerId: d.customerId,
        group: d.group,
        targetedAt: d.targetedAt,
        suggestionId: d.suggestionId,
        actionSkipped: d.actionSkipped,
      });
      await campaigns.update(d.campaignId, { $inc: { [d.group]: 1 }, $set: { revision } });
      return;
    }
    case 'CampaignLaunched':
      await campaigns.update(e.data.campaignId, { $set: { status: 'launched', launchedAt: e.data.launchedAt, revision } });
      return;
    case 'CampaignClosed':
      await campaigns.update(e.data.campaignId, { $set: { status: 'closed', closedAt: e.data.closedAt, revision } });
      return;
  }
}

export const campaignsProjection: ProjectionDefinition = {
  name: CAMPAIGNS_PROJECTION,
  version: 1,
  // Reads no personal field: ids, groups and times only.
  needsPlaintext: false,
  eventTypes: CAMPAIGN_EVENT_TYPES,
  collections: {
    [CAMPAIGNS_COLLECTION]: { indexes: [{ keys: { createdAt: -1 } }] },
    [CAMPAIGN_MEMBERS_COLLECTION]: {
      indexes: [{ keys: { campaignId: 1, customerId: 1 } }, { keys: { campaignId: 1, group: 1, customerId: 1 } }],
    },
  },
  handle,
};
