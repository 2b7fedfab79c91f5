import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { CLOCK, type Clock } from '../shared/clock';
import type { CommandContext } from '../shared/decider/command-context';
import { Ctx } from '../shared/http/command-context.decorator';
import { type CommandResult, commandResult, createdId, sendCommandResult } from '../shared/http/command-response';
import { csvReply, wantsCsv } from '../shared/http/csv';
import { EmptyBodyDto } from '../shared/http/validation';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { type EnrichedStep, ExecuteComplaintCommand, type PlainStep, RegisterComplaintCommand } from './complaint-command.handlers';
import { ComplaintStreams } from './complaint.streams';
import { GetComplaintQuery, ListComplaintsQuery, ListSolutionsQuery } from './complaint-query.handlers';
import {
  AddNoteDto,
  AssessValidityDto,
  AssignComplaintDto,
  CloseComplaintDto,
  CommunicateDecisionDto,
  CompleteActionDto,
  GradeComplaintDto,
  OpenActionDto,
  ProgressUpdateDto,
  ReasonDto,
  RecordRootCauseDto,
  RecordSatisfactionDto,
  RegisterComplaintDto,
  ResolveComplaintDto,
} from './dto/complaint-commands.dto';
import { ConsistencyQueryDto, ListComplaintsQueryDto, ListSolutionsQueryDto } from './dto/complaint-queries.dto';
import { UuidParam as Id } from '../shared/http/uuid-param';

const iso = (value: string): string => new Date(value).toISOString();

/** Leading CSV columns, so that every export (even an empty one) has a stable header. */
const QUEUE_CSV_COLUMNS = [
  'id',
  'number',
  'status',
  'customerId',
  'channel',
  'category',
  'product',
  'severity',
  'department',
  'assignee',
  'escalationLevel',
  'receivedAt',
  'firstResponseDueAt',
  'resolutionDueAt',
  'nextDueAt',
  'clockStoppedAt',
  'overdue',
  'timeLeftMs',
  'revision',
  'updatedAt',
];
const SOLUTION_CSV_COLUMNS = [
  'complaintId',
  'number',
  'category',
  'subCategory',
  'product',
  'rootCause.category',
  'rootCause.text',
  'solution',
  'resolvedAt',
  'accepted',
  'csat',
];

/**
 * Complaint handling on the ISO 10002 cycle: one POST per step under /complaints/:id/..., each
 * answering { id, revision, position, replayed } (plus what it created) with the new ETag.
 */
