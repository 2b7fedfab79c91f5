import { Body, Controller, Delete, Get, Headers, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../shared/decider/command-context';
import { ValidationFailedError } from '../shared/errors/domain-errors';
import { Ctx } from '../shared/http/command-context.decorator';
import {
  CreateDepartmentCommand,
  SubscribeWebhookCommand,
  UnsubscribeWebhookCommand,
  UpdateDepartmentCommand,
} from './department-command.handlers';
import {
  GetDepartmentQuery,
  GetWebhookQuery,
  ListDeliveriesQuery,
  ListDepartmentsQuery,
  ListWebhooksQuery,
} from './department-query.handlers';
import { CreateDepartmentDto, SubscribeWebhookDto, UpdateDepartmentDto } from './dto/department-commands.dto';
import { DeliveriesQueryDto, DepartmentConsistencyQueryDto, DepartmentPageQueryDto } from './dto/department-queries.dto';
import { type CommandResult, sendCommandResult } from '../shared/http/command-response';
import { csvReply, wantsCsv } from '../shared/http/csv';
import { UuidParam as Id } from '../shared/http/uuid-param';

@Controller('departments')
export class DepartmentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  private respond<R extends CommandResult>(reply: FastifyReply, result: R): R {
    return sendCommandResult(reply, result);
  }

  @Post()
  @HttpCode(201)
  async create(@Body() dto: CreateDepartmentDto, @Ctx() context: CommandContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.commands.execute(new CreateDepartmentCommand(dto, context));
    void reply.header('Location', `/departments/${result.id}`);
    return this.respond(reply, result);
  }

  @Get()
  async list(
    @Query() query: DepartmentPageQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.queries.execute(new ListDepartmentsQuery({ limit: query.limit, cursor: query.cursor }, query.minPosition));
    if (!wantsCsv(accept)) return page;
    const columns = ['id', 'name', 'supervisorId', 'activeWebhooks', 'createdAt', 'updatedAt', 'revision'];
    return csvReply(reply, page.items, { columns, nextCursor: page.nextCursor, filename: 'departments.csv' });
  }

  @Get(':id')
  async get(@Id('id') id: string, @Query() query: DepartmentConsistencyQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const view = await this.queries.execute(new GetDepartmentQuery(id, query.minPosition));
    void reply.header('ETag', `"${view.revision}"`);
    return view;
  }

  @Patch(':id')
  async update(
    @Id('id') id: string,
    @Body() dto: UpdateDepartmentDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (dto.name === undefined && dto.supervisorId === undefined) {
      throw new ValidationFailedError([{ field: 'body', messages: ['give at least one of name, supervisorId'] }]);
    }
    return this.respond(reply, await this.commands.execute(new UpdateDepartmentCommand(id, dto, context)));
  }

  @Post(':id/webhooks')
  @HttpCode(201)
  async subscribe(
    @Id('id') id: string,
    @Body() dto: SubscribeWebhookDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.commands.execute(new SubscribeWebhookCommand(id, dto, context));
    void reply.header('Location', `/departments/${id}/webhooks/${result.id}`);
    // The response may carry the secret: keep it out of caches.
    void reply.header('Cache-Control', 'no-store');
    return this.respond(reply, result);
  }

  @Get(':id/webhooks')
  async webhooks(@Id('id') id: string, @Query() query: DepartmentConsistencyQueryDto) {
    return this.queries.execute(new ListWebhooksQuery(id, query.minPosition));
  }

  @Get(':id/webhooks/:wid')
  async webhook(@Id('id') id: string, @Id('wid') wid: string, @Query() query: DepartmentConsistencyQueryDto) {
    return this.queries.execute(new GetWebhookQuery(id, wid, query.minPosition));
  }

  @Delete(':id/webhooks/:wid')
  async unsubscribe(
    @Id('id') id: string,
    @Id('wid') wid: string,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.respond(reply, await this.commands.execute(new UnsubscribeWebhookCommand(id, wid, context)));
  }

  @Get(':id/webhooks/:wid/deliveries')
  async deliveries(@Id('id') id: string, @Id('wid') wid: string, @Query() query: DeliveriesQueryDto) {
    return this.queries.execute(
      new ListDeliveriesQuery(id, wid, { limit: query.limit, cursor: query.cursor }, query.eventId, query.minPosition),
    );
  }
}
