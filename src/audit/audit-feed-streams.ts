import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type Position, type RecordedEvent } from '../shared/event-store/event-store.port';
import { toAuditEventView } from './audit-event-view';

export interface AuditFeedStreamOptions {
  /** How often an idle stream sends a comment, so proxies and clients keep it open. Default 15 s. */
  heartbeatMs?: number;
  /** How often each stream's credential is checked again (revoked, expired). Default 5 s. */
  credentialCheckMs?: number;
}

/** Whether the credential that opened a stream would still be let through; false ends the stream. */
export type CredentialCheck = () => Promise<boolean>;

export const AUDIT_FEED_STREAM_OPTIONS = Symbol('AUDIT_FEED_STREAM_OPTIONS');

const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_CREDENTIAL_CHECK_MS = 5_000;

/** The last frame of a stream whose credential no longer holds: clients should not reconnect with it. */
const CREDENTIAL_ENDED_FRAME =
  'event: credentials-ended\ndata: {"reason":"the credential that opened this stream was revoked or expired"}\n\n';

/** One Server-Sent Event: the position is its id, so a reconnecting client resumes with Last-Event-ID. */
export function sseFrame(event: RecordedEvent): string {
  const type = event.type.replace(/[\r\n]/g, '');
  return `id: ${event.position}\nevent: ${type}\ndata: ${JSON.stringify(toAuditEventView(event))}\n\n`;
}

/**
 * The live change feed as Server-Sent Events, written straight to the Node response.
 *
 * Why not Nest's @Sse(): it takes an Observable that it cannot pause, so a client catching up
 * from position 0 over a slow link would have the whole log queued in memory (or be dropped).
 * Here the subscription is only read while the socket accepts writes (back-pressure through
 * 'drain'), heartbeats are comments, and the subscription stops as soon as the client leaves or
 * the application shuts down.
 */
@Injectable()
export class AuditFeedStreams implements OnModuleDestroy {
  private readonly logger = new Logger('AuditFeed');
  private readonly heartbeatMs: number;
  private readonly credentialCheckMs: number;
  private readonly open = new Map<() => void, Promise<void>>();
  /** The response of each open stream, by its finish(): dropUnsent() looks at what is still queued. */
  private readonly responses = new Map<() => void, ServerResponse>();
  /** Each open stream's credential check, by the function that ends the stream. */
  private readonly credentialChecks = new Map<() => void, () => Promise<void>>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional() @Inject(AUDIT_FEED_STREAM_OPTIONS) options?: AuditFeedStreamOptions,
  ) {
    this.heartbeatMs = Math.max(1, options?.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    this.credentialCheckMs = Math.max(1, options?.credentialCheckMs ?? DEFAULT_CREDENTIAL_CHECK_MS);
  }

  /** Streams being served now. */
  get openCount(): number {
    return this.open.size;
  }

  // Long because a stream's lifecycle stays in one place: the subscription, heartbeat, credential check
  // and pump share one finish() that must undo all of them, whichever ends the stream.
  /**
   * Serves events after `fromPosition` (exclusive), then live ones, until the client disconnects or
   * closeAll() is called, or until `stillAllowed` says the credential that opened it no longer
   * holds (asked every credentialCheckMs). `headers` are sent along (e.g. the correlation id).
   * Resolves when the stream is over.
   */
  serve(
    request: IncomingMessage,
    response: ServerResponse,
    fromPosition: Position,
    headers: OutgoingHttpHeaders = {},
    stillAllowed?: CredentialCheck,
  ): Promise<void> {
    request.socket.setNoDelay(true);
    request.socket.setKeepAlive(true);
    // A stream is idle between events: the socket must not time out.
    request.socket.setTimeout(0);
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(`: audit feed after position ${fromPosition}\n\n`);

    const subscription = this.store.subscribeToAll({ fromPosition });
    let closed = false;
    let wakeWriter: (() => void) | undefined;
    const finish = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      clearInterval(credentialTimer);
      this.open.delete(finish);
      this.responses.delete(finish);
      this.credentialChecks.delete(finish);
      wakeWriter?.();
      subscription.stop().catch((error: unknown) => this.logger.warn(`Feed subscription did not stop cleanly: ${String(error)}`));
      if (!response.writableEnded) response.end();
    };
    const heartbeat = setInterval(() => {
      // A backed-up socket already has bytes on the way: no need to add more.
      if (!closed && !response.writableNeedDrain) response.write(': heartbeat\n\n');
    }, this.heartbeatMs);
    heartbeat.unref();
    // A stream outlives its request: revoking or expiring the credential must end it too.
    const checkCredential = async (): Promise<void> => {
      if (closed || stillAllowed === undefined) return;
      let allowed: boolean;
      try {
        allowed = await stillAllowed();
      } catch (error) {
        // A check that cannot be made (store unavailable) does not vouch for the credential.
        this.logger.warn(`Feed credential check failed, closing the stream: ${error instanceof Error ? error.message : String(error)}`);
        allowed = false;
      }
      if (allowed || closed) return;
      if (!response.writableEnded) response.write(CREDENTIAL_ENDED_FRAME);
      finish();
    };
    const credentialTimer = setInterval(() => void checkCredential(), this.credentialCheckMs);
    credentialTimer.unref();
    response.on('close', finish);
    response.on('error', finish);

    const pump = (async () => {
      try {
        for await (const event of subscription) {
          if (closed) break;
          if (!response.write(sseFrame(event))) {
            await new Promise<void>((resolve) => {
              wakeWriter = resolve;
              response.once('drain', resolve);
            });
            wakeWriter = undefined;
          }
        }
      } catch (error) {
        if (!closed) this.logger.warn(`Feed stream ended by an error: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        finish();
      }
    })();
    if (!closed) {
      this.open.set(finish, pump);
      this.responses.set(finish, response);
      this.credentialChecks.set(finish, checkCredential);
    }
    return pump;
  }

  /**
   * Ends, without sending it, every stream that still has frames queued for a slow client: they
   * were decrypted before a forget (erasure calls this) and must not go out after it. The client
   * reconnects with Last-Event-ID and reads those events again, as they read now. Returns how many.
   */
  dropUnsent(): number {
    let dropped = 0;
    for (const [finish, response] of [...this.responses]) {
      if (response.writableLength === 0) continue;
      response.destroy();
      finish();
      dropped += 1;
    }
    return dropped;
  }

  /** Checks every open stream's credential now (the timer does it every credentialCheckMs); ends those that no longer hold. */
  async checkCredentials(): Promise<void> {
    await Promise.all([...this.credentialChecks.values()].map((check) => check()));
  }

  /** Ends every open stream (their clients may reconnect elsewhere with Last-Event-ID). */
  async closeAll(): Promise<void> {
    const pumps = [...this.open.entries()];
    for (const [finish] of pumps) finish();
    await Promise.all(pumps.map(([, pump]) => pump));
  }

  /** Open streams would keep the HTTP server from closing, and their subscriptions the event store. */
  onModuleDestroy(): Promise<void> {
    return this.closeAll();
  }
}
