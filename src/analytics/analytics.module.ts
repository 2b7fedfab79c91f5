import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ANALYTICS_CONFIG, loadAnalyticsConfig } from './analytics-config';
import { ANALYTICS_COMMAND_HANDLERS } from './analytics-command.handlers';
import { ANALYTICS_QUERY_HANDLERS } from './analytics-query.handlers';
import { AnalyticsController } from './analytics.controller';
import { ClvModelService } from './clv-model.service';
import { EventLoopTurns } from './event-loop-turns';
import { ForecastController } from './forecast/forecast.controller';
import { SalesForecastHandler } from './forecast/forecast.query';
import { SegmentationSchedulerService } from './segmentation-scheduler.service';
import { SegmentationService } from './segmentation.service';
import { CUSTOMER_BASE_QUERY_HANDLERS, CustomerBaseController } from './retention/customer-base.query';
import { GetValueMatrixHandler, ValueMatrixController } from './value-matrix/value-matrix.query';

/** The analytical CRM: lifetime value, segments with history, complaint statistics (projections in all-projections.ts). */
@Module({
  imports: [CqrsModule],
  controllers: [AnalyticsController, ForecastController, ValueMatrixController, CustomerBaseController],
  providers: [
    { provide: ANALYTICS_CONFIG, useFactory: () => loadAnalyticsConfig() },
    SegmentationService,
    SegmentationSchedulerService,
    ClvModelService,
    EventLoopTurns,
    ...ANALYTICS_COMMAND_HANDLERS,
    ...ANALYTICS_QUERY_HANDLERS,
    SalesForecastHandler,
    GetValueMatrixHandler,
    ...CUSTOMER_BASE_QUERY_HANDLERS,
  ],
})
export class AnalyticsModule {}
