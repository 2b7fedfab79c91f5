import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../shared/clock';
import { recordTime } from './as-of';
import type { CommandContext } from '../shared/decider/command-context';
import { CommandProcessor } from '../shared/decider/command-processor';
import { BusinessRuleViolation, NotCaughtUpError } from '../shared/errors/domain-errors';
import { EVENT_STORE, type EventStore, formatPosition, type Position, START } from '../shared/event-store/event-store.port';
import { AsyncMutex } from '../shared/projections/async-mutex';
import { ProjectionRunner } from '../shared/projections/projection-runner';
import { AnalyticsStreams } from './analytics.streams';
import { CUSTOMER_VALUE_PROJECTION } from './customer-value.projection';
import { analysisCurrency, valueDocsIn } from './value-currency';
import { DEFAULT_CURRENCY } from '../shared/money/money';
import {
  SEGMENT_CHANGES_COLLECTION,
  type SegmentChangeDoc,
  SEGMENT_HISTORY_PROJECTION,
  SEGMENTATION_RUNS_COLLECTION,
  type SegmentationRunDoc,
} from './segment-history.projection';
import { CLV_MODEL_PROJECTION, CLV_MODELS_COLLECTION, type ClvModelDoc } from './clv-model.projection';
import { segmentCustomers } from './segmentation';
import type { Valuation } from './value-matrix/potential-value';
import { type SegmentAssignment, SEGMENT_SCHEMES, type SegmentScheme } from './segmentation.events';

export interface SegmentationRunResult {
  runId: string;
  asOf: string;
  customersScored: Record<SegmentScheme, number>;
  /** Segment changes appended by this request (0 for a rerun). */
  changes: number;
  segments: Record<SegmentScheme, Record<string, number>>;
  /** How the value matrix valued the customers (basis, CLV model). */
  valuation: Valuation;
  /** The currency whose spend was scored. */
  currency: string;
  /** Position of the last event appended (for ?minPosition=), or null when nothing was appended. */
  position: string | null;
  /** True when this asOf had already been run: nothing was appended. */
  replayed: boolean;
}

/** How long a run waits for the read models it scores from to reach the head of the log. */
const CATCH_UP_TIMEOUT_MS = 60_000;

/**
 * A segmentation run: scores every customer as of `asOf` (segmentation.ts) and records each
 * customer's segment changes as events (segmentation.events.ts), then the run itself.
 *
 * Runs are keyed by their as-of (business time): a run older than the latest one is a historical
 * segmentation, whose changes take their place in each customer's timeline (never refused because
 * a later run exists); the same asOf again is a rerun that appends nothing. Runs of one process are serialised; run the
 * daily scheduler in one process only (the per-customer decider and idempotency keys keep
 * concurrent runs from recording a change twice, not from interleaving).
 */
@Injectable()
export class SegmentationService {
  private readonly mutex = new AsyncMutex();

  private readonly streams: AnalyticsStreams;

  constructor(
    processor: CommandProcessor,
    private readonly runner: ProjectionRunner,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.streams = new AnalyticsStreams(processor);
  }

  /** `currency`: the spend scored; default the only one recorded (CURRENCY_REQUIRED when several). */
  recompute(asOf: Date, context: CommandContext, currency?: string): Promise<SegmentationRunResult> {
    return this.mutex.run(() => this.run(asOf, context, currency));
  }

  /** asOf of the latest completed run, or null. */
  async lastRun(): Promise<SegmentationRunDoc | null> {
    const page = await this.runner
      .collection<SegmentationRunDoc>(SEGMENT_HISTORY_PROJECTION, SEGMENTATION_RUNS_COLLECTION)
      .find({}, { sort: { asOf: -1 }, limit: 1 });
    return page.items[0] ?? null;
  }

