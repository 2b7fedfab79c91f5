import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Erasure, type ErasureParticipant } from '../shared/privacy/erasure';
import { AuditFeedStreams } from './audit-feed-streams';

/** Forget reaches the live audit feeds: frames decrypted before it and still queued are dropped. */
@Injectable()
export class AuditFeedErasure implements ErasureParticipant, OnModuleInit {
  constructor(
    private readonly erasure: Erasure,
    private readonly streams: AuditFeedStreams,
  ) {}

  onModuleInit(): void {
    this.erasure.register(this);
  }

  async eraseSubject(): Promise<void> {
    // Which customer a queued frame concerns is not tracked: every backed-up feed is cut, and resumes on reconnect.
    this.streams.dropUnsent();
  }
}
