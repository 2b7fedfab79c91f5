import { Inject, Injectable } from '@nestjs/common';
import { type AsOfStamp, liveAsOf } from '../analytics/as-of';
import { SEGMENT_HISTORY_PROJECTION } from '../analytics/segment-history.projection';
import type { SegmentScheme } from '../analytics/segmentation.events';
import { segmentationRunAsOf, segmentsAt } from '../analytics/segments/segments-as-of';
import {
  CUSTOMER_PROFILE_PROJECTION,
  CUSTOMERS_COLLECTION,
  type CustomerProfileDoc,
  INTERACTIONS_COLLECTION,
  type InteractionDoc,
  PURCHASES_COLLECTION,
  type PurchaseDoc,
} from '../customers/customer-profile.projection';
import { CLOCK, type Clock } from '../shared/clock';
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import { ReadModels } from '../shared/projections/read-models';
import type { CampaignWindow } from './campaign.events';
import {
  baselinePeriod,
  type GroupOutcome,
  groupOutcome,
  lift,
  type MemberFacts,
  type Period,
  type SegmentTransition,
  countedPeriod,
  transitions,
} from './campaign-outcomes';
import {
  CAMPAIGN_MEMBERS_COLLECTION,
  type CampaignDoc,
  type CampaignMemberDoc,
  CAMPAIGNS_COLLECTION,
  CAMPAIGNS_PROJECTION,
} from './campaigns.projection';

export interface CampaignResults extends AsOfStamp {
  campaignId: string;
  name: string;
  status: CampaignDoc['status'];
  requestedAsOf: string | null;
  window: CampaignWindow;
  /** Where responses were counted: the window up to the as-of (null before the window starts). */
  counted: Period | null;
  /** The year before the window, where each group's baseline spend is counted. */
  baseline: Period;
  treatment: GroupOutcome;
  control: GroupOutcome;
  /** Treatment minus control, per member. */
  lift: ReturnType<typeof lift>;
  segmentTransitions: {
    scheme: SegmentScheme;
    /** The run members were selected from (a filter target: the latest run at or before the window start). */
    fromRunAsOf: string | null;
    /** The latest run at or before the as-of. */
    toRunAsOf: string | null;
    treatment: SegmentTransition[];
    control: SegmentTransition[];
  };
}

/**
 * A campaign's results as of an instant (business time): what its members did in the window
 * against the control group, from the customer read models. The as-of defaults to the window's
 * end once it has passed, else now (liveAsOf).
 */
