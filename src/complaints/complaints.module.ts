import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { COMPLAINT_COMMAND_HANDLERS } from './complaint-command.handlers';
import { COMPLAINT_QUERY_HANDLERS } from './complaint-query.handlers';
import { ComplaintStreams } from './complaint.streams';
import { ComplaintsController, SolutionsController } from './complaints.controller';
import { SlaPoliciesController } from './sla-policy-registry.controller';
import { SLA_SCHEDULER_PROVIDERS } from './sla-scheduler.service';
import { SLA_POLICY_HANDLERS } from './sla-policy-registry.handlers';

/** Complaint handling over HTTP: the ISO 10002 steps, the complaint read models, solutions and SLA policies. */
@Module({
  imports: [CqrsModule],
  controllers: [ComplaintsController, SolutionsController, SlaPoliciesController],
  providers: [
    ComplaintStreams,
    ...COMPLAINT_COMMAND_HANDLERS,
    ...COMPLAINT_QUERY_HANDLERS,
    ...SLA_POLICY_HANDLERS,
    ...SLA_SCHEDULER_PROVIDERS,
  ],
})
export class ComplaintsModule {}
