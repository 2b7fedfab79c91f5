import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../shared/decider/command-context';
import { type CommandResult, commandResult } from '../shared/http/command-response';
import { CustomerStreams } from './customer.streams';

/** POST /customers/:id/owner: assigns the customer's account manager, or hands them to another. */
export class AssignCustomerOwnerCommand extends Command<CommandResult & { owner: string | null }> {
  constructor(
    readonly customerId: string,
    readonly owner: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** The owner stream is told whether the customer (another stream) can still be given one. */
@CommandHandler(AssignCustomerOwnerCommand)
export class AssignCustomerOwnerHandler implements ICommandHandler<AssignCustomerOwnerCommand> {
  constructor(private readonly streams: CustomerStreams) {}

  async execute({ customerId, owner, context }: AssignCustomerOwnerCommand): Promise<CommandResult & { owner: string | null }> {
    const customer = (await this.streams.customer.load(customerId)).state;
    const customerActive = customer.status !== 'unknown' && !customer.forgotten;
    const outcome = await this.streams.owner.handle(
      customerId,
      { type: 'AssignCustomerOwner', data: { customerId, owner, customerActive } },
      context,
    );
    return commandResult(customerId, outcome, { owner: outcome.state.owner });
  }
}
