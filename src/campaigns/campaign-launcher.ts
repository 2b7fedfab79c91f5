import { DEFAULT_CURRENCY } from '../shared/money/money';
import { Inject, Injectable } from '@nestjs/common';
import { segmentationRunAsOf, segmentsAt } from '../analytics/segments/segments-as-of';
import { CustomerStreams } from '../customers/customer.streams';
import { CUSTOMER_PROFILE_PROJECTION, CUSTOMERS_COLLECTION, type CustomerProfileDoc } from '../customers/customer-profile.projection';
import { SEGMENT_HISTORY_PROJECTION } from '../analytics/segment-history.projection';
import { CLOCK, type Clock } from '../shared/clock';
import type { CommandContext } from '../shared/decider/command-context';
import type { Unstamped } from '../shared/decider/command-processor';
import { BusinessRuleViolation, NotCaughtUpError, NotFoundError, RelataError } from '../shared/errors/domain-errors';
import { EVENT_STORE, type EventStore, formatPosition, type Position, START } from '../shared/event-store/event-store.port';
import { deterministicUuid } from '../shared/ids';
import { AsyncMutex } from '../shared/projections/async-mutex';
import { ProjectionRunner } from '../shared/projections/projection-runner';
import { ReadModels } from '../shared/projections/read-models';
import type { CampaignCommand, CampaignState, MemberToTarget } from './campaign.decider';
import type { CampaignCreated, FilterTarget } from './campaign.events';
import { CampaignStreams } from './campaign.streams';
import { drawControlGroup } from './control-group';

/** Members per TargetMembers command: one append each, so a crash loses at most one batch's work (redone on resume). */
const BATCH_SIZE = 100;
const CATCH_UP_TIMEOUT_MS = 60_000;

export interface LaunchProgress {
  /** Members the launch selected. */
  total: number;
  /** Members targeted so far, by this run or an earlier one. */
  targeted: number;
  /** Of those, targeted by an earlier run (a resumed or repeated launch). */
  alreadyTargeted: number;
  commands: number;
  elapsedMs: number;
}

export interface LaunchResult {
  campaignId: string;
  status: 'launched';
  selectedAsOf: string;
  members: number;
  treatment: number;
  control: number;
  /** Events this launch appended (0 for a rerun of a finished launch). */
  appended: number;
  /** Position of the last event appended, or null when nothing was. */
  position: string | null;
  revision: number;
  replayed: boolean;
}

/** The launch was stopped between two batches; what is recorded stays, and launching again continues. */
export class LaunchInterruptedError extends Error {
  constructor(
    readonly targeted: number,
    readonly total: number,
  ) {
    super(`Launch interrupted after ${targeted} of ${total} members; launch again to continue`);
  }
}

/** The id of the suggestion a campaign makes to a member: the same on every run, so a resumed launch suggests once. */
export const campaignSuggestionId = (campaignId: string, customerId: string): string =>
  deterministicUuid(`campaign-suggestion:${campaignId}:${customerId}`);

/**
 * Launching a campaign: select the members as of the target's date, draw the control group from
 * the campaign's seed, act on each treatment member (a suggestion campaign suggests on the
 * customer's stream) and record one CampaignMemberTargeted per member, in batches.
 *
 * Every step can be repeated: the selection and the draw are deterministic, a member's suggestion
 * has an id derived from campaign and customer (made only when the customer's stream lacks it),
 * and the decider leaves out members already targeted. So a launch that died half way continues
 * where it stopped, and a launch run again after it finished appends nothing. The action is taken
 * BEFORE the member is recorded: a crash between the two redoes the (idempotent) action, never skips it.
 */
@Injectable()
export class CampaignLauncher {
  private readonly mutex = new AsyncMutex();

