import { spec } from '../support/decider-spec';
import { campaignDecider, type CampaignCommand, type MemberToTarget } from '../../src/campaigns/campaign.decider';
import type { CampaignCreated, CampaignEvent } from '../../src/campaigns/campaign.events';
import { drawControlGroup } from '../../src/campaigns/control-group';

const id = 'camp-1';
const NOW = '2026-03-10T12:00:00.000Z';
const definition: CampaignCreated['data'] = {
  campaignId: id,
  name: 'Win back at-risk customers',
  target: { kind: 'segment', scheme: 'rfm', segment: 'at-risk', asOf: '2026-03-01T00:00:00.000Z' },
  action: { kind: 'suggestion', product: 'Loyalty voucher', expectedValue: 25 },
  owner: 'maria',
  window: { start: '2026-03-10T00:00:00.000Z', end: '2026-04-10T00:00:00.000Z' },
  controlFraction: 0.2,
  controlSeed: 'seed-1',
  createdAt: NOW,
};
const created: CampaignEvent = { type: 'CampaignCreated', data: definition };
const started = (members = 2): CampaignEvent => ({
  type: 'CampaignLaunchStarted',
  data: { campaignId: id, selectedAsOf: '2026-03-01T00:00:00.000Z', members, control: 1, startedAt: NOW },
});
const member = (customerId: string, group: 'treatment' | 'control' = 'treatment'): MemberToTarget => ({
  customerId,
  group,
  suggestionId: group === 'treatment' ? `s-${customerId}` : null,
  actionSkipped: null,
});
const targeted = (m: MemberToTarget): CampaignEvent => ({
  type: 'CampaignMemberTargeted',
  data: { campaignId: id, ...m, targetedAt: definition.window.start },
});
const launched: CampaignEvent = { type: 'CampaignLaunched', data: { campaignId: id, treatment: 1, control: 1, launchedAt: NOW } };
const closed: CampaignEvent = { type: 'CampaignClosed', data: { campaignId: id, closedAt: NOW } };

const campaigns = spec(campaignDecider);
const { createdAt: _createdAt, ...createData } = definition;
const create = (extra: Partial<typeof createData> = {}): CampaignCommand => ({
  type: 'CreateCampaign',
  data: { ...createData, ...extra },
  now: NOW,
});
const startLaunch = (members = 2): CampaignCommand => ({
  type: 'StartLaunch',
  data: { selectedAsOf: '2026-03-01T00:00:00.000Z', members, control: 1 },
  now: NOW,
});
const target = (...members: MemberToTarget[]): CampaignCommand => ({ type: 'TargetMembers', data: { members }, now: NOW });
const complete: CampaignCommand = { type: 'CompleteLaunch', now: NOW };
const close: CampaignCommand = { type: 'CloseCampaign', now: NOW };

