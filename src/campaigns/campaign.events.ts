/**
 * A campaign: the plan step of the CRM cycle (evaluate -> plan -> execute -> evaluate again). It
 * names whom to target, what to do with them, who owns it and when (business time), and records
 * on its own stream `campaign-<id>`:
 *
 * - CampaignCreated: the draft, with the seed of its control group;
 * - CampaignLaunchStarted: the selection (as of the target's date) and how many go to control;
 * - CampaignMemberTargeted: one per member, control members included (they get no action, so that
 *   results compare the two groups); appended in batches, never twice for one customer, so a launch
 *   that died half way continues where it stopped and a rerun appends nothing;
 * - CampaignLaunched: every member is targeted;
 * - CampaignClosed.
 */
import type { DomainEvent } from '../shared/decider/decider';
import type { SegmentScheme } from '../analytics/segmentation.events';

export const campaignStream = (campaignId: string): string => `campaign-${campaignId}`;

/** A segment of a segmentation scheme as of an instant (the latest run at or before it). */
export interface SegmentTarget {
  kind: 'segment';
  scheme: SegmentScheme;
  segment: string;
  asOf: string;
}

/** Customers by what their profile says now (no as-of: the profile is the current state). */
export interface FilterTarget {
  kind: 'filter';
  /** Status of the customer; absent: any. */
  status?: 'customer' | 'prospect';
  /** Customers whose last purchase is before this instant (lapsing customers). */
  lastPurchaseBefore?: string;
  /** Customers with at least this many purchases. */
  minPurchases?: number;
}

export type CampaignTarget = SegmentTarget | FilterTarget;

/** Suggest a transaction to each treatment member (recorded on their customer stream at launch). */
export interface SuggestionAction {
  kind: 'suggestion';
  product: string;
  expectedValue: number;
  /** The expected value's currency; absent: USD (the purchase default), as in campaigns created before it existed. */
  currency?: string;
}

/** An interaction the owner's team is to make with each treatment member. */
export interface InteractionAction {
  kind: 'interaction';
  channel: 'call' | 'email' | 'visit' | 'chat' | 'meeting';
  script: string;
}

/** A retention offer made to each treatment member. */
export interface RetentionOfferAction {
  kind: 'retention-offer';
  offer: string;
}

export type CampaignAction = SuggestionAction | InteractionAction | RetentionOfferAction;

/** Business time: when the campaign acts (start) and until when responses count (end). */
export interface CampaignWindow {
  start: string;
  end: string;
}

export type CampaignGroup = 'treatment' | 'control';

export type CampaignCreated = DomainEvent<
  'CampaignCreated',
  {
    campaignId: string;
    name: string;
    target: CampaignTarget;
    action: CampaignAction;
    owner: string;
    window: CampaignWindow;
    /** Share of the members held out as a control group, [0, 1). */
    controlFraction: number;
    /** Seeds the control draw: the same seed and members give the same control group. */
    controlSeed: string;
    createdAt: string;
  }
>;

export type CampaignLaunchStarted = DomainEvent<
  'CampaignLaunchStarted',
  {
    campaignId: string;
    /** For a segment target: the segmentation run the members come from (its as-of). */
    selectedAsOf: string;
    members: number;
    control: number;
    startedAt: string;
  }
>;

export type CampaignMemberTargeted = DomainEvent<
  'CampaignMemberTargeted',
  {
    campaignId: string;
    customerId: string;
    group: CampaignGroup;
    /** Business time: the window's start. */
    targetedAt: string;
    /** The suggestion made to a treatment member of a suggestion campaign; null otherwise. */
    suggestionId: string | null;
    /** Why a treatment member got no action (e.g. CUSTOMER_DEACTIVATED); null when they got it or are control. */
    actionSkipped: string | null;
  }
>;

export type CampaignLaunched = DomainEvent<
  'CampaignLaunched',
  { campaignId: string; treatment: number; control: number; launchedAt: string }
>;

export type CampaignClosed = DomainEvent<'CampaignClosed', { campaignId: string; closedAt: string }>;

export type CampaignEvent = CampaignCreated | CampaignLaunchStarted | CampaignMemberTargeted | CampaignLaunched | CampaignClosed;

/** Every campaign event type: what a webhook subscription or a projection can ask for. */
export const CAMPAIGN_EVENT_TYPES: readonly CampaignEvent['type'][] = [
  'CampaignCreated',
  'CampaignLaunchStarted',
  'CampaignMemberTargeted',
  'CampaignLaunched',
  'CampaignClosed',
];