@Controller('complaints')
export class ComplaintsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly streams: ComplaintStreams,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  private newId(context: CommandContext, kind: string): string {
    return createdId(this.ids, context, kind);
  }

  private respond<R extends CommandResult>(reply: FastifyReply, result: R): R {
    return sendCommandResult(reply, result);
  }

  /** A step on the complaint's stream alone: straight to the bound decider. */
  private async step(id: string, step: PlainStep, context: CommandContext, reply: FastifyReply, created: Record<string, string> = {}) {
    return this.respond(reply, commandResult(id, await this.streams.complaint.handle(id, step, context), created));
  }

  /** A step the handler completes with facts from configuration or other streams. */
  private async stepWithFacts(
    id: string,
    step: EnrichedStep,
    context: CommandContext,
    reply: FastifyReply,
    created: Record<string, string> = {},
  ) {
    return this.respond(reply, await this.commands.execute(new ExecuteComplaintCommand(id, step, context, created)));
  }

  @Post()
  @HttpCode(201)
  async register(@Body() dto: RegisterComplaintDto, @Ctx() context: CommandContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const data = {
      customerId: dto.customerId,
      channel: dto.channel,
      category: dto.category,
      subCategory: dto.subCategory ?? null,
      product: dto.product ?? null,
      description: dto.description,
      remedySought: dto.remedySought ?? null,
      // Not said: it happened when it was received.
      occurredAt: iso(dto.occurredAt ?? dto.receivedAt ?? this.clock.now().toISOString()),
      followUpOf: dto.followUpOf ?? null,
      ...(dto.receivedAt !== undefined ? { receivedAt: iso(dto.receivedAt) } : {}),
      ...(dto.acknowledgedAt !== undefined ? { acknowledgedAt: iso(dto.acknowledgedAt) } : {}),
      source: dto.source ? { system: dto.source.system, id: dto.source.id } : null,
    };
    const result = await this.commands.execute(new RegisterComplaintCommand(data, context));
    void reply.header('Location', `/complaints/${result.id}`);
    return this.respond(reply, result);
  }

  @Get()
  async list(
    @Query() query: ListComplaintsQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { department, assignee, status, overdue, customerId, number, category, severity, q } = query;
    const page = await this.queries.execute(
      new ListComplaintsQuery(
        { department, assignee, status, overdue, customerId, number, category, severity, q },
        { limit: query.limit, cursor: query.cursor },
        query.minPosition,
      ),
    );
    if (!wantsCsv(accept)) return page;
    return csvReply(reply, page.items, { columns: QUEUE_CSV_COLUMNS, nextCursor: page.nextCursor, filename: 'complaints.csv' });
  }

  @Get(':id')
  async get(@Id('id') id: string, @Query() query: ConsistencyQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const view = await this.queries.execute(new GetComplaintQuery(id, query.minPosition));
    void reply.header('ETag', `"${view.revision}"`);
    return view;
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  async acknowledge(
    @Id('id') id: string,
    @Body() _body: EmptyBodyDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.step(id, { type: 'AcknowledgeComplaint' }, context, reply);
  }

  @Post(':id/assign')
  @HttpCode(200)
  async assign(
    @Id('id') id: string,
    @Body() dto: AssignComplaintDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.stepWithFacts(
      id,
      { type: 'AssignComplaint', data: { department: dto.department, assignee: dto.assignee ?? null, by: context.actor } },
      context,
      reply,
    );
  }

  @Post(':id/assess')
  @HttpCode(200)
  async assess(
    @Id('id') id: string,
    @Body() dto: AssessValidityDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { valid: dto.valid, rationale: dto.rationale, feedbackToCustomer: dto.feedbackToCustomer ?? null };
    return this.step(id, { type: 'AssessValidity', data }, context, reply);
  }

  @Post(':id/grade')
  @HttpCode(200)
  async grade(
    @Id('id') id: string,
    @Body() dto: GradeComplaintDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.stepWithFacts(id, { type: 'GradeComplaint', data: { severity: dto.severity, difficulty: dto.difficulty } }, context, reply);
  }

  @Post(':id/hold')
  @HttpCode(200)
  async hold(
    @Id('id') id: string,
    @Body() dto: ReasonDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.step(id, { type: 'HoldComplaint', data: { reason: dto.reason } }, context, reply);
  }

  @Post(':id/resume')
  @HttpCode(200)
  async resume(
    @Id('id') id: string,
    @Body() _body: EmptyBodyDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.step(id, { type: 'ResumeComplaint' }, context, reply);
  }

  @Post(':id/escalate')
  @HttpCode(200)
  async escalate(
    @Id('id') id: string,
    @Body() dto: ReasonDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.stepWithFacts(id, { type: 'EscalateComplaint', data: { reason: dto.reason, by: context.actor } }, context, reply);
  }

  @Post(':id/notes')
  @HttpCode(201)
  async addNote(
    @Id('id') id: string,
    @Body() dto: AddNoteDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.step(id, { type: 'AddInvestigationNote', data: { note: dto.note, author: context.actor } }, context, reply);
  }

  @Post(':id/root-cause')
  @HttpCode(200)
  async rootCause(
    @Id('id') id: string,
    @Body() dto: RecordRootCauseDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.step(id, { type: 'RecordRootCause', data: { category: dto.category, text: dto.text } }, context, reply);
  }

  @Post(':id/actions')
  @HttpCode(201)
  async openAction(
    @Id('id') id: string,
    @Body() dto: OpenActionDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const actionId = this.newId(context, 'complaint-action');
    const data = { actionId, kind: dto.kind, description: dto.description, department: dto.department, dueAt: iso(dto.dueAt) };
    return this.stepWithFacts(id, { type: 'OpenAction', data }, context, reply, { actionId });
  }

  @Post(':id/actions/:actionId/complete')
  @HttpCode(200)
  async completeAction(
    @Id('id') id: string,
    @Id('actionId') actionId: string,
    @Body() dto: CompleteActionDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.step(id, { type: 'CompleteAction', data: { actionId, outcome: dto.outcome } }, context, reply, { actionId });
  }

  @Post(':id/progress')
  @HttpCode(200)
  async progress(
    @Id('id') id: string,
    @Body() dto: ProgressUpdateDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.step(id, { type: 'RecordProgressUpdate', data: { channel: dto.channel, summary: dto.summary } }, context, reply);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  async resolve(
    @Id('id') id: string,
    @Body() dto: ResolveComplaintDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.step(id, { type: 'ResolveComplaint', data: { solution: dto.solution } }, context, reply);
  }

  @Post(':id/communicate')
  @HttpCode(200)
  async communicate(
    @Id('id') id: string,
    @Body() dto: CommunicateDecisionDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const communicatedAt = dto.communicatedAt ? iso(dto.communicatedAt) : this.clock.now().toISOString();
    return this.step(
      id,
      { type: 'CommunicateDecision', data: { channel: dto.channel, summary: dto.summary, communicatedAt } },
      context,
      reply,
    );
  }

  @Post(':id/accept')
  @HttpCode(200)
  async accept(
    @Id('id') id: string,
    @Body() _body: EmptyBodyDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.step(id, { type: 'AcceptResolution' }, context, reply);
  }

  @Post(':id/reject')
  @HttpCode(200)
  async reject(
    @Id('id') id: string,
    @Body() dto: ReasonDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.step(id, { type: 'RejectResolution', data: { reason: dto.reason } }, context, reply);
  }

  @Post(':id/satisfaction')
  @HttpCode(200)
  async satisfaction(
    @Id('id') id: string,
    @Body() dto: RecordSatisfactionDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { csat: dto.csat, nps: dto.nps ?? null, reason: dto.reason ?? null, comment: dto.comment ?? null };
    return this.step(id, { type: 'RecordSatisfaction', data }, context, reply);
  }

  @Post(':id/close')
  @HttpCode(200)
  async close(
    @Id('id') id: string,
    @Body() dto: CloseComplaintDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.stepWithFacts(
      id,
      { type: 'CloseComplaint', data: { reason: dto.reason, duplicateOf: dto.duplicateOf ?? null } },
      context,
      reply,
    );
  }

  @Post(':id/reopen')
  @HttpCode(200)
  async reopen(
    @Id('id') id: string,
    @Body() dto: ReasonDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.stepWithFacts(id, { type: 'ReopenComplaint', data: { reason: dto.reason } }, context, reply);
  }
}

/** What resolved complaints teach: root causes and solutions agents can reuse. */
@Controller('solutions')
export class SolutionsController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  async list(
    @Query() query: ListSolutionsQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.queries.execute(
      new ListSolutionsQuery(
        { category: query.category, product: query.product },
        { limit: query.limit, cursor: query.cursor },
        query.minPosition,
      ),
    );
    if (!wantsCsv(accept)) return page;
    return csvReply(reply, page.items, { columns: SOLUTION_CSV_COLUMNS, nextCursor: page.nextCursor, filename: 'solutions.csv' });
  }
}
