import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../shared/decider/command-context';
import { type CommandResult, commandResult, createdId } from '../shared/http/command-response';
import { ID_GENERATOR, type IdGenerator } from '../shared/ids';
import { Inject } from '@nestjs/common';
import type { CustomerCommand } from './customer.decider';
import { CustomerStreams } from './customer.streams';
import { EmailClaims, isActive } from './email-claims';

/*
 * The customer commands that touch more than the customer's own stream: an email claim, the other
 * customer of a referral. The commands on the customer's stream alone are sent by the controller
 * straight to the bound decider (CustomerStreams).
 */

// ------------------------------------------------------------------ messages (CommandBus)

export class RegisterCustomerCommand extends Command<CommandResult> {
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

export class UpdateContactDetailsCommand extends Command<CommandResult> {
  constructor(
    readonly customerId: string,
    readonly data: { name?: string; email?: string; phone?: string | null; company?: string | null },
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class RecordReferralCommand extends Command<CommandResult> {
  constructor(
    readonly customerId: string,
    readonly referredCustomerId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class DeactivateCustomerCommand extends Command<CommandResult> {
  constructor(
    readonly customerId: string,
    readonly reason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ReactivateCustomerCommand extends Command<CommandResult> {
  constructor(
    readonly customerId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

// ------------------------------------------------------------------ handlers (thin)

@CommandHandler(RegisterCustomerCommand)
export class RegisterCustomerHandler implements ICommandHandler<RegisterCustomerCommand> {
  constructor(
    private readonly streams: CustomerStreams,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    private readonly claims: EmailClaims,
  ) {}

  async execute({ data, context, customerId: chosenId }: RegisterCustomerCommand): Promise<CommandResult> {
    // With an Idempotency-Key the new id is derived from it, so a retry lands on the same customer.
    const customerId = chosenId ?? createdId(this.ids, context, 'customer');
    const referredBy = data.referredBy ?? null;
    const referrerExists = referredBy !== null && (await this.streams.customer.load(referredBy)).state.status !== 'unknown';
    const command = {
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
    } as const;
    // The customer's own rules first: a registration they refuse claims no email and appends nothing.
    await this.streams.customer.dryRun(customerId, command, context);
    const outcome = await this.claims.withClaim(data.email, customerId, context, () =>
      this.streams.customer.handle(customerId, command, context),
    );
    return commandResult(customerId, outcome);
  }
}

@CommandHandler(UpdateContactDetailsCommand)
export class UpdateContactDetailsHandler implements ICommandHandler<UpdateContactDetailsCommand> {
  constructor(
    private readonly streams: CustomerStreams,
    private readonly claims: EmailClaims,
  ) {}

  async execute({ customerId, data, context }: UpdateContactDetailsCommand): Promise<CommandResult> {
    const customers = this.streams.customer;
    const before = (await customers.load(customerId)).state;
    const oldEmail = before.contact?.email ?? null;
    const newEmail = data.email !== undefined && data.email !== oldEmail && isActive(before) ? data.email : null;
    const command = { type: 'UpdateContactDetails', data } as const;
    await customers.dryRun(customerId, command, context);
    const outcome = await this.claims.withClaim(newEmail, customerId, context, () => customers.handle(customerId, command, context));
    if (newEmail && oldEmail && !outcome.replayed && outcome.events.length > 0) await this.claims.release(oldEmail, customerId, context);
    return commandResult(customerId, outcome);
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
  constructor(private readonly streams: CustomerStreams) {}

  async execute({ customerId, referredCustomerId, context }: RecordReferralCommand): Promise<CommandResult> {
    const customers = this.streams.customer;
    const referred = (await customers.load(referredCustomerId)).state;
    const command = {
      type: 'RecordReferral',
      data: { referredCustomerId, referredExists: referred.status !== 'unknown', referredBy: referred.referredBy },
    } as const;
    await customers.dryRun(customerId, command, context);
    // If-Match names the referrer's revision, not the referred customer's.
    await customers.handle(
      referredCustomerId,
      { type: 'CreditReferrer', data: { referredBy: customerId } },
      { ...context, expectedRevision: undefined },
    );
    return commandResult(customerId, await customers.handle(customerId, command, context));
  }
}

@CommandHandler(DeactivateCustomerCommand)
export class DeactivateCustomerHandler implements ICommandHandler<DeactivateCustomerCommand> {
  constructor(
    private readonly streams: CustomerStreams,
    private readonly claims: EmailClaims,
  ) {}

  async execute({ customerId, reason, context }: DeactivateCustomerCommand): Promise<CommandResult> {
    const outcome = await this.streams.customer.handle(customerId, { type: 'DeactivateCustomer', data: { reason } }, context);
    // A churned customer's email becomes free for a new registration.
    const email = outcome.state.contact?.email;
    if (email && !outcome.replayed) await this.claims.release(email, customerId, context);
    return commandResult(customerId, outcome);
  }
}

@CommandHandler(ReactivateCustomerCommand)
export class ReactivateCustomerHandler implements ICommandHandler<ReactivateCustomerCommand> {
  constructor(
    private readonly streams: CustomerStreams,
    private readonly claims: EmailClaims,
  ) {}

  async execute({ customerId, context }: ReactivateCustomerCommand): Promise<CommandResult> {
    const customers = this.streams.customer;
    const current = (await customers.load(customerId)).state;
    // Only a deactivated customer reclaims the email; otherwise the decider refuses the command anyway.
    const email = current.status === 'deactivated' ? current.contact?.email : null;
    const command = { type: 'ReactivateCustomer' } as const;
    await customers.dryRun(customerId, command, context);
    const outcome = await this.claims.withClaim(email, customerId, context, () => customers.handle(customerId, command, context));
    return commandResult(customerId, outcome);
  }
}

export const CUSTOMER_COMMAND_HANDLERS = [
  RegisterCustomerHandler,
  UpdateContactDetailsHandler,
  RecordReferralHandler,
  DeactivateCustomerHandler,
  ReactivateCustomerHandler,
];
