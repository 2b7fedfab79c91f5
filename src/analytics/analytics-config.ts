import { ConfigError } from '../config/config';

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

export function loadAnalyticsConfig(env: Record<string, string | undefined> = process.env): AnalyticsConfig {
  const raw = env.RELATA_SEGMENTATION_SCHEDULER?.trim().toLowerCase();
  if (raw !== undefined && raw !== '' && raw !== 'on' && raw !== 'off') {
    throw new ConfigError('RELATA_SEGMENTATION_SCHEDULER', `must be "on" or "off" (got "${raw}")`);
  }
  return { segmentationSchedulerEnabled: raw !== 'off' };
}
