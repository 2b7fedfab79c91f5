import type { Decider } from '../shared/decider/decider';
import { BusinessRuleViolation, NotFoundError } from '../shared/errors/domain-errors';
import type {
  CampaignAction,
  CampaignCreated,
  CampaignEvent,
  CampaignGroup,
  CampaignMemberTargeted,
  CampaignTarget,
  CampaignWindow,
} from './campaign.events';

// ---------------------------------------------------------------- commands
// Every command carries `now` (ISO 8601, record time) from the injected clock.

export type CreateCampaign = {
  type: 'CreateCampaign';
  data: {
    campaignId: string;
    name: string;
    target: CampaignTarget;
    action: CampaignAction;
    owner: string;
    window: CampaignWindow;
    controlFraction: number;
    controlSeed: string;
  };
  now: string;
};
/** The launcher selected the members (as of the target's date) and drew the control group. */
export type StartLaunch = { type: 'StartLaunch'; data: { selectedAsOf: string; members: number; control: number }; now: string };
export interface MemberToTarget {
  customerId: string;
  group: CampaignGroup;
  suggestionId: string | null;
  actionSkipped: string | null;
}
/** A batch of members; those already targeted are left out (a resumed or repeated launch). */
export type TargetMembers = { type: 'TargetMembers'; data: { members: MemberToTarget[] }; now: string };
export type CompleteLaunch = { type: 'CompleteLaunch'; now: string };
export type CloseCampaign = { type: 'CloseCampaign'; now: string };

export type CampaignCommand = CreateCampaign | StartLaunch | TargetMembers | CompleteLaunch | CloseCampaign;

// ---------------------------------------------------------------- state

export type CampaignStatus = 'none' | 'draft' | 'launching' | 'launched' | 'closed';

export interface CampaignState {
  status: CampaignStatus;
  definition: CampaignCreated['data'] | null;
  /** Members the launch selected (0 before it started), and as of when. */
  expected: number;
  selectedAsOf: string | null;
  targeted: ReadonlySet<string>;
  treatment: number;
  control: number;
}

const initialState = (): CampaignState => ({
  status: 'none',
  definition: null,
  expected: 0,
  selectedAsOf: null,
  targeted: new Set(),
  treatment: 0,
  control: 0,
});

// ---------------------------------------------------------------- decide

function mustExist(state: CampaignState): asserts state is CampaignState & { definition: CampaignCreated['data'] } {
  if (state.status === 'none' || state.definition === null) throw new NotFoundError('CAMPAIGN_NOT_FOUND', 'No campaign with this id');
}

function create(command: CreateCampaign, state: CampaignState): CampaignEvent[] {
  if (state.status !== 'none') throw new BusinessRuleViolation('CAMPAIGN_ALREADY_EXISTS', 'A campaign with this id already exists');
  const { window, controlFraction, target } = command.data;
  if (!(Date.parse(window.end) > Date.parse(window.start))) {
    throw new BusinessRuleViolation('CAMPAIGN_WINDOW_INVALID', "The window's end must be after its start", { ...window });
  }
  if (!(controlFraction >= 0 && controlFraction < 1)) {
    throw new BusinessRuleViolation('CAMPAIGN_CONTROL_FRACTION_INVALID', 'The control fraction is a share in [0, 1)', { controlFraction });
  }
  // Members are chosen as of the target's date: a date after the window's end would target on facts from after the campaign.
  if (target.kind === 'segment' && Date.parse(target.asOf) > Date.parse(window.end)) {
    throw new BusinessRuleViolation('CAMPAIGN_TARGET_AFTER_WINDOW', "The target's as-of must not be after the window's end", {
      asOf: target.asOf,
    });
  }
  return [{ type: 'CampaignCreated', data: { ...command.data, createdAt: command.now } }];
}

function startLaunch(command: StartLaunch, state: CampaignState): CampaignEvent[] {
  mustExist(state);
  // A launch under way or done: the launcher continues or stops; nothing new to start.
  if (state.status === 'launching' || state.status === 'launched') return [];
  if (state.status === 'closed') throw new BusinessRuleViolation('CAMPAIGN_CLOSED', 'The campaign is closed');
  if (command.data.members === 0)
    throw new BusinessRuleViolation('CAMPAIGN_TARGET_EMPTY', 'The target selects nobody', { selectedAsOf: command.data.selectedAsOf });
  return [{ type: 'CampaignLaunchStarted', data: { campaignId: state.definition.campaignId, ...command.data, startedAt: command.now } }];
}

