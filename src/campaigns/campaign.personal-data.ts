import type { EventDataInventory } from '../shared/privacy/personal-data';

/**
 * Campaign events hold no customer's personal data: a campaign's name, target, action text and
 * owner (a staff id) are business facts; a member is named by their customer id only, like every
 * other event that refers to a customer. Nothing here needs the customer's key, so forgetting a
 * customer leaves their membership (an id) and the results stay computable.
 */
export const CAMPAIGN_PERSONAL_DATA: readonly EventDataInventory[] = [
  {
    eventType: 'CampaignCreated',
    personal: [],
    notPersonal: [
      'campaignId',
      'name',
      'target.kind',
      'target.scheme',
      'target.segment',
      'target.asOf',
      'target.status',
      'target.lastPurchaseBefore',
      'action.kind',
      'action.product',
      'action.currency',
      'action.channel',
      'action.script',
      'action.offer',
      'owner',
      'window.start',
      'window.end',
      'controlSeed',
      'createdAt',
    ],
  },
  { eventType: 'CampaignLaunchStarted', personal: [], notPersonal: ['campaignId', 'selectedAsOf', 'startedAt'] },
  {
    eventType: 'CampaignMemberTargeted',
    personal: [],
    notPersonal: ['campaignId', 'customerId', 'group', 'targetedAt', 'suggestionId', 'actionSkipped'],
  },
  { eventType: 'CampaignLaunched', personal: [], notPersonal: ['campaignId', 'launchedAt'] },
  { eventType: 'CampaignClosed', personal: [], notPersonal: ['campaignId', 'closedAt'] },
];
