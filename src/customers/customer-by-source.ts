import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../shared/decider/command-context';
import { BusinessRuleViolation } from '../shared/errors/domain-errors';
import type { CommandResult } from '../shared/http/command-response';
import { deterministicUuid } from '../shared/ids';
import { RegisterCustomerCommand, UpdateContactDetailsCommand } from './customer-command.handlers';
import type { AcquisitionChannel, CustomerKind } from './customer.events';
import { CustomerStreams } from './customer.streams';

/**
 * The id of the customer another system knows as `sourceId`. Name-based, so the same source id
 * always addresses the same customer, on every instance and after a restore; it follows the
 * importers' convention (`import:<kind>:customer:<key>`, importers/deterministic-ids.ts), so a
 * customer imported from a CDNOW file is the one `PUT /customers/by-source/cdnow/<id>` updates.
 */
export const sourceCustomerId = (source: string, sourceId: string): string => deterministicUuid(`import:${source}:customer:${sourceId}`);

export interface UpsertCustomerData {
  name: string;
  email?: string;
  phone?: string | null;
  company?: string | null;
  /** Only when the customer is created. */
  kind: CustomerKind;
  /** Only when the customer is created. */
  acquisitionChannel: AcquisitionChannel;
}

export interface UpsertCustomerResult extends CommandResult {
  /** True when this request registered the customer (201), false when it updated or found them unchanged (200). */
  created: boolean;
}

export class UpsertCustomerBySourceCommand extends Command<UpsertCustomerResult> {
  constructor(
    readonly source: string,
    readonly sourceId: string,
    readonly data: UpsertCustomerData,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * Registers the customer when the source id is new, else updates the contact details given (the
 * same body again changes nothing and appends nothing). Both paths are the single-call commands,
 * so the email claim, the refusals and idempotency are theirs.
 */
@CommandHandler(UpsertCustomerBySourceCommand)
export class UpsertCustomerBySourceHandler implements ICommandHandler<UpsertCustomerBySourceCommand> {
  constructor(
    private readonly streams: CustomerStreams,
    private readonly commands: CommandBus,
  ) {}

  async execute({ source, sourceId, data, context }: UpsertCustomerBySourceCommand): Promise<UpsertCustomerResult> {
    const customerId = sourceCustomerId(source, sourceId);
    const { state } = await this.streams.customer.load(customerId);
    if (state.status === 'unknown') {
      const { name, email, phone, company, kind, acquisitionChannel } = data;
      const registration = { name, kind, acquisitionChannel, email, phone: phone ?? undefined, company: company ?? undefined };
      try {
        const registered = await this.commands.execute(new RegisterCustomerCommand(registration, context, customerId));
        return { ...registered, created: !registered.replayed };
      } catch (error) {
        // Registered meanwhile by a concurrent upsert of the same source id: update instead.
        if (!(error instanceof BusinessRuleViolation && error.code === 'CUSTOMER_ALREADY_EXISTS')) throw error;
      }
    }
    const { name, email, phone, company } = data;
    const updated = await this.commands.execute(new UpdateContactDetailsCommand(customerId, { name, email, phone, company }, context));
    return { ...updated, created: false };
  }
}
