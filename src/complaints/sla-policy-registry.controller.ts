import { Body, Controller, Get, Put, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../shared/decider/command-context';
import { Ctx } from '../shared/http/command-context.decorator';
import { commandResult } from '../shared/http/command-response';
import { ComplaintStreams } from './complaint.streams';
import { PublishSlaPolicyDto } from './dto/sla-policy.dto';
import { CURRENT_SLA_POLICY_ID, policyInForce } from './sla-policy-registry';
import { GetCurrentSlaPolicyQuery } from './sla-policy-registry.handlers';

/** The SLA policy grading pins on complaints: read it, or publish its next version. */
@Controller('sla-policies')
export class SlaPoliciesController {
  constructor(
    private readonly queries: QueryBus,
    private readonly streams: ComplaintStreams,
  ) {}

  @Get('current')
  async current(@Res({ passthrough: true }) reply: FastifyReply) {
    const view = await this.queries.execute(new GetCurrentSlaPolicyQuery());
    if (view.revision !== null) void reply.header('ETag', `"${view.revision}"`);
    return view;
  }

  @Put('current')
  async publish(@Body() dto: PublishSlaPolicyDto, @Ctx() context: CommandContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const terms = {
      resolutionHours: { ...dto.resolutionHours },
      firstResponseHours: { ...dto.firstResponseHours },
      warningShare: dto.warningShare,
      clockStartsAt: dto.clockStartsAt,
      ...(dto.valueTiers
        ? {
            valueTiers: dto.valueTiers.map((t) => ({
              segment: t.segment,
              resolutionHours: t.resolutionHours,
              firstResponseHours: t.firstResponseHours ?? null,
            })),
          }
        : {}),
    };
    const outcome = await this.streams.slaPolicy.handle(
      CURRENT_SLA_POLICY_ID,
      { type: 'PublishSlaPolicy', data: { policyId: CURRENT_SLA_POLICY_ID, ...terms } },
      context,
    );
    const result = commandResult(CURRENT_SLA_POLICY_ID, outcome, { version: policyInForce(outcome.state).version });
    if (result.revision >= 0) void reply.header('ETag', `"${result.revision}"`);
    if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
    return result;
  }
}
