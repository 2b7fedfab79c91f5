/**
 * Service levels for complaint handling, as pure data and pure math.
 *
 * Hours are elapsed hours, round the clock (no business-hours calendar). Each deadline runs from
 * the clock start; time when the clock was stopped (on hold, resolved awaiting the customer,
 * closed before a reopen) is added to every deadline.
 */

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** When the SLA clock starts: when the complaint is graded, or when it was received (registered). */
export type SlaClockStart = 'grading' | 'receipt';

export interface SlaPolicy {
  id: string;
  /** Grading pins id and version (and a copy of the numbers) on the complaint: later edits do not move its deadlines. */
  version: number;
  /** Time to resolve, by severity. */
  resolutionHours: Record<Severity, number>;
  /** Time to the first substantive response to the customer (a progress update or the decision), by severity. */
  firstResponseHours: Record<Severity, number>;
  /** Share of the resolution time after which a warning is raised, between 0 and 1 (exclusive). */
  warningShare: number;
  clockStartsAt: SlaClockStart;
  /**
   * Service by value: shorter deadlines for customers in a value segment at grading time, the
   * first tier that matches winning. Absent or empty: deadlines depend on severity only.
   */
  valueTiers?: SlaValueTier[];
  /** On a complaint's pinned copy only: the segment whose tier shortened its deadlines (absent: none). */
  valueSegment?: string;
}

/** At most these hours for a customer in `segment` (a name in any scheme, e.g. "champions", or "scheme:name"), whatever the severity. */
export interface SlaValueTier {
  segment: string;
  resolutionHours: number;
  /** Null: the severity's first-response time (still never later than the resolution). */
  firstResponseHours: number | null;
}