function targetMembers(command: TargetMembers, state: CampaignState): CampaignEvent[] {
  mustExist(state);
  if (state.status !== 'launching')
    throw new BusinessRuleViolation('CAMPAIGN_NOT_LAUNCHING', 'Members are targeted only while the campaign launches', {
      status: state.status,
    });
  const seen = new Set(state.targeted);
  const events: CampaignMemberTargeted[] = [];
  for (const member of command.data.members) {
    if (seen.has(member.customerId)) continue;
    seen.add(member.customerId);
    events.push({
      type: 'CampaignMemberTargeted',
      data: { campaignId: state.definition.campaignId, ...member, targetedAt: state.definition.window.start },
    });
  }
  return events;
}

function completeLaunch(command: CompleteLaunch, state: CampaignState): CampaignEvent[] {
  mustExist(state);
  if (state.status === 'launched' || state.status === 'closed') return [];
  if (state.status !== 'launching')
    throw new BusinessRuleViolation('CAMPAIGN_NOT_LAUNCHING', 'The campaign has not started launching', { status: state.status });
  if (state.targeted.size < state.expected) {
    throw new BusinessRuleViolation('CAMPAIGN_LAUNCH_INCOMPLETE', 'Not every selected member is targeted yet', {
      targeted: state.targeted.size,
      expected: state.expected,
    });
  }
  return [
    {
      type: 'CampaignLaunched',
      data: { campaignId: state.definition.campaignId, treatment: state.treatment, control: state.control, launchedAt: command.now },
    },
  ];
}

function close(command: CloseCampaign, state: CampaignState): CampaignEvent[] {
  mustExist(state);
  if (state.status === 'closed') throw new BusinessRuleViolation('CAMPAIGN_ALREADY_CLOSED', 'The campaign is already closed');
  if (state.status === 'launching')
    throw new BusinessRuleViolation('CAMPAIGN_LAUNCH_IN_PROGRESS', 'Finish the launch (launch again to resume it) before closing');
  return [{ type: 'CampaignClosed', data: { campaignId: state.definition.campaignId, closedAt: command.now } }];
}

function decide(command: CampaignCommand, state: CampaignState): CampaignEvent[] {
  switch (command.type) {
    case 'CreateCampaign':
      return create(command, state);
    case 'StartLaunch':
      return startLaunch(command, state);
    case 'TargetMembers':
      return targetMembers(command, state);
    case 'CompleteLaunch':
      return completeLaunch(command, state);
    case 'CloseCampaign':
      return close(command, state);
    default: {
      const exhaustive: never = command;
      return exhaustive;
    }
  }
}

// ---------------------------------------------------------------- evolve

function evolve(state: CampaignState, event: CampaignEvent): CampaignState {
  switch (event.type) {
    case 'CampaignCreated':
      return { ...state, status: 'draft', definition: event.data };
    case 'CampaignLaunchStarted':
      return { ...state, status: 'launching', expected: event.data.members, selectedAsOf: event.data.selectedAsOf };
    case 'CampaignMemberTargeted': {
      const targeted = new Set(state.targeted).add(event.data.customerId);
      const control = event.data.group === 'control';
      return { ...state, targeted, treatment: state.treatment + (control ? 0 : 1), control: state.control + (control ? 1 : 0) };
    }
    case 'CampaignLaunched':
      return { ...state, status: 'launched' };
    case 'CampaignClosed':
      return { ...state, status: 'closed' };
    default: {
      const exhaustive: never = event;
      return exhaustive;
    }
  }
}

export const campaignDecider: Decider<CampaignState, CampaignCommand, CampaignEvent> = {
  initialState,
  decide,
  evolve,
  // Members are targeted at the window's start, in business time.
  occurredAt: (event) => (event.type === 'CampaignMemberTargeted' ? event.data.targetedAt : undefined),
};
