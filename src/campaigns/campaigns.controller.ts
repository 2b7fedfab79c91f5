import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../shared/decider/command-context';
import { Ctx } from '../shared/http/command-context.decorator';
import { sendCommandResult } from '../shared/http/command-response';
import { csvReply, wantsCsv } from '../shared/http/csv';
import { UuidParam as Id } from '../shared/http/uuid-param';
import { EmptyBodyDto } from '../shared/http/validation';
import { CampaignLauncher } from './campaign-launcher';
import { type CampaignResults, CampaignResultsReader } from './campaign-results';
import { CampaignsService } from './campaigns.service';
import {
  CampaignConsistencyQueryDto,
  CampaignMembersQueryDto,
  CampaignPageQueryDto,
  CampaignResultsQueryDto,
  CreateCampaignDto,
} from './dto/campaign.dto';

const CAMPAIGN_COLUMNS = [
  '_id',
  'name',
  'status',
  'owner',
  'target.kind',
  'target.scheme',
  'target.segment',
  'target.asOf',
  'action.kind',
  'window.start',
  'window.end',
  'controlFraction',
  'treatment',
  'control',
  'createdAt',
  'launchedAt',
  'closedAt',
];
const MEMBER_COLUMNS = ['customerId', 'group', 'targetedAt', 'suggestionId', 'actionSkipped'];
export const RESULT_COLUMNS = [
  'campaignId',
  'asOf',
  'asOfBasis',
  'group',
  'members',
  'reached',
  'responded',
  'responseRate',
  'suggestionsMade',
  'suggestionsAccepted',
  'suggestionsDeclined',
  'currency',
  'purchases',
  'buyers',
  'revenue',
  'margin',
  'revenuePerMember',
  'marginPerMember',
  'baselineRevenue',
  'baselineMargin',
  'refunded',
  'netRevenue',
  'netRevenuePerMember',
];

/** The results as CSV rows: one per group and currency (a group without purchases: one row, no currency). Amounts are never summed across currencies. */
export function resultRows(results: CampaignResults): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const group of ['treatment', 'control'] as const) {
    const outcome = results[group];
    const currencies = [...new Set([...Object.keys(outcome.revenue), ...Object.keys(outcome.baseline)])].sort();
    for (const currency of currencies.length > 0 ? currencies : [null]) {
      const money = currency === null ? undefined : outcome.revenue[currency];
      const baseline = currency === null ? undefined : outcome.baseline[currency];
      rows.push({
        campaignId: results.campaignId,
        asOf: results.asOf,
        asOfBasis: results.asOfBasis,
        group,
        members: outcome.members,
        reached: outcome.reached,
        responded: outcome.responded,
        responseRate: outcome.responseRate,
        suggestionsMade: outcome.suggestions.made,
        suggestionsAccepted: outcome.suggestions.accepted,
        suggestionsDeclined: outcome.suggestions.declined,
        currency,
        purchases: money?.purchases ?? 0,
        buyers: money?.buyers ?? 0,
        revenue: money?.revenue ?? 0,
        margin: money?.margin ?? 0,
        revenuePerMember: money?.revenuePerMember ?? 0,
        marginPerMember: money?.marginPerMember ?? 0,
        baselineRevenue: baseline?.revenue ?? 0,
        baselineMargin: baseline?.margin ?? 0,
        refunded: money?.refunded ?? 0,
        netRevenue: money?.netRevenue ?? 0,
        netRevenuePerMember: money?.netRevenuePerMember ?? 0,
      });
    }
  }
  return rows;
}

@Controller('campaigns')
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly launcher: CampaignLauncher,
    private readonly results: CampaignResultsReader,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Body() dto: CreateCampaignDto, @Ctx() context: CommandContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.campaigns.create(dto, context);
    void reply.header('Location', `/campaigns/${result.id}`);
    return sendCommandResult(reply, result);
  }

  @Get()
  async list(
    @Query() query: CampaignPageQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.campaigns.list({ limit: query.limit, cursor: query.cursor }, query.minPosition);
    if (!wantsCsv(accept)) return page;
    return csvReply(reply, page.items, { columns: CAMPAIGN_COLUMNS, nextCursor: page.nextCursor, filename: 'campaigns.csv' });
  }

  @Get(':id')
  async get(@Id('id') id: string, @Query() query: CampaignConsistencyQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const view = await this.campaigns.get(id, query.minPosition);
    void reply.header('ETag', `"${view.revision}"`);
    return view;
  }

  @Post(':id/launch')
  @HttpCode(200)
  async launch(
    @Id('id') id: string,
    @Body() _body: EmptyBodyDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendCommandResult(reply, await this.launcher.launch(id, context));
  }

  @Post(':id/close')
  @HttpCode(200)
  async close(
    @Id('id') id: string,
    @Body() _body: EmptyBodyDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendCommandResult(reply, await this.campaigns.close(id, context));
  }

  @Get(':id/members')
  async members(
    @Id('id') id: string,
    @Query() query: CampaignMembersQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.campaigns.members(id, query.group, { limit: query.limit, cursor: query.cursor }, query.minPosition);
    if (!wantsCsv(accept)) return page;
    return csvReply(reply, page.items, { columns: MEMBER_COLUMNS, nextCursor: page.nextCursor, filename: 'campaign-members.csv' });
  }

  @Get(':id/results')
  async resultsOf(
    @Id('id') id: string,
    @Query() query: CampaignResultsQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const results = await this.results.results(id, query.asOf, query.minPosition);
    if (!wantsCsv(accept)) return results;
    return csvReply(reply, resultRows(results), { columns: RESULT_COLUMNS, filename: 'campaign-results.csv' });
  }
}