/** Due times, as ISO 8601 strings. The warning concerns the resolution deadline. */
export interface SlaDeadlines {
  firstResponseDueAt: string;
  resolutionDueAt: string;
  warningAt: string;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/**
 * Defaults: critical and high resolved within a day, medium within two, low within three.
 * First response: 4 h for critical (someone must call back within a shift), 8 h for high
 * (the same working day), 24 h otherwise (next day), never later than the resolution itself.
 */
export const DEFAULT_SLA_POLICY: SlaPolicy = {
  id: 'default',
  version: 1,
  resolutionHours: { critical: 24, high: 24, medium: 48, low: 72 },
  firstResponseHours: { critical: 4, high: 8, medium: 24, low: 24 },
  warningShare: 0.75,
  clockStartsAt: 'grading',
};

function toMs(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not an ISO 8601 date-time: "${iso}"`);
  return ms;
}

const toIso = (ms: number): string => new Date(Math.round(ms)).toISOString();

/** The deadlines of a complaint of this severity whose clock started at `clockStart` and was stopped `pausedMs` in total. */
export function computeDeadlines(policy: SlaPolicy, severity: Severity, clockStart: string, pausedMs = 0): SlaDeadlines {
  if (!Number.isFinite(pausedMs) || pausedMs < 0) throw new RangeError(`pausedMs must be a non-negative number (got ${pausedMs})`);
  const start = toMs(clockStart, 'clockStart') + pausedMs;
  const resolutionMs = policy.resolutionHours[severity] * HOUR_MS;
  return {
    firstResponseDueAt: toIso(start + policy.firstResponseHours[severity] * HOUR_MS),
    resolutionDueAt: toIso(start + resolutionMs),
    warningAt: toIso(start + resolutionMs * policy.warningShare),
  };
}

/** Whether a customer in these segments (scheme -> segment) belongs to the tier's segment. */
function inSegment(segment: string, segments: Readonly<Record<string, string | null>>): boolean {
  const split = segment.indexOf(':');
  if (split >= 0) return segments[segment.slice(0, split)] === segment.slice(split + 1);
  return Object.values(segments).includes(segment);
}

/**
 * The policy as it applies to one customer, to pin on their complaint at grading: hours capped by
 * the first value tier their segments (at grading time) match, and that tier's segment recorded.
 * A customer in no tier's segment gets the policy as published.
 */
export function policyForCustomer(policy: SlaPolicy, segments: Readonly<Record<string, string | null>>): SlaPolicy {
  const tier = (policy.valueTiers ?? []).find((t) => inSegment(t.segment, segments));
  if (tier === undefined) return policy;
  const resolutionHours = {} as Record<Severity, number>;
  const firstResponseHours = {} as Record<Severity, number>;
  for (const severity of SEVERITIES) {
    resolutionHours[severity] = Math.min(policy.resolutionHours[severity], tier.resolutionHours);
    const firstResponse = Math.min(policy.firstResponseHours[severity], tier.firstResponseHours ?? Infinity);
    firstResponseHours[severity] = Math.min(firstResponse, resolutionHours[severity]);
  }
  return { ...policy, resolutionHours, firstResponseHours, valueSegment: tier.segment };
}

/** How long the clock was stopped between two instants, in ms; never negative. */
export function pausedBetween(since: string, until: string): number {
  return Math.max(0, toMs(until, 'until') - toMs(since, 'since'));
}

/** Every deadline moved later by `ms` (the time the clock was stopped). */
export function shiftDeadlines(deadlines: SlaDeadlines, ms: number): SlaDeadlines {
  const shift = (iso: string) => toIso(toMs(iso, 'deadline') + ms);
  return {
    firstResponseDueAt: shift(deadlines.firstResponseDueAt),
    resolutionDueAt: shift(deadlines.resolutionDueAt),
    warningAt: shift(deadlines.warningAt),
  };
}

/** Whether something done at `at` met a deadline due at `dueAt` (on the dot counts as met). */
export function isWithinDeadline(at: string, dueAt: string): boolean {
  return toMs(at, 'at') <= toMs(dueAt, 'dueAt');
}

/** What is wrong with a policy (empty when it is usable): for the configuration loader and the decider. */
export function slaPolicyProblems(policy: SlaPolicy): string[] {
  const problems: string[] = [];
  if (typeof policy.id !== 'string' || policy.id.trim() === '') problems.push('id must be a non-empty string');
  if (!Number.isInteger(policy.version) || policy.version < 1) problems.push('version must be a positive integer');
  for (const severity of SEVERITIES) {
    const resolution = policy.resolutionHours?.[severity];
    const firstResponse = policy.firstResponseHours?.[severity];
    const resolutionOk = typeof resolution === 'number' && Number.isFinite(resolution) && resolution > 0;
    if (!resolutionOk) problems.push(`resolutionHours.${severity} must be a positive number`);
    if (typeof firstResponse !== 'number' || !Number.isFinite(firstResponse) || firstResponse <= 0) {
      problems.push(`firstResponseHours.${severity} must be a positive number`);
    } else if (resolutionOk && firstResponse > resolution) {
      problems.push(`firstResponseHours.${severity} must not exceed resolutionHours.${severity}`);
    }
  }
  if (typeof policy.warningShare !== 'number' || !(policy.warningShare > 0 && policy.warningShare < 1)) {
    problems.push('warningShare must be between 0 and 1 (exclusive)');
  }
  if (policy.clockStartsAt !== 'grading' && policy.clockStartsAt !== 'receipt') {
    problems.push('clockStartsAt must be "grading" or "receipt"');
  }
  for (const [i, tier] of (policy.valueTiers ?? []).entries()) {
    if (typeof tier.segment !== 'string' || tier.segment.trim() === '')
      problems.push(`valueTiers[${i}].segment must be a non-empty string`);
    if (!(tier.resolutionHours > 0)) problems.push(`valueTiers[${i}].resolutionHours must be a positive number`);
    if (tier.firstResponseHours !== null && !(tier.firstResponseHours > 0 && tier.firstResponseHours <= tier.resolutionHours)) {
      problems.push(`valueTiers[${i}].firstResponseHours must be positive and not exceed its resolutionHours`);
    }
  }
  return problems;
}
