import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { CLOCK, type Clock } from '../shared/clock';
import type { CommandContext } from '../shared/decider/command-context';
import type { Unstamped } from '../shared/decider/command-processor';
import { ValidationFailedError } from '../shared/errors/domain-errors';
import { Ctx } from '../shared/http/command-context.decorator';
import { type CommandResult, commandResult, createdId, sendCommandResult } from '../shared/http/command-response';
import { csvReply, wantsCsv } from '../shared/http/csv';
import { EmptyBodyDto } from '../shared/http/validation';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import {
  DeactivateCustomerCommand,
  ReactivateCustomerCommand,
  RecordReferralCommand,
  RegisterCustomerCommand,
  UpdateContactDetailsCommand,
} from './customer-command.handlers';
import type { CustomerCommand } from './customer.decider';
import { CustomerStreams } from './customer.streams';
import { CUSTOMER_CSV_COLUMNS, customerCsvRow, INTERACTION_CSV_COLUMNS, PURCHASE_CSV_COLUMNS, purchaseCsvRows } from './customer-csv';
import { GetCustomerQuery, ListCustomersQuery, ListInteractionsQuery, ListPurchasesQuery } from './customer-query.handlers';
import { ForgetCustomerCommand } from './forget-customer.handler';
import { sourceCustomerId, UpsertCustomerBySourceCommand } from './customer-by-source';
import {
  DeactivateCustomerDto,
  DeclineSuggestionDto,
  RecordInteractionDto,
  RecordPurchaseDto,
  RefundPurchaseDto,
  RecordReferralDto,
  RegisterCustomerDto,
  SuggestTransactionDto,
  UpdateContactDetailsDto,
  UpsertCustomerDto,
} from './dto/customer-commands.dto';
import { ConsistencyQueryDto, ListCustomersQueryDto, PageQueryDto } from './dto/customer-queries.dto';
import { UuidParam as Id } from '../shared/http/uuid-param';

/** A purchase id as recorded (RecordPurchaseDto's pattern). */
const PURCHASE_ID = /^[A-Za-z0-9._:-]{1,100}$/;
/** Another system's name: letters, digits, . _ - (e.g. shop, erp, cdnow). */
const SOURCE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/;
/** The id that system gives the customer: visible ASCII. */
const SOURCE_ID = /^[\x21-\x7e]{1,200}$/;

function sourceParams(source: string, sourceId: string): { source: string; sourceId: string } {
  const errors: { field: string; messages: string[] }[] = [];
  if (!SOURCE.test(source))
    errors.push({ field: 'source', messages: ['source must be 1-50 letters, digits, . _ or -, starting with a letter or digit'] });
  if (!SOURCE_ID.test(sourceId)) errors.push({ field: 'id', messages: ['id must be 1-200 visible ASCII characters'] });
  if (errors.length > 0) throw new ValidationFailedError(errors);
  // Source names are case-insensitive: "Shop" and "shop" are one system.
  return { source: source.toLowerCase(), sourceId };
}

/** A query instant: a date means its 00:00 UTC. */
const instant = (value: string): string => new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value).toISOString();