@Injectable()
export class CampaignResultsReader {
  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async results(campaignId: string, requested: string | undefined, minPosition: string | undefined): Promise<CampaignResults> {
    for (const projection of [CAMPAIGNS_PROJECTION, CUSTOMER_PROFILE_PROJECTION, SEGMENT_HISTORY_PROJECTION])
      await this.readModels.ensureCaughtUp(projection, minPosition);
    const campaign = await this.readModels.collection<CampaignDoc>(CAMPAIGNS_PROJECTION, CAMPAIGNS_COLLECTION).get(campaignId);
    if (!campaign) throw new NotFoundError('CAMPAIGN_NOT_FOUND', 'No campaign with this id');
    if (campaign.status === 'draft')
      throw new BusinessRuleViolation('CAMPAIGN_NOT_LAUNCHED', 'The campaign has no members yet: launch it first');

    const stamp = this.stamp(campaign, requested);
    const window = { from: campaign.window.start, to: campaign.window.end };
    const counted = countedPeriod(window, stamp.asOf);
    const members: CampaignMemberDoc[] = [];
    for await (const member of this.readModels
      .collection<CampaignMemberDoc>(CAMPAIGNS_PROJECTION, CAMPAIGN_MEMBERS_COLLECTION)
      .findAll({ campaignId }, { customerId: 1 })) {
      members.push(member);
    }
    const facts = await Promise.all(members.map((member) => this.factsOf(member)));
    const treatment = facts.filter((f) => f.group === 'treatment');
    const control = facts.filter((f) => f.group === 'control');
    const treatmentOutcome = groupOutcome(treatment, window, counted, stamp.asOf);
    const controlOutcome = groupOutcome(control, window, counted, stamp.asOf);

    const scheme: SegmentScheme = campaign.target.kind === 'segment' ? campaign.target.scheme : 'rfm';
    const fromRun = await segmentationRunAsOf(
      this.readModels,
      campaign.target.kind === 'segment' ? campaign.target.asOf : campaign.window.start,
    );
    const toRun = await segmentationRunAsOf(this.readModels, stamp.asOf);
    const segmentMap = async (runAsOf: string | undefined): Promise<Map<string, string>> =>
      new Map(runAsOf === undefined ? [] : [...(await segmentsAt(this.readModels, scheme, runAsOf))].map(([id, at]) => [id, at.segment]));
    const before = await segmentMap(fromRun?.asOf);
    const after = await segmentMap(toRun?.asOf);

    return {
      campaignId,
      name: campaign.name,
      status: campaign.status,
      ...stamp,
      window: campaign.window,
      counted,
      baseline: baselinePeriod(window),
      treatment: treatmentOutcome,
      control: controlOutcome,
      lift: lift(treatmentOutcome, controlOutcome),
      segmentTransitions: {
        scheme,
        fromRunAsOf: fromRun?.asOf ?? null,
        toRunAsOf: toRun?.asOf ?? null,
        treatment: transitions(
          treatment.map((f) => f.customerId),
          before,
          after,
        ),
        control: transitions(
          control.map((f) => f.customerId),
          before,
          after,
        ),
      },
    };
  }

  private stamp(campaign: CampaignDoc, requested: string | undefined): AsOfStamp & { requestedAsOf: string | null } {
    if (requested !== undefined) {
      const asOf = new Date(requested).toISOString();
      return { asOf, asOfBasis: 'requested', requestedAsOf: asOf };
    }
    const live = liveAsOf(this.clock, new Date(campaign.window.end));
    return { asOf: live.asOf, asOfBasis: live.asOfBasis === 'end-of-data' ? 'campaign-window-end' : live.asOfBasis, requestedAsOf: null };
  }

  private async factsOf(member: CampaignMemberDoc): Promise<MemberFacts> {
    const purchases: MemberFacts['purchases'] = [];
    for await (const p of this.readModels
      .collection<PurchaseDoc>(CUSTOMER_PROFILE_PROJECTION, PURCHASES_COLLECTION)
      .findAll({ customerId: member.customerId })) {
      const refunds = (p.refunds ?? []).map((r) => ({ occurredAt: r.occurredAt, amount: r.amount, margin: r.margin }));
      purchases.push({ occurredAt: p.occurredAt, amount: p.amount, margin: p.margin, currency: p.currency, refunds });
    }
    const interactions: MemberFacts['interactions'] = [];
    for await (const i of this.readModels
      .collection<InteractionDoc>(CUSTOMER_PROFILE_PROJECTION, INTERACTIONS_COLLECTION)
      .findAll({ customerId: member.customerId })) {
      interactions.push({ occurredAt: i.occurredAt });
    }
    let suggestion: MemberFacts['suggestion'] = null;
    if (member.suggestionId !== null) {
      const profile = await this.readModels
        .collection<CustomerProfileDoc>(CUSTOMER_PROFILE_PROJECTION, CUSTOMERS_COLLECTION)
        .get(member.customerId);
      const found = profile?.suggestions.find((s) => s.suggestionId === member.suggestionId);
      suggestion = found ? { status: found.status, decidedAt: found.decidedAt } : { status: 'open', decidedAt: null };
    }
    return {
      customerId: member.customerId,
      group: member.group,
      reached: member.group === 'treatment' && member.actionSkipped === null,
      purchases,
      interactions,
      suggestion,
    };
  }
}
