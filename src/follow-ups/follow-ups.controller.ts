import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../shared/decider/command-context';
import type { Unstamped } from '../shared/decider/command-processor';
import { Ctx } from '../shared/http/command-context.decorator';
import { type CommandResult, commandResult, sendCommandResult } from '../shared/http/command-response';
import { csvReply, wantsCsv } from '../shared/http/csv';
import { UuidParam as Id } from '../shared/http/uuid-param';
import { EmptyBodyDto } from '../shared/http/validation';
import { CreateFollowUpCommand, ExecuteFollowUpCommand, type FollowUpStep } from './follow-up-command.handlers';
import type { FollowUpCommand } from './follow-up.decider';
import { FollowUpStreams } from './follow-up.streams';
import { type FollowUpSummary, FollowUpSummaryQuery } from './follow-up-summary';
import { type FollowUpPage, GetFollowUpQuery, ListFollowUpsQuery, ListOverdueFollowUpsQuery } from './follow-up-query.handlers';
import {
  CancelFollowUpDto,
  CreateFollowUpDto,
  FollowUpConsistencyQueryDto,
  FollowUpQueueQueryDto,
  FollowUpSummaryQueryDto,
  OverdueQueryDto,
  ReassignFollowUpDto,
  RescheduleFollowUpDto,
} from './dto/follow-up.dto';

/** Stable CSV header, so that even an empty queue exports its columns. */
const FOLLOW_UP_CSV_COLUMNS = [
  'id',
  'status',
  'owner',
  'department',
  'customerId',
  'complaintId',
  'title',
  'note',
  'dueAt',
  'remindAt',
  'overdue',
  'remindedAt',
  'overdueAt',
  'createdAt',
  'closedAt',
  'revision',
];

/** Follow-ups (tasks with an owner and a due date): create, reassign, reschedule, complete, cancel; work queues and the overdue list. */
@Controller('follow-ups')
export class FollowUpsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly streams: FollowUpStreams,
  ) {}

  /** A step the handler completes with a look-up (the department named, the current reminder lead). */
  private async step(id: string, step: FollowUpStep, context: CommandContext, reply: FastifyReply): Promise<CommandResult> {
    return sendCommandResult(reply, await this.commands.execute(new ExecuteFollowUpCommand(id, step, context)));
  }

  /** A step on the follow-up's stream alone: straight to the bound decider. */
  private async onFollowUp(id: string, command: Unstamped<FollowUpCommand>, context: CommandContext, reply: FastifyReply) {
    return sendCommandResult(reply, commandResult(id, await this.streams.followUp.handle(id, command, context)));
  }

  private page(page: FollowUpPage, accept: string | undefined, reply: FastifyReply, filename: string) {
    if (!wantsCsv(accept)) return page;
    return csvReply(reply, page.items, { columns: FOLLOW_UP_CSV_COLUMNS, nextCursor: page.nextCursor, filename });
  }

  @Post()
  @HttpCode(201)
  async create(@Body() dto: CreateFollowUpDto, @Ctx() context: CommandContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.commands.execute(new CreateFollowUpCommand(dto, context));
    void reply.header('Location', `/follow-ups/${result.id}`);
    return sendCommandResult(reply, result);
  }

  @Get()
  async queue(
    @Query() query: FollowUpQueueQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { owner, department, customerId, status } = query;
    const page = await this.queries.execute(
      new ListFollowUpsQuery({ owner, department, customerId, status }, { limit: query.limit, cursor: query.cursor }, query.minPosition),
    );
    return this.page(page, accept, reply, 'follow-ups.csv');
  }

  @Get('overdue')
  async overdue(
    @Query() query: OverdueQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.queries.execute(
      new ListOverdueFollowUpsQuery(
        { owner: query.owner, department: query.department },
        { limit: query.limit, cursor: query.cursor },
        query.minPosition,
      ),
    );
    return this.page(page, accept, reply, 'follow-ups-overdue.csv');
  }

  /** Counts per owner and department (no personal data); CSV: one row per owner. */
  @Get('summary')
  async summary(
    @Query() query: FollowUpSummaryQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const summary: FollowUpSummary = await this.queries.execute(new FollowUpSummaryQuery(query.department, query.minPosition));
    if (!wantsCsv(accept)) return summary;
    const rows = summary.byOwner.map((q) => ({
      owner: q.key,
      open: q.open,
      overdue: q.overdue,
      nextDueAt: q.nextDueAt,
      asOf: summary.asOf,
    }));
    return csvReply(reply, rows, { columns: ['owner', 'open', 'overdue', 'nextDueAt', 'asOf'], filename: 'follow-up-queues.csv' });
  }

  @Get(':id')
  async get(@Id('id') id: string, @Query() query: FollowUpConsistencyQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const view = await this.queries.execute(new GetFollowUpQuery(id, query.minPosition));
    void reply.header('ETag', `"${view.revision}"`);
    return view;
  }

  @Post(':id/reassign')
  @HttpCode(200)
  async reassign(
    @Id('id') id: string,
    @Body() dto: ReassignFollowUpDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.step(id, { type: 'ReassignFollowUp', data: { owner: dto.owner, department: dto.department } }, context, reply);
  }

  @Post(':id/reschedule')
  @HttpCode(200)
  async reschedule(
    @Id('id') id: string,
    @Body() dto: RescheduleFollowUpDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.step(
      id,
      { type: 'RescheduleFollowUp', data: { dueAt: dto.dueAt, remindBeforeMinutes: dto.remindBeforeMinutes } },
      context,
      reply,
    );
  }

  @Post(':id/complete')
  @HttpCode(200)
  async complete(
    @Id('id') id: string,
    @Body() _body: EmptyBodyDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.onFollowUp(id, { type: 'CompleteFollowUp' }, context, reply);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(
    @Id('id') id: string,
    @Body() dto: CancelFollowUpDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.onFollowUp(id, { type: 'CancelFollowUp', data: { reason: dto.reason ?? null } }, context, reply);
  }
}
