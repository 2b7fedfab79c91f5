import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { RelataConfig } from './config/config';
import { AccessModule } from './access/access.module';
import { ALL_PERSONAL_DATA } from './all-personal-data';
import { ALL_PROJECTIONS } from './all-projections';
import { ALL_WEBHOOK_EVENT_SOURCES } from './all-webhook-events';
import { WebhookEventsModule } from './shared/webhooks/webhook-events';
import { AnalyticsModule } from './analytics/analytics.module';
import { CustomerSegmentsLookupModule } from './analytics/customer-segments-lookup.module';
import { AuditModule } from './audit/audit.module';
import { BatchModule } from './batch/batch.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { AuditVerifyController } from './audit/audit-verify.controller';
import { ComplaintsModule } from './complaints/complaints.module';
import { CustomersModule } from './customers/customers.module';
import { CustomerIntegrationModule } from './customers/customer-integration.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { DepartmentsModule } from './departments/departments.module';
import { FollowUpsModule } from './follow-ups/follow-ups.module';
import { SourceLookupModule } from './importers/source-lookup';
import { OperationsModule } from './operations/operations.module';
import { ProjectionsController } from './projections.controller';
import type { Clock } from './shared/clock';
import type { IdGenerator } from './shared/ids';
import type { LeaseConfig } from './shared/lease/lease-config';
import type { ProcessRole } from './shared/lease/process-role';
import { RelataKernelModule } from './shared/relata-kernel.module';

export interface AppOptions {
  config: RelataConfig;
  clock?: Clock;
  ids?: IdGenerator;
  /** The single-active-worker lease; absent (tests): this process runs the projections and schedulers. */
  lease?: LeaseConfig;
  /** RELATA_ROLE (default all). */
  role?: ProcessRole;
  /** `all`: run the worker part in a worker thread from this entry script (main.ts: src/projector-thread). */
  projectorThread?: { entry: string; workerData: unknown };
}

/** The composition root: the only place that knows every feature. */
@Module({})
export class AppModule {
  static register(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        RelataKernelModule.forRoot({ ...options, projections: ALL_PROJECTIONS, personalData: ALL_PERSONAL_DATA }),
        WebhookEventsModule.forRoot(ALL_WEBHOOK_EVENT_SOURCES),
        AccessModule,
        CustomersModule,
        ComplaintsModule,
        DepartmentsModule,
        AnalyticsModule,
        CustomerSegmentsLookupModule,
        CampaignsModule,
        AuditModule,
        DashboardModule,
        OperationsModule,
        SourceLookupModule,
        CustomerIntegrationModule,
        BatchModule,
        FollowUpsModule,
      ],
      controllers: [ProjectionsController, AuditVerifyController],
    };
  }
}
