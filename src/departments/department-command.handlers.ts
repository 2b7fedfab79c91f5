import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import type { CommandContext } from '../shared/decider/command-context';
import { BusinessRuleViolation } from '../shared/errors/domain-errors';
import { type CommandOutcome, CommandProcessor } from '../shared/decider/command-processor';
import { type CommandResult, commandResult, createdId } from '../shared/http/command-response';
import { deterministicUuid, ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { DepartmentStreams } from './department.streams';
import { normaliseDepartmentName } from './department-name-claim.decider';
import { DepartmentNameClaims } from './department-name-claims';
import { COMPLAINT_EVENT_TYPES } from '../complaints/complaint.events';
import { ValidationFailedError } from '../shared/errors/domain-errors';
import { WEBHOOK_EVENT_CATALOG, type WebhookEventCatalog } from '../shared/webhooks/webhook-events';
import { ALL_EVENT_TYPES, type WebhookFilter, type WebhookScope } from './department.events';
import { checkWebhookTarget, WebhookNetworkPolicy } from './webhook-network-policy';
import { WebhookSecrets } from './webhook-secrets';
import { generateWebhookSecret } from './webhook-signature';

/*
 * Every department command touches more than the department's stream (a name claim, the webhook
 * secrets), so each has its handler; they call the bound department decider (DepartmentStreams).
 */

export interface WebhookSubscriptionResult extends CommandResult {
  departmentId: string;
  url: string;
  eventTypes: string[];
  scope: WebhookScope;
  filter: WebhookFilter | null;
  /** Only when Relata generated the secret: shown in this response and never again. */
  secret?: string;
}

// ------------------------------------------------------------------ messages (CommandBus)

export class CreateDepartmentCommand extends Command<CommandResult> {
  constructor(
    readonly data: { name: string; supervisorId?: string | null },
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class UpdateDepartmentCommand extends Command<CommandResult> {
  constructor(
    readonly departmentId: string,
    readonly data: { name?: string; supervisorId?: string | null },
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class SubscribeWebhookCommand extends Command<WebhookSubscriptionResult> {
  constructor(
    readonly departmentId: string,
    readonly data: { url: string; eventTypes: string[]; scope: WebhookScope; secret?: string; filter?: WebhookFilter },
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class UnsubscribeWebhookCommand extends Command<CommandResult> {
  constructor(
    readonly departmentId: string,
    readonly webhookId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

// ------------------------------------------------------------------ handlers (thin)

/** Names are unique ignoring case and spaces: the name is claimed before the department is written. */
@CommandHandler(CreateDepartmentCommand)
export class CreateDepartmentHandler implements ICommandHandler<CreateDepartmentCommand> {
  private readonly names: DepartmentNameClaims;

  constructor(
    processor: CommandProcessor,
    private readonly streams: DepartmentStreams,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {
    this.names = new DepartmentNameClaims(processor);
  }

  async execute({ data, context }: CreateDepartmentCommand): Promise<CommandResult> {
    const departments = this.streams.department;
    // With an Idempotency-Key the new id is derived from it, so a retry lands on the same department.
    const departmentId = createdId(this.ids, context, 'department');
    const command = {
      type: 'CreateDepartment',
      data: { departmentId, name: data.name, supervisorId: data.supervisorId ?? null },
    } as const;
    // Refused by the department's own rules: refused before the name is claimed, so nothing is appended.
    await departments.dryRun(departmentId, command, context);
    const outcome = await this.names.withClaim(data.name, departmentId, context, () => departments.handle(departmentId, command, context));
    return commandResult(departmentId, outcome);
  }
}

/** A rename claims the new name first and releases the old one once the department carries the new. */
@CommandHandler(UpdateDepartmentCommand)
export class UpdateDepartmentHandler implements ICommandHandler<UpdateDepartmentCommand> {
  private readonly names: DepartmentNameClaims;

  constructor(
    processor: CommandProcessor,
    private readonly streams: DepartmentStreams,
  ) {
    this.names = new DepartmentNameClaims(processor);
  }

  async execute({ departmentId, data, context }: UpdateDepartmentCommand): Promise<CommandResult> {
    const departments = this.streams.department;
    const before = (await departments.load(departmentId)).state;
    const command = { type: 'UpdateDepartment', data } as const;
    await departments.dryRun(departmentId, command, context);
    // Only another name needs a claim: "billing" -> "Billing" is the same name.
    const renamed =
      data.name !== undefined && before.name !== null && normaliseDepartmentName(data.name) !== normaliseDepartmentName(before.name);
    const outcome = await this.names.withClaim(renamed ? data.name! : null, departmentId, context, () =>
      departments.handle(departmentId, command, context),
    );
    if (renamed && before.name !== null && !outcome.replayed && outcome.events.length > 0)
      await this.names.release(before.name, departmentId, context);
    return commandResult(departmentId, outcome);
  }
}

/**
 * Subscribing stores the secret outside the event log (see webhook-secrets.ts): the command is
 * decided first without appending, so a refused request stores nothing either; a secret stored for
 * a subscription that then fails is removed again.
 */
@CommandHandler(SubscribeWebhookCommand)
export class SubscribeWebhookHandler implements ICommandHandler<SubscribeWebhookCommand> {
  constructor(
    private readonly streams: DepartmentStreams,
    private readonly secrets: WebhookSecrets,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    private readonly networkPolicy: WebhookNetworkPolicy,
    @Inject(WEBHOOK_EVENT_CATALOG) private readonly catalog: WebhookEventCatalog,
  ) {}

  /** '*' and complaint event types, and the types other features publish. */
  private checkEventTypes(eventTypes: readonly string[]): void {
    const known = new Set<string>([ALL_EVENT_TYPES, ...COMPLAINT_EVENT_TYPES, ...this.catalog.eventTypes]);
    const unknown = eventTypes.filter((type) => !known.has(type));
    if (unknown.length > 0) {
      throw new ValidationFailedError([
        { field: 'eventTypes', messages: [`unknown event types: ${unknown.join(', ')}; known: ${[...known].join(', ')}`] },
      ]);
    }
  }

  async execute({ departmentId, data, context }: SubscribeWebhookCommand): Promise<WebhookSubscriptionResult> {
    this.checkEventTypes(data.eventTypes);
    const target = checkWebhookTarget(this.networkPolicy, data.url);
    if (!target.allowed) {
      throw new BusinessRuleViolation('WEBHOOK_TARGET_NOT_ALLOWED', `Webhooks may not be delivered to this address: ${target.reason}`, {
        reason: target.reason,
      });
    }
    const webhookId = context.idempotencyKey ? deterministicUuid(`webhook:${departmentId}:${context.idempotencyKey}`) : this.ids.next();
    // '*' covers the complaint event types only: the other features' types stay named.
    const eventTypes = data.eventTypes.includes(ALL_EVENT_TYPES)
      ? [ALL_EVENT_TYPES, ...data.eventTypes.filter((type) => this.catalog.sourceOf(type) !== undefined)]
      : data.eventTypes;
    const filter = data.filter && Object.values(data.filter).some((v) => v !== undefined) ? { ...data.filter } : null;
    const secretSource = data.secret === undefined ? 'generated' : 'provided';
    const command = {
      type: 'SubscribeWebhook',
      data: { webhookId, url: data.url, eventTypes, scope: data.scope, secretSource, ...(filter ? { filter } : {}) },
    } as const;
    const departments = this.streams.department;
    await departments.dryRun(departmentId, command, context);
    // The secret store dates its entries (record time): it is not a stream.
    const stored = await this.secrets.put(webhookId, departmentId, data.secret ?? generateWebhookSecret(), this.clock.now().toISOString());
    let outcome: CommandOutcome<unknown>;
    try {
      outcome = await departments.handle(departmentId, command, context);
    } catch (error) {
      if (stored.created) await this.secrets.delete(webhookId);
      throw error;
    }
    return {
      ...commandResult(webhookId, outcome),
      departmentId,
      url: data.url,
      eventTypes: [...new Set(eventTypes)],
      scope: data.scope,
      filter,
      ...(secretSource === 'generated' ? { secret: stored.secret } : {}),
    };
  }
}

@CommandHandler(UnsubscribeWebhookCommand)
export class UnsubscribeWebhookHandler implements ICommandHandler<UnsubscribeWebhookCommand> {
  constructor(
    private readonly streams: DepartmentStreams,
    private readonly secrets: WebhookSecrets,
  ) {}

  async execute({ departmentId, webhookId, context }: UnsubscribeWebhookCommand): Promise<CommandResult> {
    const outcome = await this.streams.department.handle(departmentId, { type: 'UnsubscribeWebhook', data: { webhookId } }, context);
    // Nothing may be signed with it any more: its pending deliveries are cancelled by the dispatcher.
    await this.secrets.delete(webhookId);
    return commandResult(webhookId, outcome);
  }
}

export const DEPARTMENT_COMMAND_HANDLERS = [
  CreateDepartmentHandler,
  UpdateDepartmentHandler,
  SubscribeWebhookHandler,
  UnsubscribeWebhookHandler,
];
