import { Controller, Get, Inject, Query } from '@nestjs/common';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { EventStore } from '../shared/event-store/event-store.port';
import { STORED_EVENT_STORE } from '../shared/event-store/hash-chaining-event-store';
import { AsyncMutex } from '../shared/projections/async-mutex';
import { AuditVerifier, emptyPrefix, reportOf, type VerificationReport, type VerifiedPrefix } from './audit-verify';

export class AuditVerifyQueryDto {
  /** Check this stream only; without it, the whole log. */
  @IsOptional() @Matches(/^[\x21-\x7e]{1,300}$/, { message: 'stream must be 1 to 300 visible ASCII characters' }) stream?: string;
  /** true: check the whole log again from its start (and remember that). */
  @IsOptional() @IsIn(['true', 'false']) full?: 'true' | 'false';
}

/**
 * GET /audit/verify[?stream=NAME][&full=true]: checks the tamper-evidence hash chains and reports
 * the first broken link, or where the store could not be read. 200 either way: the report is the
 * answer (`ok: false` names where the chain breaks).
 *
 * The whole-log check is incremental: this process remembers what it verified, and a repeat
 * reads only the events appended since (`resumedAfterPosition`). Its figures are those of a full
 * check, but a full check (`?full=true`, or `npm run audit:verify`) is what also catches a change
 * made since to an event already verified.
 */
@Controller('audit')
export class AuditVerifyController {
  private readonly verifier: AuditVerifier;
  private readonly mutex = new AsyncMutex();
  private prefix: VerifiedPrefix | null = null;

  constructor(@Inject(STORED_EVENT_STORE) store: EventStore) {
    this.verifier = new AuditVerifier(store);
  }

  @Get('verify')
  verify(@Query() query: AuditVerifyQueryDto): Promise<VerificationReport> {
    if (query.stream !== undefined) return this.verifier.verifyStream(query.stream);
    return this.mutex.run(async () => {
      // Extended in place, page by page: what a failed check read before failing stays verified.
      const start = query.full === 'true' || this.prefix === null ? emptyPrefix() : this.prefix;
      this.prefix = start;
      const resumedAfter = start.after;
      const corrupted = await this.verifier.extend(start);
      const report = reportOf(start, corrupted);
      return resumedAfter === emptyPrefix().after ? report : { ...report, resumedAfterPosition: resumedAfter.toString() };
    });
  }
}
