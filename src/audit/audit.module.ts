import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { PROBLEM_SINK } from '../shared/errors/problem-details.filter';
import { AuditController } from './audit.controller';
import { AuditFeedErasure } from './audit-feed-erasure';
import { AuditFeedStreams } from './audit-feed-streams';
import { AuditReader } from './audit-reader';
import { RejectionLog } from './rejection-log';

/**
 * The auditors' read side. Its projection (audit-index) is registered with the others in
 * all-projections.ts; its RejectionLog is the PROBLEM_SINK the ProblemDetailsFilter reports to.
 */
@Module({
  imports: [AccessModule],
  controllers: [AuditController],
  providers: [AuditReader, AuditFeedStreams, AuditFeedErasure, RejectionLog, { provide: PROBLEM_SINK, useExisting: RejectionLog }],
  exports: [PROBLEM_SINK, RejectionLog],
})
export class AuditModule {}
