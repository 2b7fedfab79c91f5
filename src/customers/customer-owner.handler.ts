import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, type Clock } from '../shared/clock';
import type { CommandContext } from '../shared/decider/command-context';
import { CommandProcessor } from '../shared/decider/command-processor';
import type { CustomerCommandResult } from './customer-command.handlers';
import { customerOwnerDecider } from './customer-owner.decider';
import { customerOwnerStream } from './customer-owner.events';
import { customerDecider } from './customer.decider';
import { customerStream } from './customer.events';

/** POST /customers/:id/owner: assigns the customer's account manager, or hands them to another. */
export class AssignCustomerOwnerCommand extends Command<CustomerCommandResult> {
  constructor(
    readonly customerId: string,
    readonly owner: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(AssignCustomerOwnerCommand)
export class AssignCustomerOwnerHandler implements ICommandHandler<AssignCustomerOwnerCommand> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ customerId, owner, context }: AssignCustomerOwnerCommand): Promise<CustomerCommandResult> {
    const customer = (await this.processor.load(customerDecider, customerStream(customerId))).state;
    const customerActive = customer.status !== 'unknown' && !customer.forgotten;
    const outcome = await this.processor.handle({
      decider: customerOwnerDecider,
      streamName: customerOwnerStream(customerId),
      command: { type: 'AssignCustomerOwner', data: { customerId, owner, customerActive }, now: this.clock.now().toISOString() },
      context,
    });
    return {
      id: customerId,
      owner: outcome.state.owner,
      revision: Number(outcome.revision),
      position: outcome.position === null ? null : outcome.position.toString(),
      replayed: outcome.replayed,
    };
  }
}
