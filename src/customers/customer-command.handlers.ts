import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import type { CommandContext } from '../shared/decider/command-context';
import { type CommandOutcome, CommandProcessor } from '../shared/decider/command-processor';
import { deterministicUuid, ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { type CustomerCommand, customerDecider } from './customer.decider';
import { customerStream } from './customer.events';
import { EmailClaims, isActive } from './email-claims';

/** What every customer command answers: enough to read your own write (`?minPosition=`) and to send If-Match next. */
export interface CustomerCommandResult {
  id: string;
  revision: number;
  position: string | null;
  /** True when the Idempotency-Key matched an earlier request: its outcome is returned, nothing appended. */
  replayed: boolean;
  /** Ids of what the command created inside the customer (interaction, purchase, suggestion). */
  [createdId: string]: unknown;
}

type WithoutNow<C> = C extends unknown ? Omit<C, 'now'> : never;
export type CustomerCommandInput = WithoutNow<
  Exclude<
    CustomerCommand,
    { type: 'RegisterCustomer' | 'RecordReferral' | 'UpdateContactDetails' | 'DeactivateCustomer' | 'ReactivateCustomer' }
  >
>;

// ------------------------------------------------------------------ messages (CommandBus)

export class RegisterCustomerCommand extends Command<CustomerCommandResult> {
  constructor(
    readonly data: {
      kind: 'prospect' | 'customer';
      name: string;
      email?: string;
      phone?: string;
      company?: string;
      acquisitionChannel: Extract<CustomerCommand, { type: 'RegisterCustomer' }>['data']['acquisitionChannel'];
      referredBy?: string;
      customerSince?: string;
      source?: { system: string; id: string };
    },
    readonly context: CommandContext,
    /** A customer id chosen by the caller (upsert by source id); otherwise derived or generated. */
    readonly customerId?: string,
  ) {
    super();
  }
}

export class UpdateContactDetailsCommand extends Command<CustomerCommandResult> {
  constructor(
    readonly customerId: string,
    readonly data: { name?: string; email?: string; phone?: string | null; company?: string | null },
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class RecordReferralCommand extends Command<CustomerCommandResult> {
  constructor(
    readonly customerId: string,
    readonly referredCustomerId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class DeactivateCustomerCommand extends Command<CustomerCommandResult> {
  constructor(
    readonly customerId: string,
    readonly reason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ReactivateCustomerCommand extends Command<CustomerCommandResult> {
  constructor(
    readonly customerId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** The commands with no cross-stream work: convert, interaction, purchase, suggestion accept/decline. */
export class ExecuteCustomerCommand extends Command<CustomerCommandResult> {
  constructor(
    readonly customerId: string,
    readonly command: CustomerCommandInput,
    readonly context: CommandContext,
    /** Ids of created things to echo back, e.g. { purchaseId }. */
    readonly created: Record<string, string> = {},
  ) {
    super();
  }
}

// ------------------------------------------------------------------ shared plumbing

function result(id: string, outcome: CommandOutcome<unknown>, created: Record<string, string> = {}): CustomerCommandResult {
  return {
    id,
    revision: Number(outcome.revision),
    position: outcome.position === null ? null : outcome.position.toString(),
    replayed: outcome.replayed,
    ...created,
  };
}

// ------------------------------------------------------------------ handlers (thin)

@CommandHandler(RegisterCustomerCommand)
export class RegisterCustomerHandler implements ICommandHandler<RegisterCustomerCommand> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    private readonly claims: EmailClaims,
  ) {}

  async execute({ data, context: rawContext, customerId: chosenId }: RegisterCustomerCommand): Promise<CustomerCommandResult> {
    const context = this.processor.withCommandId(rawContext);
    const now = this.clock.now().toISOString();
    // With an Idempotency-Key the new id is derived from it, so a retry lands on the same customer.
    const customerId = chosenId ?? (context.idempotencyKey ? deterministicUuid(`customer:${context.idempotencyKey}`) : this.ids.next());
    const referredBy = data.referredBy ?? null;
    const referrerExists =
      referredBy !== null && (await this.processor.load(customerDecider, customerStream(referredBy))).state.status !== 'unknown';
    const command: CustomerCommand = {
      type: 'RegisterCustomer',
      data: {
        customerId,
        kind: data.kind,
        name: data.name,
        email: data.email ?? null,
        phone: data.phone ?? null,
        company: data.company ?? null,
        acquisitionChannel: data.acquisitionChannel,
        referredBy,
        referrerExists,
        ...(data.customerSince !== undefined ? { customerSince: new Date(data.customerSince).toISOString() } : {}),
        source: data.source ? { system: data.source.system, id: data.source.id } : null,
      },
      now,
    };
    const streamName = customerStream(customerId);
    await this.claims.precheck(streamName, command, context);
    const outcome = await this.claims.withClaim(data.email, customerId, context, now, () =>
      this.processor.handle({ decider: customerDecider, streamName, command, context }),
    );
    return result(customerId, outcome);
  }
}

@CommandHandler(UpdateContactDetailsCommand)
export class UpdateContactDetailsHandler implements ICommandHandler<UpdateContactDetailsCommand> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly claims: EmailClaims,
  ) {}

  async execute({ customerId, data, context: rawContext }: UpdateContactDetailsCommand): Promise<CustomerCommandResult> {
    const context = this.processor.withCommandId(rawContext);
    const now = this.clock.now().toISOString();
    const before = (await this.processor.load(customerDecider, customerStream(customerId))).state;
    const oldEmail = before.contact?.email ?? null;
    const newEmail = data.email !== undefined && data.email !== oldEmail && isActive(before) ? data.email : null;
    const command: CustomerCommand = { type: 'UpdateContactDetails', data, now };
    await this.claims.precheck(customerStream(customerId), command, context);
    const outcome = await this.claims.withClaim(newEmail, customerId, context, now, () =>
      this.processor.handle({ decider: customerDecider, streamName: customerStream(customerId), command, context }),
    );
    if (newEmail && oldEmail && !outcome.replayed && outcome.events.length > 0)
      await this.claims.release(oldEmail, customerId, context, now);
    return result(customerId, outcome);
  }
}

/**
 * A referral touches two streams: the referred customer's (who referred them: at most one) and the
 * referrer's (whom they referred). The referrer's rules are checked first without appending; then
 * the credit is appended on the referred stream, which serialises two referrers racing for one
 * customer; then the referral on the referrer's stream. Should the last append fail, the credit
 * stands (the profiles already show it) and a retry of the same referral completes it.
 */
@CommandHandler(RecordReferralCommand)
export class RecordReferralHandler implements ICommandHandler<RecordReferralCommand> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ customerId, referredCustomerId, context: rawContext }: RecordReferralCommand): Promise<CustomerCommandResult> {
    const context = this.processor.withCommandId(rawContext);
    const now = this.clock.now().toISOString();
    const referred = (await this.processor.load(customerDecider, customerStream(referredCustomerId))).state;
    const referrerStream = customerStream(customerId);
    const command: CustomerCommand = {
      type: 'RecordReferral',
      data: { referredCustomerId, referredExists: referred.status !== 'unknown', referredBy: referred.referredBy },
      now,
    };
    await this.processor.dryRun({ decider: customerDecider, streamName: referrerStream, command, context });
    await this.processor.handle({
      decider: customerDecider,
      streamName: customerStream(referredCustomerId),
      command: { type: 'CreditReferrer', data: { referredBy: customerId }, now },
      // If-Match names the referrer's revision, not the referred customer's.
      context: { ...context, expectedRevision: undefined },
    });
    const outcome = await this.processor.handle({ decider: customerDecider, streamName: referrerStream, command, context });
    return result(customerId, outcome);
  }
}

@CommandHandler(DeactivateCustomerCommand)
export class DeactivateCustomerHandler implements ICommandHandler<DeactivateCustomerCommand> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly claims: EmailClaims,
  ) {}

  async execute({ customerId, reason, context: rawContext }: DeactivateCustomerCommand): Promise<CustomerCommandResult> {
    const context = this.processor.withCommandId(rawContext);
    const now = this.clock.now().toISOString();
    const outcome = await this.processor.handle({
      decider: customerDecider,
      streamName: customerStream(customerId),
      command: { type: 'DeactivateCustomer', data: { reason }, now },
      context,
    });
    // A churned customer's email becomes free for a new registration.
    const email = outcome.state.contact?.email;
    if (email && !outcome.replayed) await this.claims.release(email, customerId, context, now);
    return result(customerId, outcome);
  }
}

