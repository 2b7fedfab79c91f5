import { Injectable } from '@nestjs/common';
import { type BoundTo, CommandProcessor } from '../shared/decider/command-processor';
import { campaignDecider } from './campaign.decider';
import { campaignStream } from './campaign.events';

/** The campaign decider, bound once to its stream names: the campaigns service and the launcher call it. */
@Injectable()
export class CampaignStreams {
  /** campaign-<id> */
  readonly campaign: BoundTo<typeof campaignDecider>;

  constructor(processor: CommandProcessor) {
    this.campaign = processor.stream(campaignDecider, campaignStream);
  }
}
