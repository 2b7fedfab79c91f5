import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy, Optional } from '@nestjs/common';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { CLOCK, type Clock } from '../shared/clock';
import { START } from '../shared/event-store/event-store.port';
import type { LeaseCoordinator } from '../shared/lease/lease-coordinator';
import { WORKER_LEASE } from '../shared/lease/worker-lease';
import { KEY_STORE, type KeyStore } from '../shared/privacy/key-store.port';
import { AsyncMutex } from '../shared/projections/async-mutex';
import { ProjectionRunner } from '../shared/projections/projection-runner';
import { type Collection, type Document, READ_STORE, type ReadStore } from '../shared/read-store/read-store.port';
import {
  DEPARTMENT_WEBHOOKS_PROJECTION,
  OUTBOX_COLLECTION,
  type OutboxDoc,
  toSeq,
  WEBHOOKS_COLLECTION,
  type WebhookDoc,
} from './department-webhooks.projection';
import { currentWebhookBody } from './webhook-body-erasure';
import { WebhookNetworkPolicy } from './webhook-network-policy';
import { WebhookSecrets } from './webhook-secrets';
import { describeFailure, postWebhook } from './webhook-transport';
import { signatureHeader } from './webhook-signature';

/**
 * The dispatcher's own collections. They are plain read-store collections, not a projection's:
 * delivery status changes with the outcome of HTTP calls and the passing of time, not with events,
 * so no projection could derive it, and a projection's collections may only be written by the
 * projection (its writes are position-guarded, and a rebuild drops them, which would forget what
 * was delivered and send it all again).
 */
export const WEBHOOK_DELIVERIES_COLLECTION = 'webhook-deliveries';
export const WEBHOOK_ATTEMPTS_COLLECTION = 'webhook-delivery-attempts';
/** Holds the intake cursor: how far into the projection's outbox deliveries have been taken over. */
export const WEBHOOK_DISPATCHER_COLLECTION = 'webhook-dispatcher';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface DeliveryDoc extends Document {
  webhookId: string;
  departmentId: string;
  eventId: string;
  eventType: string;
  seq: string;
  body: string;
  /** Whose personal data the body carries, and where (absent when taken over from the outbox before its v2). */
  subjectId?: string | null;
  personalPaths?: string[];
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due; null once delivered, failed or cancelled. */
  nextAttemptAt: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
}

export interface DeliveryAttemptDoc extends Document {
  deliveryId: string;
  webhookId: string;
  departmentId: string;
  eventId: string;
  eventType: string;
  /** 1 for the first attempt of this delivery. */
  attempt: number;
  /** delivered: 2xx; retrying: another attempt is scheduled at nextAttemptAt; failed: no more attempts. */
  outcome: 'delivered' | 'retrying' | 'failed';
  statusCode: number | null;
  error: string | null;
  /** Null when no HTTP answer came (see describeFailure in webhook-transport.ts). */
  durationMs: number | null;
  at: string;
  nextAttemptAt: string | null;
}

interface IntakeDoc extends Document {
  seq: string;
  updatedAt: string;
}

export interface WebhookDispatcherOptions {
  /** Attempts per delivery before it is marked failed. Default 15: the last comes about 3 h after the first. */
  maxAttempts: number;
  /** First retry delay; doubled on each attempt. Default 1 s. */
  baseDelayMs: number;
  /** Longest retry delay. Default 1 h. */
  maxDelayMs: number;
  /** HTTP timeout of one attempt. Default 10 s. */
  timeoutMs: number;
  /** Timer period. Default 1 s. */
  pollMs: number;
  /** Due deliveries taken per dispatchDue() pass. Default 100. */
  batchSize: number;
  /** Attempts in flight at once. Default 8. */
  concurrency: number;
}

export const DEFAULT_WEBHOOK_DISPATCHER_OPTIONS: WebhookDispatcherOptions = {
  maxAttempts: 15,
  baseDelayMs: 1000,
  maxDelayMs: 3_600_000,
  timeoutMs: 10_000,
  pollMs: 1000,
  batchSize: 100,
  concurrency: 8,
};

/** Optional provider to override some options (tests, tuning). */
export const WEBHOOK_DISPATCHER_OPTIONS = Symbol('WEBHOOK_DISPATCHER_OPTIONS');