@CommandHandler(ReactivateCustomerCommand)
export class ReactivateCustomerHandler implements ICommandHandler<ReactivateCustomerCommand> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly claims: EmailClaims,
  ) {}

  async execute({ customerId, context: rawContext }: ReactivateCustomerCommand): Promise<CustomerCommandResult> {
    const context = this.processor.withCommandId(rawContext);
    const now = this.clock.now().toISOString();
    const current = (await this.processor.load(customerDecider, customerStream(customerId))).state;
    // Only a deactivated customer reclaims the email; otherwise the decider refuses the command anyway.
    const email = current.status === 'deactivated' ? current.contact?.email : null;
    const command: CustomerCommand = { type: 'ReactivateCustomer', now };
    await this.claims.precheck(customerStream(customerId), command, context);
    const outcome = await this.claims.withClaim(email, customerId, context, now, () =>
      this.processor.handle({ decider: customerDecider, streamName: customerStream(customerId), command, context }),
    );
    return result(customerId, outcome);
  }
}

@CommandHandler(ExecuteCustomerCommand)
export class ExecuteCustomerCommandHandler implements ICommandHandler<ExecuteCustomerCommand> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ customerId, command, context, created }: ExecuteCustomerCommand): Promise<CustomerCommandResult> {
    const outcome = await this.processor.handle({
      decider: customerDecider,
      streamName: customerStream(customerId),
      command: { ...command, now: this.clock.now().toISOString() } as CustomerCommand,
      context,
    });
    return result(customerId, outcome, created);
  }
}

export const CUSTOMER_COMMAND_HANDLERS = [
  RegisterCustomerHandler,
  UpdateContactDetailsHandler,
  RecordReferralHandler,
  DeactivateCustomerHandler,
  ReactivateCustomerHandler,
  ExecuteCustomerCommandHandler,
];