@Controller('customers')
export class CustomersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly streams: CustomerStreams,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  private newId(context: CommandContext, kind: string): string {
    return createdId(this.ids, context, kind);
  }

  private respond(reply: FastifyReply, result: CommandResult): CommandResult {
    return sendCommandResult(reply, result);
  }

  /** A command on the customer's stream alone; `created`: ids of what it created, echoed back. */
  private async onCustomer(
    id: string,
    command: Unstamped<CustomerCommand>,
    context: CommandContext,
    reply: FastifyReply,
    created: Record<string, string> = {},
  ): Promise<CommandResult> {
    return this.respond(reply, commandResult(id, await this.streams.customer.handle(id, command, context), created));
  }

  @Post()
  @HttpCode(201)
  async register(@Body() dto: RegisterCustomerDto, @Ctx() context: CommandContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.commands.execute(new RegisterCustomerCommand(dto, context));
    void reply.header('Location', `/customers/${result.id}`);
    return this.respond(reply, result);
  }

  /** Filters combine (AND); every list also answers CSV with `Accept: text/csv` (the next cursor in X-Next-Cursor). */
  @Get()
  async list(
    @Query() query: ListCustomersQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const registeredFrom = query.registeredFrom === undefined ? undefined : instant(query.registeredFrom);
    const registeredTo = query.registeredTo === undefined ? undefined : instant(query.registeredTo);
    const errors: { field: string; messages: string[] }[] = [];
    if (query.minRevenue !== undefined && query.maxRevenue !== undefined && query.minRevenue > query.maxRevenue) {
      errors.push({ field: 'maxRevenue', messages: ['maxRevenue must not be below minRevenue'] });
    }
    if (registeredFrom !== undefined && registeredTo !== undefined && registeredFrom >= registeredTo) {
      errors.push({ field: 'registeredTo', messages: ['registeredTo must be after registeredFrom'] });
    }
    if (errors.length > 0) throw new ValidationFailedError(errors);
    const { status, q, segment, minRevenue, maxRevenue, currency, company, acquisitionChannel } = query;
    const page = await this.queries.execute(
      new ListCustomersQuery(
        { status, q, segment, minRevenue, maxRevenue, currency, company, acquisitionChannel, registeredFrom, registeredTo },
        { limit: query.limit, cursor: query.cursor },
        query.minPosition,
        { field: query.sort, order: query.order },
      ),
    );
    if (!wantsCsv(accept)) return page;
    return csvReply(reply, page.items.map(customerCsvRow), {
      columns: CUSTOMER_CSV_COLUMNS,
      nextCursor: page.nextCursor,
      filename: 'customers.csv',
    });
  }

  /** The customer another system knows by this id (its own id in that system). */
  @Get('by-source/:source/:id')
  async getBySource(
    @Param('source') rawSource: string,
    @Param('id') rawId: string,
    @Query() query: ConsistencyQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { source, sourceId } = sourceParams(rawSource, rawId);
    return this.get(sourceCustomerId(source, sourceId), query, reply);
  }

  /** Upsert by the id in another system: 201 when registered, 200 when updated or unchanged (nothing appended). */
  @Put('by-source/:source/:id')
  async upsertBySource(
    @Param('source') rawSource: string,
    @Param('id') rawId: string,
    @Body() dto: UpsertCustomerDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { source, sourceId } = sourceParams(rawSource, rawId);
    const result = await this.commands.execute(new UpsertCustomerBySourceCommand(source, sourceId, dto, context));
    void reply.header('Location', `/customers/${result.id}`);
    void reply.status(result.created ? 201 : 200);
    return sendCommandResult(reply, result);
  }

  @Get(':id')
  async get(@Id('id') id: string, @Query() query: ConsistencyQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const view = await this.queries.execute(new GetCustomerQuery(id, query.minPosition));
    void reply.header('ETag', `"${view.revision}"`);
    return view;
  }

  @Get(':id/interactions')
  async interactions(
    @Id('id') id: string,
    @Query() query: PageQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.queries.execute(new ListInteractionsQuery(id, { limit: query.limit, cursor: query.cursor }, query.minPosition));
    if (!wantsCsv(accept)) return page;
    return csvReply(reply, page.items, {
      columns: INTERACTION_CSV_COLUMNS,
      nextCursor: page.nextCursor,
      filename: `interactions-${id}.csv`,
    });
  }

  /** Newest first, with the lines, in the currency each purchase was recorded in (never converted or summed across currencies). */
  @Get(':id/purchases')
  async purchases(
    @Id('id') id: string,
    @Query() query: PageQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.queries.execute(new ListPurchasesQuery(id, { limit: query.limit, cursor: query.cursor }, query.minPosition));
    if (!wantsCsv(accept)) return page;
    return csvReply(reply, purchaseCsvRows(page.items), {
      columns: PURCHASE_CSV_COLUMNS,
      nextCursor: page.nextCursor,
      filename: `purchases-${id}.csv`,
    });
  }

  @Patch(':id/contact')
  async updateContact(
    @Id('id') id: string,
    @Body() dto: UpdateContactDetailsDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (Object.values(dto).every((value) => value === undefined)) {
      throw new ValidationFailedError([{ field: 'body', messages: ['give at least one of name, email, phone, company'] }]);
    }
    return this.respond(reply, await this.commands.execute(new UpdateContactDetailsCommand(id, dto, context)));
  }

  @Post(':id/convert')
  @HttpCode(200)
  async convert(
    @Id('id') id: string,
    @Body() _body: EmptyBodyDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.onCustomer(id, { type: 'ConvertProspect' }, context, reply);
  }

  @Post(':id/interactions')
  @HttpCode(201)
  async recordInteraction(
    @Id('id') id: string,
    @Body() dto: RecordInteractionDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const interactionId = this.newId(context, 'interaction');
    const data = { ...dto, interactionId, occurredAt: dto.occurredAt ?? this.clock.now().toISOString() };
    return this.onCustomer(id, { type: 'RecordInteraction', data }, context, reply, { interactionId });
  }

  @Post(':id/purchases')
  @HttpCode(201)
  async recordPurchase(
    @Id('id') id: string,
    @Body() dto: RecordPurchaseDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const purchaseId = dto.purchaseId ?? this.newId(context, 'purchase');
    const data = {
      purchaseId,
      lines: dto.lines.map(({ product, quantity, amount }) => ({ product, quantity, amount })),
      margin: dto.margin,
      currency: dto.currency,
      occurredAt: dto.occurredAt ?? this.clock.now().toISOString(),
    };
    return this.onCustomer(id, { type: 'RecordPurchase', data }, context, reply, { purchaseId });
  }

  @Post(':id/purchases/:purchaseId/refunds')
  @HttpCode(201)
  async refundPurchase(
    @Id('id') id: string,
    @Param('purchaseId') purchaseId: string,
    @Body() dto: RefundPurchaseDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const errors: { field: string; messages: string[] }[] = [];
    if (!PURCHASE_ID.test(purchaseId))
      errors.push({ field: 'purchaseId', messages: ['purchaseId must be 1-100 letters, digits or . _ : -'] });
    if (dto.lines !== undefined && dto.amount !== undefined)
      errors.push({ field: 'amount', messages: ['give either lines (the goods returned) or amount, not both'] });
    if (dto.lines === undefined && dto.amount === undefined)
      errors.push({ field: 'amount', messages: ['give lines (the goods returned) or amount (money only)'] });
    if (errors.length > 0) throw new ValidationFailedError(errors);
    const refundId = this.newId(context, 'refund');
    const data = {
      refundId,
      purchaseId,
      lines: (dto.lines ?? []).map(({ product, quantity, amount }) => ({ product, quantity, amount })),
      amount: dto.amount ?? null,
      currency: dto.currency ?? null,
      occurredAt: dto.occurredAt === undefined ? this.clock.now().toISOString() : new Date(dto.occurredAt).toISOString(),
    };
    return this.onCustomer(id, { type: 'RefundPurchase', data }, context, reply, { refundId });
  }

  @Post(':id/suggestions')
  @HttpCode(201)
  async suggest(
    @Id('id') id: string,
    @Body() dto: SuggestTransactionDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const suggestionId = this.newId(context, 'suggestion');
    const data = {
      suggestionId,
      product: dto.product,
      expectedValue: dto.expectedValue,
      currency: dto.currency,
      expiresAt: new Date(dto.expiresAt).toISOString(),
      ...(dto.probability === undefined ? {} : { probability: dto.probability }),
    };
    return this.onCustomer(id, { type: 'SuggestTransaction', data }, context, reply, { suggestionId });
  }

  @Post(':id/suggestions/:sid/accept')
  @HttpCode(200)
  async accept(
    @Id('id') id: string,
    @Id('sid') sid: string,
    @Body() _body: EmptyBodyDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.onCustomer(id, { type: 'AcceptSuggestion', data: { suggestionId: sid } }, context, reply);
  }

  @Post(':id/suggestions/:sid/decline')
  @HttpCode(200)
  async decline(
    @Id('id') id: string,
    @Id('sid') sid: string,
    @Body() dto: DeclineSuggestionDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.onCustomer(id, { type: 'DeclineSuggestion', data: { suggestionId: sid, reason: dto.reason ?? null } }, context, reply);
  }

  @Post(':id/referrals')
  @HttpCode(201)
  async refer(
    @Id('id') id: string,
    @Body() dto: RecordReferralDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.respond(reply, await this.commands.execute(new RecordReferralCommand(id, dto.referredCustomerId, context)));
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  async deactivate(
    @Id('id') id: string,
    @Body() dto: DeactivateCustomerDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.respond(reply, await this.commands.execute(new DeactivateCustomerCommand(id, dto.reason, context)));
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  async reactivate(
    @Id('id') id: string,
    @Body() _body: EmptyBodyDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.respond(reply, await this.commands.execute(new ReactivateCustomerCommand(id, context)));
  }

  /** The right to be forgotten: the customer's personal data is erased everywhere; the events stay for audit. */
  @Post(':id/forget')
  @HttpCode(200)
  async forget(
    @Id('id') id: string,
    @Body() _body: EmptyBodyDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.respond(reply, await this.commands.execute(new ForgetCustomerCommand(id, context)));
  }
}
