import { type Env, onOffSetting } from '../shared/settings';

/**
 * Analytics settings, read from the environment like the rest of the configuration:
 * - RELATA_SEGMENTATION_SCHEDULER=on|off (default on): whether this process runs the daily
 *   segmentation (at 00:00 UTC, as of that instant). Run it in one process only; tests keep it
 *   off and call POST /analytics/segments/recompute.
 */
export interface AnalyticsConfig {
  segmentationSchedulerEnabled: boolean;
}

export const ANALYTICS_CONFIG = Symbol('ANALYTICS_CONFIG');

export function loadAnalyticsConfig(env: Env = process.env): AnalyticsConfig {
  return { segmentationSchedulerEnabled: onOffSetting(env, 'RELATA_SEGMENTATION_SCHEDULER', true) };
}
