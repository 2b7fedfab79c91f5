import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../shared/decider/command-context';
import { type CommandResult, commandResult } from '../shared/http/command-response';
import { Erasure } from '../shared/privacy/erasure';
import { ERASED } from '../shared/privacy/personal-data';
import { CustomerStreams } from './customer.streams';
import { EmailClaims } from './email-claims';

export interface ForgetCustomerResult extends CommandResult {
  /** False when a projection had not applied the erasure within the consistency timeout (it will). */
  readModelsUpdated: boolean;
}

/** POST /customers/:id/forget: the right to be forgotten (GDPR art. 17). */
export class ForgetCustomerCommand extends Command<ForgetCustomerResult> {
  constructor(
    readonly customerId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * Forgets a customer by crypto-shredding:
 * 1. CustomerForgotten is appended to the customer stream (refused for an unknown customer;
 *    nothing new for one already forgotten). From then on every command about them is refused.
 * 2. The email claim is released, so the address can be registered again (the email is read
 *    before the key goes: afterwards it reads as erased).
 * 3. The customer's data key is deleted (Erasure): their personal fields, in customer and complaint
 *    events alike, read as "[erased]"; the read models replace their copies (the customer-profile
 *    projection handles CustomerForgotten) and the embedded stores drop old page images.
 *
 * Each step is safe to repeat, so a forget that failed half-way is completed by sending it again.
 */
@CommandHandler(ForgetCustomerCommand)
export class ForgetCustomerHandler implements ICommandHandler<ForgetCustomerCommand> {
  constructor(
    private readonly streams: CustomerStreams,
    private readonly erasure: Erasure,
    private readonly claims: EmailClaims,
  ) {}

  async execute({ customerId, context }: ForgetCustomerCommand): Promise<ForgetCustomerResult> {
    const outcome = await this.streams.customer.handle(customerId, { type: 'ForgetCustomer' }, context);

    // The latest email, still readable: the key goes only after this.
    const email = outcome.state.contact?.email;
    if (email && email !== ERASED) await this.claims.release(email, customerId, context);

    const { readModelsUpdated } = await this.erasure.forgetSubject(customerId, outcome.position);
    return commandResult(customerId, outcome, { readModelsUpdated });
  }
}
