/**
 * Which day a prediction is made as of. A fitted model describes its calibration data: predicting
 * as of the wall clock for data that ended long before (the CDNOW sample ends in 1998) makes every
 * customer look dead for decades. So predictions are made as of the model's calibration end unless
 * the caller names a day; the wall clock is the default only when there is no model (live data,
 * nothing to predict with). Every answer says which day was used and why.
 */
import { ValidationFailedError } from '../shared/errors/domain-errors';
import type { AsOfBasis } from './as-of';
import { dayNumber } from './clv/summary';

export interface PredictionAsOf {
  /** The day (YYYY-MM-DD) whose end the history is read up to. */
  asOf: string;
  /** Why that day: requested, the model's calibration end, or now (no model yet). */
  asOfBasis: Extract<AsOfBasis, 'requested' | 'model-calibration-end' | 'now'>;
  /** An instant within that day (its last millisecond; now for the clock), for the predictor and open suggestions. */
  instant: Date;
}

const endOfDay = (day: string): Date => new Date(`${day}T23:59:59.999Z`);

export function predictionAsOf(model: { calibrationEnd: string } | null, requested: string | undefined, now: Date): PredictionAsOf {
  if (requested !== undefined) {
    if (dayNumber(requested) > dayNumber(now.toISOString())) {
      throw new ValidationFailedError([
        { field: 'asOf', messages: ['asOf must be today or earlier: predictions start from what has happened'] },
      ]);
    }
    return { asOf: requested, asOfBasis: 'requested', instant: endOfDay(requested) };
  }
  if (model) return { asOf: model.calibrationEnd, asOfBasis: 'model-calibration-end', instant: endOfDay(model.calibrationEnd) };
  return { asOf: now.toISOString().slice(0, 10), asOfBasis: 'now', instant: now };
}
