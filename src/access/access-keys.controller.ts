import { Body, Controller, Get, HttpCode, Inject, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CLOCK, type Clock } from '../shared/clock';
import type { CommandContext } from '../shared/decider/command-context';
import { ValidationFailedError } from '../shared/errors/domain-errors';
import { Ctx } from '../shared/http/command-context.decorator';
import { EmptyBodyDto } from '../shared/http/validation';
import { AccessKeyStore } from './access-key-store';
import { CreateAccessKeyDto } from './dto/access-key.dto';
import { UuidParam as Id } from '../shared/http/uuid-param';

/** API keys: created (the key is in that one response only), listed without secrets, revoked. Admins only (route-permissions.ts). */
@Controller('admin/keys')
export class AccessKeysController {
  constructor(
    private readonly keys: AccessKeyStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Body() dto: CreateAccessKeyDto, @Ctx() context: CommandContext, @Res({ passthrough: true }) reply: FastifyReply) {
    let expiresAt: string | null = null;
    if (dto.expiresAt !== undefined) {
      const at = new Date(dto.expiresAt);
      if (at.getTime() <= this.clock.now().getTime())
        throw new ValidationFailedError([{ field: 'expiresAt', messages: ['expiresAt must be in the future'] }]);
      expiresAt = at.toISOString();
    }
    const { replayed, ...created } = await this.keys.create(
      { name: dto.name, roles: dto.roles, pii: dto.pii ?? false, expiresAt },
      context,
    );
    void reply.header('Cache-Control', 'no-store');
    if (replayed) void reply.header('Idempotent-Replayed', 'true');
    return created;
  }

  @Get()
  async list() {
    return { items: await this.keys.list() };
  }

  @Post(':id/revoke')
  @HttpCode(200)
  async revoke(@Id('id') id: string, @Body() _body: EmptyBodyDto, @Ctx() context: CommandContext) {
    return this.keys.revoke(id, context);
  }
}
