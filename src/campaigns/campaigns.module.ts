import { Module } from '@nestjs/common';
import { CustomerStreams } from '../customers/customer.streams';
import { CampaignLauncher } from './campaign-launcher';
import { CampaignStreams } from './campaign.streams';
import { CampaignResultsReader } from './campaign-results';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';

@Module({
  controllers: [CampaignsController],
  providers: [CampaignStreams, CustomerStreams, CampaignsService, CampaignLauncher, CampaignResultsReader],
  exports: [CampaignLauncher],
})
export class CampaignsModule {}