describe('campaign decider', () => {
  describe('CreateCampaign', () => {
    it('records the draft with its control seed', () => campaigns.given([]).when(create()).then([created]));
    it('refuses an id already used', () => campaigns.given([created]).when(create()).thenFails('CAMPAIGN_ALREADY_EXISTS', 422));
    it('refuses a window that ends before it starts', () =>
      campaigns
        .given([])
        .when(create({ window: { start: '2026-04-10T00:00:00.000Z', end: '2026-03-10T00:00:00.000Z' } }))
        .thenFails('CAMPAIGN_WINDOW_INVALID', 422));
    it('refuses a control fraction of everyone', () =>
      campaigns
        .given([])
        .when(create({ controlFraction: 1 }))
        .thenFails('CAMPAIGN_CONTROL_FRACTION_INVALID', 422));
    it('refuses a target date after the window', () =>
      campaigns
        .given([])
        .when(create({ target: { kind: 'segment', scheme: 'rfm', segment: 'at-risk', asOf: '2026-05-01T00:00:00.000Z' } }))
        .thenFails('CAMPAIGN_TARGET_AFTER_WINDOW', 422));
  });

  describe('StartLaunch', () => {
    it('records the selection', () => campaigns.given([created]).when(startLaunch()).then([started()]));
    it('refuses an unknown campaign', () => campaigns.given([]).when(startLaunch()).thenFails('CAMPAIGN_NOT_FOUND', 404));
    it('refuses a target that selects nobody', () =>
      campaigns.given([created]).when(startLaunch(0)).thenFails('CAMPAIGN_TARGET_EMPTY', 422));
    it('refuses a closed campaign', () => campaigns.given([created, closed]).when(startLaunch()).thenFails('CAMPAIGN_CLOSED', 422));
    it('records nothing for a launch under way (it resumes) or done (a rerun)', () => {
      campaigns.given([created, started()]).when(startLaunch()).thenNothing();
      campaigns
        .given([created, started(), targeted(member('a')), targeted(member('b', 'control')), launched])
        .when(startLaunch())
        .thenNothing();
    });
  });

  describe('TargetMembers', () => {
    it('records one event per member, at the window start', () =>
      campaigns
        .given([created, started()])
        .when(target(member('a'), member('b', 'control')))
        .then([targeted(member('a')), targeted(member('b', 'control'))]));
    it('leaves out members already targeted (a resumed launch), and a member named twice', () =>
      campaigns
        .given([created, started(), targeted(member('a'))])
        .when(target(member('a'), member('b', 'control'), member('b', 'control')))
        .then([targeted(member('b', 'control'))]));
    it('refuses before the launch started', () =>
      campaigns
        .given([created])
        .when(target(member('a')))
        .thenFails('CAMPAIGN_NOT_LAUNCHING', 422));
  });

  describe('CompleteLaunch', () => {
    it('records the launch with the group sizes once every member is targeted', () =>
      campaigns
        .given([created, started(), targeted(member('a')), targeted(member('b', 'control'))])
        .when(complete)
        .then([launched]));
    it('refuses while members are missing', () =>
      campaigns
        .given([created, started(), targeted(member('a'))])
        .when(complete)
        .thenFails('CAMPAIGN_LAUNCH_INCOMPLETE', 422));
    it('records nothing the second time', () =>
      campaigns
        .given([created, started(), targeted(member('a')), targeted(member('b', 'control')), launched])
        .when(complete)
        .thenNothing());
  });

  describe('CloseCampaign', () => {
    it('closes a launched campaign', () =>
      campaigns
        .given([created, started(), targeted(member('a')), targeted(member('b', 'control')), launched])
        .when(close)
        .then([closed]));
    it('closes a draft (cancelled)', () => campaigns.given([created]).when(close).then([closed]));
    it('refuses while a launch is unfinished', () =>
      campaigns.given([created, started()]).when(close).thenFails('CAMPAIGN_LAUNCH_IN_PROGRESS', 422));
    it('refuses a second close', () => campaigns.given([created, closed]).when(close).thenFails('CAMPAIGN_ALREADY_CLOSED', 422));
    it('refuses an unknown campaign', () => campaigns.given([]).when(close).thenFails('CAMPAIGN_NOT_FOUND', 404));
  });
});

describe('control group draw', () => {
  const ids = Array.from({ length: 200 }, (_, i) => `customer-${i}`);
  const controlOf = (groups: Map<string, string>): string[] =>
    [...groups]
      .filter(([, g]) => g === 'control')
      .map(([c]) => c)
      .sort();

  it('holds out round(fraction x members)', () => {
    expect(controlOf(drawControlGroup(ids, 's', 0.1))).toHaveLength(20);
    expect(controlOf(drawControlGroup(ids.slice(0, 7), 's', 0.25))).toHaveLength(2);
    expect(controlOf(drawControlGroup(ids, 's', 0))).toHaveLength(0);
  });

  it('depends on the seed and the members, not on their order', () => {
    const draw = controlOf(drawControlGroup(ids, 's', 0.1));
    expect(controlOf(drawControlGroup([...ids].reverse(), 's', 0.1))).toEqual(draw);
    expect(controlOf(drawControlGroup(ids, 'another seed', 0.1))).not.toEqual(draw);
  });
});