/** Told the outcome of every delivery attempt, and of deliveries cancelled (operations/metrics.ts counts them). */
export interface WebhookDeliveryObserver {
  deliveryAttempted(outcome: DeliveryAttemptDoc['outcome'] | 'cancelled'): void;
}

/** Injection token of the optional WebhookDeliveryObserver. */
export const WEBHOOK_DELIVERY_OBSERVER = Symbol('WEBHOOK_DELIVERY_OBSERVER');

/**
 * Delay before attempt `attempt + 1`: base x 2^(attempt-1), plus up to 20% jitter, capped.
 * The jitter is derived from the delivery id (a hash, not a random draw) so that deliveries failing
 * together spread out while every schedule stays reproducible in tests and logs.
 */
export function retryDelayMs(
  attempt: number,
  deliveryId: string,
  options: Pick<WebhookDispatcherOptions, 'baseDelayMs' | 'maxDelayMs'>,
): number {
  const exponential = options.baseDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40);
  const fraction = createHash('sha256').update(`${deliveryId}:${attempt}`).digest().readUInt32BE(0) / 2 ** 32;
  return Math.round(Math.min(exponential * (1 + 0.2 * fraction), options.maxDelayMs));
}

/**
 * Delivers the webhook outbox: at least once, signed, retried with backoff, durable across
 * restarts (everything it knows is in the read store; nothing is kept only in memory).
 *
 * Each pass (dispatchDue): take over the outbox documents the projection has committed since the
 * last pass into the deliveries collection (idempotent: $setOnInsert on the same id), then attempt
 * every pending delivery whose nextAttemptAt has come, recording each attempt in the log.
 *
 * A crash between the HTTP call and recording its outcome sends the event again after restart:
 * receivers de-duplicate on Webhook-Id (the event id). Run one dispatcher per deployment
 * (RELATA_WEBHOOKS=off on the other processes); two would send duplicates, never lose one.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookDispatcher');
  private readonly options: WebhookDispatcherOptions;
  private readonly mutex = new AsyncMutex();
  private timer: NodeJS.Timeout | undefined;
  private tickInFlight = false;
  private indexesReady = false;
  private stopping = new AbortController();

  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly runner: ProjectionRunner,
    private readonly secrets: WebhookSecrets,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RELATA_CONFIG) private readonly config: RelataConfig,
    private readonly networkPolicy: WebhookNetworkPolicy,
    @Optional() @Inject(WEBHOOK_DISPATCHER_OPTIONS) options?: Partial<WebhookDispatcherOptions>,
    @Optional() @Inject(WEBHOOK_DELIVERY_OBSERVER) private readonly observer?: WebhookDeliveryObserver,
    // Several processes: the timer's passes run only in the one holding the worker lease.
    @Optional() @Inject(WORKER_LEASE) private readonly lease?: LeaseCoordinator,
    // To never take over or send a forgotten customer's data, whatever process ran the forget.
    @Optional() @Inject(KEY_STORE) private readonly keys?: KeyStore,
  ) {
    this.options = { ...DEFAULT_WEBHOOK_DISPATCHER_OPTIONS, ...options };
  }

  async onApplicationBootstrap(): Promise<void> {
    // The GET routes count deliveries per webhook even where this process does not dispatch.
    await this.ensureIndexes();
    if (this.config.webhookDispatcherEnabled) this.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  /** Starts the timer (idempotent). A tick that finds the previous pass still running is skipped, not queued. */
  start(): void {
    if (this.timer) return;
    this.stopping = new AbortController();
    this.timer = setInterval(() => {
      if (this.tickInFlight) return;
      this.tickInFlight = true;
      (this.lease === undefined ? Promise.resolve(true) : this.lease.shouldRun())
        .then((mayRun) => (mayRun ? this.dispatchDue() : 0))
        .catch((error: unknown) => this.logger.warn(`Webhook dispatch pass failed: ${describe(error)}`))
        .finally(() => {
          this.tickInFlight = false;
        });
    }, this.options.pollMs);
    // The timer alone must not keep the process alive.
    this.timer.unref();
  }

  /** Stops the timer and waits for the pass in flight; requests it aborts stay pending, to be sent after restart. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.mutex.run(async () => undefined);
  }

  /** One pass: intake, then every due attempt. Returns the number of attempts made. */
  dispatchDue(): Promise<number> {
    return this.mutex.run(async () => {
      await this.ensureIndexes();
      await this.intake();
      return this.attemptDue();
    });
  }

  /** Runs fn between passes (no attempt in flight): erasure rewrites deliveries this way, so no attempt sends a body read before the rewrite. */
  betweenPasses<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  // ------------------------------------------------------------------------------------ intake

  private deliveries(): Collection<DeliveryDoc> {
    return this.readStore.collection<DeliveryDoc>(WEBHOOK_DELIVERIES_COLLECTION);
  }

  private async ensureIndexes(): Promise<void> {
    if (this.indexesReady) return;
    await this.readStore.ensureIndexes(WEBHOOK_DELIVERIES_COLLECTION, [
      { keys: { status: 1, nextAttemptAt: 1 } },
      { keys: { webhookId: 1, status: 1 } },
      { keys: { subjectId: 1 } },
    ]);
    await this.readStore.ensureIndexes(WEBHOOK_ATTEMPTS_COLLECTION, [
      { keys: { webhookId: 1, at: -1, attempt: -1 } },
      { keys: { webhookId: 1, eventId: 1 } },
    ]);
    this.indexesReady = true;
  }

  /**
   * Takes over outbox documents up to the projection's committed checkpoint: everything at or
   * before it is committed (the runner commits writes and checkpoint together), so none is skipped.
   * A rebuild of the projection recreates the outbox with the same ids and positions: the cursor
   * (and $setOnInsert) keep those from being sent again.
   */
  private async intake(): Promise<void> {
    const head = this.runner.position(DEPARTMENT_WEBHOOKS_PROJECTION);
    if (head === START) return;
    const upTo = toSeq(head);
    const cursors = this.readStore.collection<IntakeDoc>(WEBHOOK_DISPATCHER_COLLECTION);
    const from = (await cursors.get('intake'))?.seq ?? '';
    if (from >= upTo) return;
    const outbox = this.runner.collection<OutboxDoc>(DEPARTMENT_WEBHOOKS_PROJECTION, OUTBOX_COLLECTION);
    const now = this.clock.now().toISOString();
    let cursor: string | undefined;
    do {
      const page = await outbox.find({ seq: { $gt: from, $lte: upTo } }, { sort: { seq: 1 }, limit: 500, cursor });
      await this.readStore.withTransaction(async (tx) => {
        const deliveries = tx.collection<DeliveryDoc>(WEBHOOK_DELIVERIES_COLLECTION);
        for (const doc of page.items) {
          const pending: Omit<DeliveryDoc, '_id'> = {
            webhookId: doc.webhookId,
            departmentId: doc.departmentId,
            eventId: doc.eventId,
            eventType: doc.eventType,
            seq: doc.seq,
            body: await currentWebhookBody(doc, this.keys),
            subjectId: doc.subjectId,
            personalPaths: doc.personalPaths,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: now,
            createdAt: doc.createdAt,
            lastAttemptAt: null,
            lastStatusCode: null,
            lastError: null,
            deliveredAt: null,
          };
          await deliveries.update(doc._id, { $setOnInsert: pending }, { upsert: true });
        }
      });
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    await cursors.replace('intake', { seq: upTo, updatedAt: now });
  }

  // ------------------------------------------------------------------------------------ attempts

  private async attemptDue(): Promise<number> {
    const now = this.clock.now().toISOString();
    const due = await this.deliveries().find(
      { status: 'pending', nextAttemptAt: { $lte: now } },
      { sort: { nextAttemptAt: 1 }, limit: this.options.batchSize },
    );
    let attempts = 0;
    const queue = [...due.items];
    const worker = async (): Promise<void> => {
      for (let delivery = queue.shift(); delivery !== undefined; delivery = queue.shift()) {
        if (this.stopping.signal.aborted) return;
        if (await this.attempt(delivery)) attempts += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, queue.length) }, worker));
    return attempts;
  }

  /** Attempts one delivery; false when no attempt was made (webhook removed, or shutting down). */
  private async attempt(delivery: DeliveryDoc): Promise<boolean> {
    const webhook = await this.runner.collection<WebhookDoc>(DEPARTMENT_WEBHOOKS_PROJECTION, WEBHOOKS_COLLECTION).get(delivery.webhookId);
    if (!webhook || !webhook.active) {
      await this.deliveries().update(delivery._id, {
        $set: { status: 'cancelled', nextAttemptAt: null, lastError: 'the webhook was unsubscribed' },
      });
      this.observer?.deliveryAttempted('cancelled');
      return false;
    }
    const secret = await this.secrets.get(delivery.webhookId);
    const body = await currentWebhookBody(delivery, this.keys);
    const at = this.clock.now();
    const attempt = delivery.attempts + 1;
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    if (secret === null) {
      error = 'no signing secret is stored for this webhook: subscribe again';
    } else {
      const timestamp = Math.floor(at.getTime() / 1000).toString();
      try {
        statusCode = await this.post(webhook.url, { ...delivery, body }, timestamp, signatureHeader(secret, timestamp, body));
        if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
      } catch (failure) {
        // Aborted by stop(): not an attempt that counts; the delivery stays due and goes out after restart.
        if (this.stopping.signal.aborted) return false;
        error = describeFailure(failure);
      }
    }
    // Without an answer the time taken would tell a closed port (at once) from a filtered one (the timeout).
    const durationMs = secret !== null && statusCode === null ? null : Math.round(performance.now() - started);
    const delivered = error === null;
    const last = !delivered && attempt >= this.options.maxAttempts;
    const nextAttemptAt =
      delivered || last ? null : new Date(at.getTime() + retryDelayMs(attempt, delivery._id, this.options)).toISOString();
    const outcome: DeliveryAttemptDoc['outcome'] = delivered ? 'delivered' : last ? 'failed' : 'retrying';
    const atIso = at.toISOString();

    await this.readStore.withTransaction(async (tx) => {
      await tx.collection<DeliveryAttemptDoc>(WEBHOOK_ATTEMPTS_COLLECTION).replace(`${delivery._id}:${attempt}`, {
        deliveryId: delivery._id,
        webhookId: delivery.webhookId,
        departmentId: delivery.departmentId,
        eventId: delivery.eventId,
        eventType: delivery.eventType,
        attempt,
        outcome,
        statusCode,
        error,
        durationMs,
        at: atIso,
        nextAttemptAt,
      });
      await tx.collection<DeliveryDoc>(WEBHOOK_DELIVERIES_COLLECTION).update(delivery._id, {
        $set: {
          status: delivered ? 'delivered' : last ? 'failed' : 'pending',
          attempts: attempt,
          nextAttemptAt,
          lastAttemptAt: atIso,
          lastStatusCode: statusCode,
          lastError: error,
          deliveredAt: delivered ? atIso : null,
        },
      });
    });
    this.observer?.deliveryAttempted(outcome);
    return true;
  }

  /** One signed POST; resolves with the status code. Redirects are not followed (they count as failures). */
  private post(url: string, delivery: DeliveryDoc, timestamp: string, signature: string): Promise<number> {
    return postWebhook(this.networkPolicy, {
      url,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Relata-Webhooks/1',
        'webhook-id': delivery.eventId,
        'webhook-timestamp': timestamp,
        'webhook-signature': signature,
      },
      body: delivery.body,
      timeoutMs: this.options.timeoutMs,
      signal: this.stopping.signal,
    });
  }
}

/**
 * A short, secret-free description of a failed request (connection refused, timeout, ...).
 * Structural checks rather than instanceof: fetch's errors may come from another realm.
 */
function describe(error: unknown): string {
  const { name, message, cause } = fieldsOf(error);
  if (name === 'TimeoutError') return 'timed out';
  const inner = fieldsOf(cause);
  const detail = inner.code ?? inner.message;
  if (message === undefined) return String(error);
  return detail === undefined ? message : `${message}: ${detail}`;
}

function fieldsOf(value: unknown): { name?: string; message?: string; code?: string; cause?: unknown } {
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  const text = (key: string): string | undefined => (typeof record[key] === 'string' ? (record[key] as string) : undefined);
  return { name: text('name'), message: text('message'), code: text('code'), cause: record.cause };
}
