import { DEFAULT_SLA_POLICY } from '../../src/complaints/sla-policy';
import { policyInForce, type PublishSlaPolicy, slaPolicyDecider, type SlaPolicyEvent } from '../../src/complaints/sla-policy-registry';
import { fold } from '../../src/shared/decider/decider';
import { spec } from '../support/decider-spec';

describe('SLA policy registry (versioned policies)', () => {
  const now = '2026-03-10T12:00:00.000Z';
  const terms: PublishSlaPolicy['data'] = {
    policyId: 'default',
    resolutionHours: { critical: 8, high: 12, medium: 24, low: 48 },
    firstResponseHours: { critical: 1, high: 2, medium: 4, low: 8 },
    warningShare: 0.5,
    clockStartsAt: 'receipt',
  };
  const publish = (data: Partial<PublishSlaPolicy['data']> = {}): PublishSlaPolicy => ({
    type: 'PublishSlaPolicy',
    data: { ...terms, ...data },
    now,
  });
  const published = (version: number, data: Partial<PublishSlaPolicy['data']> = {}): SlaPolicyEvent => {
    const { policyId, ...rest } = { ...terms, ...data };
    return { type: 'SlaPolicyPublished', data: { policy: { id: policyId, version, ...rest }, publishedAt: now } };
  };

  it('the default policy (version 1) is in force until one is published', () => {
    expect(policyInForce(slaPolicyDecider.initialState())).toEqual(DEFAULT_SLA_POLICY);
  });

  it('publishes version n + 1 with the whole policy', () => {
    spec(slaPolicyDecider)
      .given([])
      .when(publish())
      .then([published(2)]);
    spec(slaPolicyDecider)
      .given([published(2)])
      .when(publish({ warningShare: 0.6 }))
      .then([published(3, { warningShare: 0.6 })]);
    expect(policyInForce(fold(slaPolicyDecider, [published(2), published(3, { warningShare: 0.6 })]))).toMatchObject({
      version: 3,
      warningShare: 0.6,
    });
  });

  it('publishing the terms in force records nothing', () => {
    spec(slaPolicyDecider)
      .given([published(2)])
      .when(publish())
      .thenNothing();
    const { resolutionHours, firstResponseHours, warningShare, clockStartsAt } = DEFAULT_SLA_POLICY;
    spec(slaPolicyDecider).given([]).when(publish({ resolutionHours, firstResponseHours, warningShare, clockStartsAt })).thenNothing();
  });

  it('refuses an unusable policy', () => {
    spec(slaPolicyDecider)
      .given([])
      .when(publish({ firstResponseHours: { ...terms.firstResponseHours, low: 49 } }))
      .thenFails('SLA_POLICY_INVALID', 422);
    spec(slaPolicyDecider)
      .given([])
      .when(publish({ warningShare: 1 }))
      .thenFails('SLA_POLICY_INVALID', 422);
  });
});
