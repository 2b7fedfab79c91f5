import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../shared/decider/command-context';
import { Ctx } from '../shared/http/command-context.decorator';
import { sendCommandResult } from '../shared/http/command-response';
import { UuidParam as Id } from '../shared/http/uuid-param';
import { AssignCustomerOwnerCommand } from './customer-owner.handler';
import { AssignCustomerOwnerDto } from './dto/customer-owner.dto';

/** The customer's account manager: the profile (GET /customers/:id) shows the current one and the history. */
@Controller('customers')
export class CustomerOwnersController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/owner')
  @HttpCode(200)
  async assign(
    @Id('id') id: string,
    @Body() dto: AssignCustomerOwnerDto,
    @Ctx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendCommandResult(reply, await this.commands.execute(new AssignCustomerOwnerCommand(id, dto.owner, context)));
  }
}
