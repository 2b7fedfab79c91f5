import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { DEPARTMENT_COMMAND_HANDLERS } from './department-command.handlers';
import { DEPARTMENT_QUERY_HANDLERS } from './department-query.handlers';
import { DepartmentStreams } from './department.streams';
import { DepartmentsController } from './departments.controller';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookErasure } from './webhook-erasure';
import { WebhookNetworkPolicy } from './webhook-network-policy';
import { WebhookSecrets } from './webhook-secrets';

@Module({
  imports: [CqrsModule],
  controllers: [DepartmentsController],
  providers: [
    DepartmentStreams,
    ...DEPARTMENT_COMMAND_HANDLERS,
    ...DEPARTMENT_QUERY_HANDLERS,
    WebhookSecrets,
    WebhookDispatcher,
    WebhookErasure,
    {
      provide: WebhookNetworkPolicy,
      inject: [RELATA_CONFIG],
      useFactory: (config: RelataConfig) => new WebhookNetworkPolicy(config.webhookNetworks),
    },
  ],
  exports: [WebhookDispatcher],
})
export class DepartmentsModule {}
