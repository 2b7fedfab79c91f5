import { Controller, Get, Inject, Query } from '@nestjs/common';
import { IsOptional, Matches } from 'class-validator';
import type { EventStore } from '../shared/event-store/event-store.port';
import { STORED_EVENT_STORE } from '../shared/event-store/hash-chaining-event-store';
import { AuditVerifier, type VerificationReport } from './audit-verify';

export class AuditVerifyQueryDto {
  /** Check this stream only; without it, the whole log. */
  @IsOptional() @Matches(/^[\x21-\x7e]{1,300}$/, { message: 'stream must be 1 to 300 visible ASCII characters' }) stream?: string;
}

/**
 * GET /audit/verify[?stream=NAME]: checks the tamper-evidence hash chains and reports the first
 * broken link. 200 either way: the report is the answer (`ok: false` names where the chain breaks).
 * The whole-log check reads every event; for large logs prefer `npm run audit:verify`.
 */
@Controller('audit')
export class AuditVerifyController {
  private readonly verifier: AuditVerifier;

  constructor(@Inject(STORED_EVENT_STORE) store: EventStore) {
    this.verifier = new AuditVerifier(store);
  }

  @Get('verify')
  verify(@Query() query: AuditVerifyQueryDto): Promise<VerificationReport> {
    return query.stream === undefined ? this.verifier.verifyAll() : this.verifier.verifyStream(query.stream);
  }
}
