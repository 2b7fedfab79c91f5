import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { DEPARTMENT_COMMAND_HANDLERS } from './department-command.handlers';
import { DEPARTMENT_QUERY_HANDLERS } from './department-query.handlers';
import { DepartmentsController } from './departments.controller';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookErasure } from './webhook-erasure';
import { WebhookSecrets } from './webhook-secrets';

@Module({
  imports: [CqrsModule],
  controllers: [DepartmentsController],
  providers: [...DEPARTMENT_COMMAND_HANDLERS, ...DEPARTMENT_QUERY_HANDLERS, WebhookSecrets, WebhookDispatcher, WebhookErasure],
  exports: [WebhookDispatcher],
})
export class DepartmentsModule {}
