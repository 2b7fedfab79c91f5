/**
 * Analyses run in business time (when things happened) and say their as-of. The wall clock is read
 * in src/analytics only through the two functions below (eslint.config.mjs enforces it):
 *
 * - liveAsOf: the as-of of an analysis of live data when the caller gave none. Data that ended
 *   earlier (an imported history) is analysed as of its own end instead: callers pass that end,
 *   and the wall clock only bounds it.
 * - recordTime: when Relata records something (a run's completion, a fit): record time, for audit.
 */
import type { Clock } from '../shared/clock';

/** Where an answer's as-of came from. */
export type AsOfBasis =
  /** The request's asOf (or to). */
  | 'requested'
  /** The end of the data: the day after the last fact in business time. */
  | 'end-of-data'
  /** The latest segmentation run at or before the instant asked (or the latest run). */
  | 'segmentation-run'
  /** A prediction's default: the end of the fitted model's calibration period. */
  | 'model-calibration-end'
  /** Now: live data. */
  | 'now'
  /** A campaign's results by default: the end of its window once it has passed. */
  | 'campaign-window-end';

/** What every analysis answer says about its time. */
export interface AsOfStamp {
  /** The instant the answer holds for (ISO 8601). */
  asOf: string;
  asOfBasis: AsOfBasis;
}

/**
 * The default as-of: now, or the end of the data when it ended earlier (the day after its last
 * fact), so an imported history is not analysed as of a wall clock years after it.
 */
export function liveAsOf(clock: Clock, endOfData: Date | null = null): AsOfStamp {
  const now = clock.now();
  if (endOfData !== null && endOfData.getTime() < now.getTime()) return { asOf: endOfData.toISOString(), asOfBasis: 'end-of-data' };
  return { asOf: now.toISOString(), asOfBasis: 'now' };
}

/** Record time: when Relata records a fact (never an analysis instant). */
export function recordTime(clock: Clock): Date {
  return clock.now();
}

/** 00:00 UTC of the day after the instant: the end of data whose last fact is at `last`. */
export function dayAfter(last: string): Date {
  const day = new Date(last);
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1));
}
