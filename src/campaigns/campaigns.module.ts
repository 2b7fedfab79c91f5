import { Module } from '@nestjs/common';
import { CampaignLauncher } from './campaign-launcher';
import { CampaignResultsReader } from './campaign-results';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';

@Module({
  controllers: [CampaignsController],
  providers: [CampaignsService, CampaignLauncher, CampaignResultsReader],
  exports: [CampaignLauncher],
})
export class CampaignsModule {}
