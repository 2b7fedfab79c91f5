import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import type { CommandContext } from '../shared/decider/command-context';
import { BusinessRuleViolation } from '../shared/errors/domain-errors';
import { type CommandOutcome, CommandProcessor } from '../shared/decider/command-processor';
import { deterministicUuid, ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { type DepartmentCommand, departmentDecider, departmentStream } from './department.decider';
import { normaliseDepartmentName } from './department-name-claim.decider';
import { DepartmentNameClaims } from './department-name-claims';
import { COMPLAINT_EVENT_TYPES } from '../complaints/complaint.events';
import { ValidationFailedError } from '../shared/errors/domain-errors';
import { WEBHOOK_EVENT_CATALOG, type WebhookEventCatalog } from '../shared/webhooks/webhook-events';
import { ALL_EVENT_TYPES, type WebhookFilter, type WebhookScope } from './department.events';
import { checkWebhookTarget, WebhookNetworkPolicy } from './webhook-network-policy';
import { WebhookSecrets } from './webhook-secrets';
import { generateWebhookSecret } from './webhook-signature';

/** What every department command answers: enough to read your own write (`?minPosition=`) and to send If-Match next. */
export interface DepartmentCommandResult {
  id: string;
  revision: number;
  position: string | null;
  /** True when the Idempotency-Key matched an earlier request: its outcome is returned, nothing appended. */
  replayed: boolean;
}

export interface WebhookSubscriptionResult extends DepartmentCommandResult {
  departmentId: string;
  url: string;
  eventTypes: string[];
  scope: WebhookScope;
  filter: WebhookFilter | null;
  /** Only when Relata generated the secret: shown in this response and never again. */
  secret?: string;
}

// ------------------------------------------------------------------ messages (CommandBus)

export class CreateDepartmentCommand extends Command<DepartmentCommandResult> {
  constructor(
    readonly data: { name: string; supervisorId?: string | null },
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class UpdateDepartmentCommand extends Command<DepartmentCommandResult> {
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

export class UnsubscribeWebhookCommand extends Command<DepartmentCommandResult> {
  constructor(
    readonly departmentId: string,
    readonly webhookId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

// ------------------------------------------------------------------ handlers (thin)

function result(id: string, outcome: CommandOutcome<unknown>): DepartmentCommandResult {
  return {
    id,
    revision: Number(outcome.revision),
    position: outcome.position === null ? null : outcome.position.toString(),
    replayed: outcome.replayed,
  };
}

/** Names are unique ignoring case and spaces: the name is claimed before the department is written. */
@CommandHandler(CreateDepartmentCommand)
export class CreateDepartmentHandler implements ICommandHandler<CreateDepartmentCommand> {
  private readonly names: DepartmentNameClaims;

  constructor(
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {
    this.names = new DepartmentNameClaims(processor);
  }

  async execute({ data, context: rawContext }: CreateDepartmentCommand): Promise<DepartmentCommandResult> {
    const context = this.processor.withCommandId(rawContext);
    const now = this.clock.now().toISOString();
    // With an Idempotency-Key the new id is derived from it, so a retry lands on the same department.
    const departmentId = context.idempotencyKey ? deterministicUuid(`department:${context.idempotencyKey}`) : this.ids.next();
    const streamName = departmentStream(departmentId);
    const command: DepartmentCommand = {
      type: 'CreateDepartment',
      data: { departmentId, name: data.name, supervisorId: data.supervisorId ?? null },
      now,
    };
    // Refused by the department's own rules: refused before the name is claimed, so nothing is appended.
    await this.processor.dryRun({ decider: departmentDecider, streamName, command, context });
    const outcome = await this.names.withClaim(data.name, departmentId, context, now, () =>
      this.processor.handle({ decider: departmentDecider, streamName, command, context }),
    );
    return result(departmentId, outcome);
  }
}

/** A rename claims the new name first and releases the old one once the department carries the new. */
@CommandHandler(UpdateDepartmentCommand)
export class UpdateDepartmentHandler implements ICommandHandler<UpdateDepartmentCommand> {
  private readonly names: DepartmentNameClaims;

  constructor(
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.names = new DepartmentNameClaims(processor);
  }

  async execute({ departmentId, data, context: rawContext }: UpdateDepartmentCommand): Promise<DepartmentCommandResult> {
    const context = this.processor.withCommandId(rawContext);
    const now = this.clock.now().toISOString();
    const streamName = departmentStream(departmentId);
    const before = (await this.processor.load(departmentDecider, streamName)).state;
    const command: DepartmentCommand = { type: 'UpdateDepartment', data, now };
    await this.processor.dryRun({ decider: departmentDecider, streamName, command, context });
    // Only another name needs a claim: "billing" -> "Billing" is the same name.
    const renamed =
      data.name !== undefined && before.name !== null && normaliseDepartmentName(data.name) !== normaliseDepartmentName(before.name);
    const outcome = await this.names.withClaim(renamed ? data.name! : null, departmentId, context, now, () =>
      this.processor.handle({ decider: departmentDecider, streamName, command, context }),
    );
    if (renamed && before.name !== null && !outcome.replayed && outcome.events.length > 0)
      await this.names.release(before.name, departmentId, context, now);
    return result(departmentId, outcome);
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
    private readonly processor: CommandProcessor,
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

  async execute({ departmentId, data, context: rawContext }: SubscribeWebhookCommand): Promise<WebhookSubscriptionResult> {
    this.checkEventTypes(data.eventTypes);
    const target = checkWebhookTarget(this.networkPolicy, data.url);
    if (!target.allowed) {
      throw new BusinessRuleViolation('WEBHOOK_TARGET_NOT_ALLOWED', `Webhooks may not be delivered to this address: ${target.reason}`, {
        reason: target.reason,
      });
    }
    const context = this.processor.withCommandId(rawContext);
    const now = this.clock.now().toISOString();
    const webhookId = context.idempotencyKey ? deterministicUuid(`webhook:${departmentId}:${context.idempotencyKey}`) : this.ids.next();
    // '*' covers the complaint event types only: the other features' types stay named.
    const eventTypes = data.eventTypes.includes(ALL_EVENT_TYPES)
      ? [ALL_EVENT_TYPES, ...data.eventTypes.filter((type) => this.catalog.sourceOf(type) !== undefined)]
      : data.eventTypes;
    const filter = data.filter && Object.values(data.filter).some((v) => v !== undefined) ? { ...data.filter } : null;
    const secretSource = data.secret === undefined ? 'generated' : 'provided';
    const command: DepartmentCommand = {
      type: 'SubscribeWebhook',
      data: { webhookId, url: data.url, eventTypes, scope: data.scope, secretSource, ...(filter ? { filter } : {}) },
      now,
    };
    const streamName = departmentStream(departmentId);
    await this.processor.dryRun({ decider: departmentDecider, streamName, command, context });
    const stored = await this.secrets.put(webhookId, departmentId, data.secret ?? generateWebhookSecret(), now);
    let outcome: CommandOutcome<unknown>;
    try {
      outcome = await this.processor.handle({ decider: departmentDecider, streamName, command, context });
    } catch (error) {
      if (stored.created) await this.secrets.delete(webhookId);
      throw error;
    }
    return {
      ...result(webhookId, outcome),
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
    private readonly processor: CommandProcessor,
    private readonly secrets: WebhookSecrets,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ departmentId, webhookId, context }: UnsubscribeWebhookCommand): Promise<DepartmentCommandResult> {
    const outcome = await this.processor.handle({
      decider: departmentDecider,
      streamName: departmentStream(departmentId),
      command: { type: 'UnsubscribeWebhook', data: { webhookId }, now: this.clock.now().toISOString() },
      context,
    });
    // Nothing may be signed with it any more: its pending deliveries are cancelled by the dispatcher.
    await this.secrets.delete(webhookId);
    return result(webhookId, outcome);
  }
}

export const DEPARTMENT_COMMAND_HANDLERS = [
  CreateDepartmentHandler,
  UpdateDepartmentHandler,
  SubscribeWebhookHandler,
  UnsubscribeWebhookHandler,
];
