import { Module } from '@nestjs/common';
import { DashboardAssets } from './dashboard-assets';
import { DashboardController } from './dashboard.controller';

/** The analyst dashboard at /dashboard (static page + script drawing the /analytics API). */
@Module({
  controllers: [DashboardController],
  providers: [{ provide: DashboardAssets, useFactory: () => new DashboardAssets() }],
})
export class DashboardModule {}
