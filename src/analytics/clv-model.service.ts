import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../shared/clock';
import { recordTime } from './as-of';
import type { CommandContext } from '../shared/decider/command-context';
import { CommandProcessor } from '../shared/decider/command-processor';
import { BusinessRuleViolation, NotCaughtUpError, ValidationFailedError } from '../shared/errors/domain-errors';
import { EVENT_STORE, type EventStore, START } from '../shared/event-store/event-store.port';
import { deterministicUuid, ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { ProjectionRunner } from '../shared/projections/projection-runner';
import { dayNumber } from './clv/summary';
import { AnalyticsStreams } from './analytics.streams';
import { type ClvModelData, type ClvModelFitted, CLV_MODEL_STREAM } from './clv-model.events';
import { type ClvFitRequest, fitClvModel } from './clv-model';
import { CUSTOMER_VALUE_PROJECTION } from './customer-value.projection';
import { analysisCurrency, valueDocsIn } from './value-currency';

export interface ClvFitOutcome {
  model: ClvModelData;
  /** Position of the ClvModelFitted event (for ?minPosition=). */
  position: string | null;
  /** True when an Idempotency-Key matched an earlier fit: that model is returned, nothing appended. */
  replayed: boolean;
}

const CATCH_UP_TIMEOUT_MS = 60_000;

/**
 * Fits the CLV models on the customer-value read model (once it has applied the whole log) and
 * records the result as a ClvModelFitted event. Used by POST /analytics/clv/fit and by the
 * `npm run clv:fit` CLI (which builds it by hand on the same stores).
 */
@Injectable()
export class ClvModelService {
  private readonly streams: AnalyticsStreams;

  constructor(
    processor: CommandProcessor,
    private readonly runner: ProjectionRunner,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {
    this.streams = new AnalyticsStreams(processor);
  }

  /** Fits; with `record` (default) appends the ClvModelFitted event, otherwise only returns the model. */
  async fit(
    request: Omit<ClvFitRequest, 'currency'> & { currency?: string },
    context: CommandContext,
    options: { record?: boolean } = {},
  ): Promise<ClvFitOutcome> {
    const now = recordTime(this.clock);
    if (dayNumber(request.until) > dayNumber(now.toISOString())) {
      throw new BusinessRuleViolation('CALIBRATION_END_IN_FUTURE', 'The calibration period must end today or earlier', {
        until: request.until,
      });
    }
    if (request.holdoutEnd !== undefined) {
      if (dayNumber(request.holdoutEnd) <= dayNumber(request.until)) {
        throw new ValidationFailedError([{ field: 'holdoutEnd', messages: ['holdoutEnd must be after the calibration end (until)'] }]);
      }
      if (dayNumber(request.holdoutEnd) > dayNumber(now.toISOString())) {
        throw new BusinessRuleViolation(
          'HOLDOUT_END_IN_FUTURE',
          'The holdout period must end today or earlier: its purchases must have happened',
          { holdoutEnd: request.holdoutEnd },
        );
      }
    }
    await this.catchUp();
    // Spend in one currency only: CURRENCY_REQUIRED when several were recorded and none was asked for.
    const currency = await analysisCurrency(this.runner, request.currency);
    const docs = (await valueDocsIn(this.runner, currency)).filter((doc) => doc.purchaseCount > 0);
    const modelId = context.idempotencyKey ? deterministicUuid(`clv-model:${context.idempotencyKey}`) : this.ids.next();
    const model = fitClvModel(docs, { ...request, currency }, { modelId, fittedAt: now.toISOString() });
    if (options.record === false) return { model, position: null, replayed: false };
    const outcome = await this.streams.clvModel.handle(CLV_MODEL_STREAM, { type: 'RecordClvModel', data: model }, context);
    const recorded = (outcome.events[0] as ClvModelFitted | undefined)?.data ?? model;
    return { model: recorded, position: outcome.position === null ? null : outcome.position.toString(), replayed: outcome.replayed };
  }

  private async catchUp(): Promise<void> {
    const head = await this.eventStore.headPosition();
    if (head === START) return;
    if (!(await this.runner.waitForPosition(CUSTOMER_VALUE_PROJECTION, head, CATCH_UP_TIMEOUT_MS))) {
      throw new NotCaughtUpError(CUSTOMER_VALUE_PROJECTION, 5);
    }
  }
}