  constructor(
    private readonly streams: CampaignStreams,
    private readonly customers: CustomerStreams,
    private readonly runner: ProjectionRunner,
    private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** `signal`: stop after the batch under way (Ctrl-C in the CLI); launching again continues from there. */
  launch(
    campaignId: string,
    context: CommandContext,
    onProgress?: (progress: LaunchProgress) => void,
    signal?: AbortSignal,
  ): Promise<LaunchResult> {
    return this.mutex.run(() => this.run(campaignId, context, onProgress, signal));
  }

  // Long because it is the launch's steps in order, under the launcher's lock: load and check the
  // campaign, select the audience, append per customer, mark it launched; they share the loaded state.
  private async run(
    campaignId: string,
    requestContext: CommandContext,
    onProgress?: (progress: LaunchProgress) => void,
    signal?: AbortSignal,
  ): Promise<LaunchResult> {
    const startedAt = this.clock.now().getTime();
    const loaded = await this.streams.campaign.load(campaignId);
    const definition = loaded.state.definition;
    if (!definition) throw new NotFoundError('CAMPAIGN_NOT_FOUND', 'No campaign with this id');
    if (loaded.state.status === 'closed') throw new BusinessRuleViolation('CAMPAIGN_CLOSED', 'The campaign is closed');
    const now = this.clock.now().toISOString();
    if (loaded.state.status === 'draft' && Date.parse(definition.window.end) <= Date.parse(now)) {
      throw new BusinessRuleViolation('CAMPAIGN_WINDOW_OVER', "The campaign's window has ended: nothing can be done in it any more", {
        end: definition.window.end,
      });
    }

    // Launched already: a rerun appends nothing, even if the target would select others today.
    if (loaded.state.status === 'launched') {
      const { state } = loaded;
      return {
        campaignId,
        status: 'launched',
        selectedAsOf: state.selectedAsOf ?? '',
        members: state.targeted.size,
        treatment: state.treatment,
        control: state.control,
        appended: 0,
        position: null,
        revision: Number(loaded.revision),
        replayed: true,
      };
    }

    // Internal commands: the request's idempotency key and If-Match belong to the request, not to them.
    const context: CommandContext = { actor: requestContext.actor, correlationId: requestContext.correlationId, commandId: '' };
    await this.catchUp();
    const { selectedAsOf, customerIds } = await this.select(definition);
    const groups = drawControlGroup(customerIds, definition.controlSeed, definition.controlFraction);
    const control = [...groups.values()].filter((group) => group === 'control').length;

    let appended = 0;
    let position: Position | null = null;
    let commands = 0;
    const record = (outcome: { events: unknown[]; position: Position | null; replayed: boolean }): void => {
      commands += 1;
      if (!outcome.replayed && outcome.events.length > 0) {
        appended += outcome.events.length;
        position = outcome.position;
      }
    };
    const handle = async (command: Unstamped<CampaignCommand>) => {
      const outcome = await this.streams.campaign.handle(campaignId, command, context);
      record(outcome);
      return outcome.state;
    };

    let state: CampaignState = await handle({ type: 'StartLaunch', data: { selectedAsOf, members: groups.size, control } });
    const alreadyTargeted = state.targeted.size;
    const progress = (): void =>
      onProgress?.({
        total: groups.size,
        targeted: state.targeted.size,
        alreadyTargeted,
        commands,
        elapsedMs: this.clock.now().getTime() - startedAt,
      });
    progress();
    const pending = [...groups.keys()].sort().filter((customerId) => !state.targeted.has(customerId));
    for (let i = 0; i < pending.length; i += BATCH_SIZE) {
      if (signal?.aborted) throw new LaunchInterruptedError(state.targeted.size, groups.size);
      const members: MemberToTarget[] = [];
      for (const customerId of pending.slice(i, i + BATCH_SIZE)) {
        const group = groups.get(customerId)!;
        const acted = group === 'treatment' ? await this.act(definition, customerId, context) : { suggestionId: null, actionSkipped: null };
        members.push({ customerId, group, ...acted });
      }
      state = await handle({ type: 'TargetMembers', data: { members } });
      progress();
    }
    state = await handle({ type: 'CompleteLaunch' });
    const revision = Number((await this.streams.campaign.load(campaignId)).revision);
    return {
      campaignId,
      status: 'launched',
      selectedAsOf: state.selectedAsOf ?? selectedAsOf,
      members: state.targeted.size,
      treatment: state.treatment,
      control: state.control,
      appended,
      position: position === null ? null : formatPosition(position),
      revision,
      replayed: appended === 0,
    };
  }

  /** The members, as of the target's date for a segment (the latest segmentation run at or before it). */
  private async select(definition: CampaignCreated['data']): Promise<{ selectedAsOf: string; customerIds: string[] }> {
    const target = definition.target;
    if (target.kind === 'segment') {
      const run = await segmentationRunAsOf(this.readModels, target.asOf);
      if (!run)
        throw new BusinessRuleViolation('CAMPAIGN_NO_SEGMENTATION_RUN', 'No segmentation run at or before the target date: run one first', {
          asOf: target.asOf,
        });
      const segments = await segmentsAt(this.readModels, target.scheme, run.asOf);
      const customerIds = [...segments].filter(([, at]) => at.segment === target.segment).map(([customerId]) => customerId);
      return { selectedAsOf: run.asOf, customerIds };
    }
    return { selectedAsOf: this.clock.now().toISOString(), customerIds: await this.filtered(target) };
  }

  private async filtered(target: FilterTarget): Promise<string[]> {
    const ids: string[] = [];
    const filter = target.status === undefined ? {} : { status: target.status };
    for await (const doc of this.readModels
      .collection<CustomerProfileDoc>(CUSTOMER_PROFILE_PROJECTION, CUSTOMERS_COLLECTION)
      .findAll(filter)) {
      const last = doc.currentValue.lastPurchaseAt;
      if (target.lastPurchaseBefore !== undefined && (last === null || Date.parse(last) >= Date.parse(target.lastPurchaseBefore))) continue;
      if (target.minPurchases !== undefined && doc.currentValue.purchaseCount < target.minPurchases) continue;
      ids.push(doc.customerId);
    }
    return ids;
  }

  /** The campaign's action on one treatment member; a customer who cannot take it (deactivated, forgotten) is still a member, with the reason. */
  private async act(
    definition: CampaignCreated['data'],
    customerId: string,
    context: CommandContext,
  ): Promise<Pick<MemberToTarget, 'suggestionId' | 'actionSkipped'>> {
    const action = definition.action;
    if (action.kind !== 'suggestion') return { suggestionId: null, actionSkipped: null };
    const suggestionId = campaignSuggestionId(definition.campaignId, customerId);
    const { state } = await this.customers.customer.load(customerId);
    if (state.suggestions.has(suggestionId)) return { suggestionId, actionSkipped: null };
    try {
      const data = {
        suggestionId,
        product: action.product,
        expectedValue: action.expectedValue,
        currency: action.currency ?? DEFAULT_CURRENCY,
        expiresAt: definition.window.end,
      };
      await this.customers.customer.handle(customerId, { type: 'SuggestTransaction', data }, context);
      return { suggestionId, actionSkipped: null };
    } catch (error) {
      if (error instanceof RelataError) return { suggestionId: null, actionSkipped: error.code };
      throw error;
    }
  }

  /** Selection reads the read models: they must have applied everything in the log first. */
  private async catchUp(): Promise<void> {
    const head = await this.eventStore.headPosition();
    if (head === START) return;
    for (const projection of [SEGMENT_HISTORY_PROJECTION, CUSTOMER_PROFILE_PROJECTION]) {
      if (!(await this.runner.waitForPosition(projection, head, CATCH_UP_TIMEOUT_MS))) throw new NotCaughtUpError(projection, 5);
    }
  }
}