  // Long because it is a run's steps in order (catch up, value, segment, diff against the segments at
  // the run's instant, append the changes, record the run), which share the run's id, instant and currency.
  private async run(asOf: Date, requestContext: CommandContext, requestedCurrency: string | undefined): Promise<SegmentationRunResult> {
    const now = recordTime(this.clock);
    const runId = asOf.toISOString();
    if (asOf.getTime() > now.getTime()) {
      throw new BusinessRuleViolation('AS_OF_IN_FUTURE', 'Segments can only be computed as of now or an earlier instant', { asOf: runId });
    }
    await this.catchUp();

    const currency = await analysisCurrency(this.runner, requestedCurrency);
    const docs = await valueDocsIn(this.runner, currency);
    // Only models fitted on the same currency value these customers.
    const models: ClvModelDoc[] = [];
    for await (const model of this.runner.collection<ClvModelDoc>(CLV_MODEL_PROJECTION, CLV_MODELS_COLLECTION).findAll()) {
      if ((model.currency ?? DEFAULT_CURRENCY) === currency) models.push(model);
    }
    const segmentation = segmentCustomers(docs, asOf, { models });

    // Each customer's segments at the run's instant (not the latest ones: the run may be historical).
    const current = new Map<string, Partial<Record<SegmentScheme, string | null>>>();
    for await (const change of this.runner
      .collection<SegmentChangeDoc>(SEGMENT_HISTORY_PROJECTION, SEGMENT_CHANGES_COLLECTION)
      .findAll({ at: { $lte: runId } }, { at: 1 })) {
      current.set(change.customerId, { ...current.get(change.customerId), [change.scheme]: change.to });
    }
    const customerIds = new Set<string>([...current.keys(), ...SEGMENT_SCHEMES.flatMap((scheme) => [...segmentation[scheme].keys()])]);

    // Internal commands: the request's idempotency key and If-Match belong to the request, not to them.
    const base: CommandContext = { actor: requestContext.actor, correlationId: requestContext.correlationId, commandId: '' };
    let changes = 0;
    let position: Position | null = null;
    for (const customerId of [...customerIds].sort()) {
      const assignments: SegmentAssignment[] = [];
      for (const scheme of SEGMENT_SCHEMES) {
        const placement = segmentation[scheme].get(customerId);
        const target = placement?.segment ?? null;
        if ((current.get(customerId)?.[scheme] ?? null) !== target)
          assignments.push({ scheme, segment: target, scores: placement?.scores ?? null });
      }
      if (assignments.length === 0) continue;
      const outcome = await this.streams.customerSegments.handle(
        customerId,
        { type: 'AssignSegments', data: { customerId, runId, at: runId, assignments } },
        { ...base, idempotencyKey: `segmentation:${runId}:${customerId}` },
      );
      if (!outcome.replayed && outcome.events.length > 0) {
        changes += outcome.events.length;
        position = outcome.position;
      }
    }

    const counts = (scheme: SegmentScheme): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const { segment } of segmentation[scheme].values()) out[segment] = (out[segment] ?? 0) + 1;
      return out;
    };
    const data = {
      runId,
      asOf: runId,
      customersScored: { rfm: segmentation.rfm.size, 'value-matrix': segmentation['value-matrix'].size },
      changes,
      segments: { rfm: counts('rfm'), 'value-matrix': counts('value-matrix') },
      valuation: segmentation.valuation,
      currency,
      completedAt: now.toISOString(),
    };
    const completion = await this.streams.segmentationRun.handle(
      runId,
      { type: 'CompleteSegmentationRun', data },
      { ...base, idempotencyKey: `segmentation-run:${runId}` },
    );
    const appended = !completion.replayed && completion.events.length > 0;
    if (appended) position = completion.position;
    return {
      runId,
      asOf: runId,
      customersScored: data.customersScored,
      changes,
      segments: data.segments,
      valuation: data.valuation,
      currency,
      position: position === null ? null : formatPosition(position),
      replayed: !appended && changes === 0,
    };
  }

  /** The run scores from the read models: they must have applied everything in the log first. */
  private async catchUp(): Promise<void> {
    const head = await this.eventStore.headPosition();
    if (head === START) return;
    for (const projection of [CUSTOMER_VALUE_PROJECTION, SEGMENT_HISTORY_PROJECTION, CLV_MODEL_PROJECTION]) {
      if (!(await this.runner.waitForPosition(projection, head, CATCH_UP_TIMEOUT_MS))) throw new NotCaughtUpError(projection, 5);
    }
  }
}
