/**
 * Versioned SLA policies. Each policy id has a stream `sla-policy-<id>` in which every publication
 * is an event carrying the whole policy with its version: the version in force is the last one,
 * and DEFAULT_SLA_POLICY (version 1) until anything is published. Grading copies the policy in
 * force into ComplaintGraded, so a publication never moves deadlines already promised.
 */
import type { Decider, DomainEvent } from '../shared/decider/decider';
import { BusinessRuleViolation } from '../shared/errors/domain-errors';
import { DEFAULT_SLA_POLICY, type Severity, type SlaClockStart, type SlaPolicy, slaPolicyProblems, type SlaValueTier } from './sla-policy';

/** The policy graded complaints get; one id for now, the stream name leaves room for more. */
export const CURRENT_SLA_POLICY_ID = DEFAULT_SLA_POLICY.id;

export const slaPolicyStream = (policyId: string): string => `sla-policy-${policyId}`;

export type SlaPolicyPublished = DomainEvent<'SlaPolicyPublished', { policy: SlaPolicy; publishedAt: string }>;
export type SlaPolicyEvent = SlaPolicyPublished;
export const SLA_POLICY_EVENT_TYPES: readonly SlaPolicyEvent['type'][] = ['SlaPolicyPublished'];

export type PublishSlaPolicy = {
  type: 'PublishSlaPolicy';
  data: {
    policyId: string;
    resolutionHours: Record<Severity, number>;
    firstResponseHours: Record<Severity, number>;
    warningShare: number;
    clockStartsAt: SlaClockStart;
    valueTiers?: SlaValueTier[];
  };
  now: string;
};
export type SlaPolicyCommand = PublishSlaPolicy;

export interface SlaPolicyState {
  /** The policy in force; null until one is published (then the default applies). */
  current: SlaPolicy | null;
  publishedAt: string | null;
}

/** The policy in force for this state: the last published, or the default. */
export function policyInForce(state: SlaPolicyState): SlaPolicy {
  return state.current ?? DEFAULT_SLA_POLICY;
}

const sameTerms = (a: SlaPolicy, b: SlaPolicy): boolean =>
  JSON.stringify([a.resolutionHours, a.firstResponseHours, a.warningShare, a.clockStartsAt, a.valueTiers ?? []]) ===
  JSON.stringify([b.resolutionHours, b.firstResponseHours, b.warningShare, b.clockStartsAt, b.valueTiers ?? []]);

const bySeverity = (hours: Record<Severity, number>): Record<Severity, number> => ({
  critical: hours.critical,
  high: hours.high,
  medium: hours.medium,
  low: hours.low,
});

function decide(command: SlaPolicyCommand, state: SlaPolicyState): SlaPolicyEvent[] {
  const { policyId, resolutionHours, firstResponseHours, warningShare, clockStartsAt, valueTiers } = command.data;
  const inForce = policyInForce(state);
  const policy: SlaPolicy = {
    id: policyId,
    version: inForce.version + 1,
    resolutionHours: bySeverity(resolutionHours),
    firstResponseHours: bySeverity(firstResponseHours),
    warningShare,
    clockStartsAt,
    ...(valueTiers && valueTiers.length > 0
      ? {
          valueTiers: valueTiers.map((t) => ({
            segment: t.segment,
            resolutionHours: t.resolutionHours,
            firstResponseHours: t.firstResponseHours ?? null,
          })),
        }
      : {}),
  };
  const problems = slaPolicyProblems(policy);
  if (problems.length > 0) throw new BusinessRuleViolation('SLA_POLICY_INVALID', 'The SLA policy is not usable', { problems });
  // Publishing the terms already in force would only add a version that changes nothing.
  if (sameTerms(policy, inForce)) return [];
  return [{ type: 'SlaPolicyPublished', data: { policy, publishedAt: command.now } }];
}

function evolve(state: SlaPolicyState, event: SlaPolicyEvent): SlaPolicyState {
  return { current: event.data.policy, publishedAt: event.data.publishedAt };
}

export const slaPolicyDecider: Decider<SlaPolicyState, SlaPolicyCommand, SlaPolicyEvent> = {
  decide,
  evolve,
  initialState: () => ({ current: null, publishedAt: null }),
};
