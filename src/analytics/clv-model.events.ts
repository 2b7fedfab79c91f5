/**
 * A fitted CLV model is an event (ClvModelFitted in the stream `clv-model`), so every fit is
 * audited and the current model is a projection like any other read model.
 */
import type { Decider, DomainEvent } from '../shared/decider/decider';
import type { HoldoutCheck } from './clv/model-check';
import type { TimeUnit } from './clv/summary';

export const CLV_MODEL_STREAM = 'clv-model';

export interface ClvModelData {
  modelId: string;
  /** Last day (YYYY-MM-DD, inclusive) of the calibration period. */
  calibrationEnd: string;
  unit: TimeUnit;
  /**
   * ISO 4217 code of the spend the model was fitted on (its monetary values and CLVs are in it);
   * absent in models fitted before currencies were kept apart.
   */
  currency?: string;
  bgnbd: {
    r: number;
    alpha: number;
    a: number;
    b: number;
    logLikelihood: number;
    /** Asymptotic standard errors; null where the Hessian gave none. */
    standardErrors: { r: number | null; alpha: number | null; a: number | null; b: number | null };
    converged: boolean;
  };
  gammaGamma: {
    p: number;
    q: number;
    gamma: number;
    logLikelihood: number;
    standardErrors: { p: number | null; q: number | null; gamma: number | null };
    converged: boolean;
    /** Repeat buyers the fit used (x > 0, positive mean spend). */
    customers: number;
    excludedNonPositiveSpend: number;
  };
  /** The calibration cohort: customers with a first purchase on or before the calibration end. */
  customers: number;
  repeatCustomers: number;
  fittedAt: string;
  /** Present when the fit was given a holdout end: expected vs actual over the holdout (clv/model-check.ts). */
  holdoutCheck?: HoldoutCheck;
}

export type ClvModelFitted = DomainEvent<'ClvModelFitted', ClvModelData>;

export type RecordClvModel = { type: 'RecordClvModel'; data: ClvModelData };

/** Every fit is recorded; the stream is the models' history, the last one is current. */
export const clvModelDecider: Decider<{ fits: number }, RecordClvModel, ClvModelFitted> = {
  initialState: () => ({ fits: 0 }),
  evolve: (state) => ({ fits: state.fits + 1 }),
  decide: (command) => [{ type: 'ClvModelFitted', data: command.data }],
};
