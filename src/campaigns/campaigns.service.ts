import { Inject, Injectable } from '@nestjs/common';
import type { CommandContext } from '../shared/decider/command-context';
import { NotFoundError, ValidationFailedError } from '../shared/errors/domain-errors';
import { type CommandResult, commandResult, createdId } from '../shared/http/command-response';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { ReadModels } from '../shared/projections/read-models';
import type { Page } from '../shared/read-store/read-store.port';
import type { CampaignAction, CampaignTarget } from './campaign.events';
import { CampaignStreams } from './campaign.streams';
import {
  CAMPAIGN_MEMBERS_COLLECTION,
  type CampaignDoc,
  type CampaignMemberDoc,
  CAMPAIGNS_COLLECTION,
  CAMPAIGNS_PROJECTION,
} from './campaigns.projection';
import type { CampaignActionDto, CampaignTargetDto, CreateCampaignDto } from './dto/campaign.dto';

const DEFAULT_CONTROL_FRACTION = 0.1;

/** The fields a kind needs, each missing one named (400 VALIDATION_FAILED, like the DTO's own rules). */
function requireFields(prefix: string, kind: string, values: Record<string, unknown>): void {
  const missing = Object.entries(values)
    .filter(([, value]) => value === undefined)
    .map(([field]) => field);
  if (missing.length > 0)
    throw new ValidationFailedError(
      missing.map((field) => ({ field: `${prefix}.${field}`, messages: [`${field} is required for a ${kind} ${prefix}`] })),
    );
}

function toTarget(dto: CampaignTargetDto): CampaignTarget {
  if (dto.kind === 'segment') {
    requireFields('target', 'segment', { scheme: dto.scheme, segment: dto.segment, asOf: dto.asOf });
    return { kind: 'segment', scheme: dto.scheme!, segment: dto.segment!, asOf: new Date(dto.asOf!).toISOString() };
  }
  return {
    kind: 'filter',
    ...(dto.status !== undefined ? { status: dto.status } : {}),
    ...(dto.lastPurchaseBefore !== undefined ? { lastPurchaseBefore: new Date(dto.lastPurchaseBefore).toISOString() } : {}),
    ...(dto.minPurchases !== undefined ? { minPurchases: dto.minPurchases } : {}),
  };
}

function toAction(dto: CampaignActionDto): CampaignAction {
  if (dto.kind === 'suggestion') {
    requireFields('action', 'suggestion', { product: dto.product, expectedValue: dto.expectedValue });
    return {
      kind: 'suggestion',
      product: dto.product!,
      expectedValue: dto.expectedValue!,
      ...(dto.currency ? { currency: dto.currency } : {}),
    };
  }
  if (dto.kind === 'interaction') {
    requireFields('action', 'interaction', { channel: dto.channel, script: dto.script });
    return { kind: 'interaction', channel: dto.channel!, script: dto.script! };
  }
  requireFields('action', 'retention-offer', { offer: dto.offer });
  return { kind: 'retention-offer', offer: dto.offer! };
}

/** Creating and closing campaigns, and reading them (the launch is campaign-launcher.ts). */
@Injectable()
export class CampaignsService {
  constructor(
    private readonly streams: CampaignStreams,
    private readonly readModels: ReadModels,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async create(dto: CreateCampaignDto, context: CommandContext): Promise<CommandResult> {
    // With an Idempotency-Key the id is derived from it, so a retry lands on the same campaign.
    const campaignId = createdId(this.ids, context, 'campaign');
    const outcome = await this.streams.campaign.handle(
      campaignId,
      {
        type: 'CreateCampaign',
        data: {
          campaignId,
          name: dto.name,
          target: toTarget(dto.target),
          action: toAction(dto.action),
          owner: dto.owner,
          window: { start: new Date(dto.window.start).toISOString(), end: new Date(dto.window.end).toISOString() },
          controlFraction: dto.controlFraction ?? DEFAULT_CONTROL_FRACTION,
          controlSeed: dto.controlSeed ?? campaignId,
        },
      },
      context,
    );
    return commandResult(campaignId, outcome);
  }

  async close(campaignId: string, context: CommandContext): Promise<CommandResult> {
    return commandResult(campaignId, await this.streams.campaign.handle(campaignId, { type: 'CloseCampaign' }, context));
  }

  async get(campaignId: string, minPosition: string | undefined): Promise<CampaignDoc> {
    await this.readModels.ensureCaughtUp(CAMPAIGNS_PROJECTION, minPosition);
    const doc = await this.readModels.collection<CampaignDoc>(CAMPAIGNS_PROJECTION, CAMPAIGNS_COLLECTION).get(campaignId);
    if (!doc) throw new NotFoundError('CAMPAIGN_NOT_FOUND', 'No campaign with this id');
    return doc;
  }

  async list(page: { limit: number; cursor?: string }, minPosition: string | undefined): Promise<Page<CampaignDoc>> {
    await this.readModels.ensureCaughtUp(CAMPAIGNS_PROJECTION, minPosition);
    return this.readModels
      .collection<CampaignDoc>(CAMPAIGNS_PROJECTION, CAMPAIGNS_COLLECTION)
      .find({}, { sort: { createdAt: -1 }, ...page });
  }

  async members(
    campaignId: string,
    group: 'treatment' | 'control' | undefined,
    page: { limit: number; cursor?: string },
    minPosition: string | undefined,
  ): Promise<Page<CampaignMemberDoc>> {
    await this.get(campaignId, minPosition);
    const filter = group === undefined ? { campaignId } : { campaignId, group };
    return this.readModels
      .collection<CampaignMemberDoc>(CAMPAIGNS_PROJECTION, CAMPAIGN_MEMBERS_COLLECTION)
      .find(filter, { sort: { customerId: 1 }, ...page });
  }
}
