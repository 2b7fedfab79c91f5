import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { FOLLOW_UP_COMMAND_HANDLERS } from './follow-up-command.handlers';
import { FOLLOW_UP_QUERY_HANDLERS } from './follow-up-query.handlers';
import { FollowUpStreams } from './follow-up.streams';
import { FollowUpSchedulerService } from './follow-up-scheduler.service';
import { FollowUpsController } from './follow-ups.controller';
import { FollowUpSummaryHandler } from './follow-up-summary';

/** Follow-ups over HTTP, their work queues, and the scheduler of their reminders and overdue events. */
@Module({
  imports: [CqrsModule],
  controllers: [FollowUpsController],
  providers: [
    FollowUpStreams,
    ...FOLLOW_UP_COMMAND_HANDLERS,
    ...FOLLOW_UP_QUERY_HANDLERS,
    FollowUpSummaryHandler,
    FollowUpSchedulerService,
  ],
})
export class FollowUpsModule {}
