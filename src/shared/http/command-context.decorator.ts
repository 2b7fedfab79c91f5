import { createParamDecorator, type ExecutionContext, Injectable, type PipeTransform } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CommandContext } from '../decider/command-context';
import { CommandProcessor } from '../decider/command-processor';
import { ValidationFailedError } from '../errors/domain-errors';
import { deterministicUuid } from '../ids';
import { declareFieldNames } from './declared-fields';
import { requestFingerprint } from './request-fingerprint';

// Checked here rather than in a DTO: the rejection log may keep these names (declared-fields.ts).
declareFieldNames('Idempotency-Key', 'If-Match');

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
const REVISION = /^(?:W\/)?"?(\d{1,18})"?$/;

/**
 * What an unauthenticated request is recorded as: under a reserved prefix, so no JWT subject can
 * pass for it (nor for the plain "anonymous" of events recorded before authentication existed).
 */
export const ANONYMOUS_ACTOR = 'system:anonymous';

/** The subject that authentication put on the request; ANONYMOUS_ACTOR until then. */
export function actorOf(request: FastifyRequest): string {
  const subject = (request as FastifyRequest & { subject?: string }).subject;
  return typeof subject === 'string' && subject.length > 0 ? subject : ANONYMOUS_ACTOR;
}

/** Reads the command context from the request headers; malformed headers are a 400. */
export function commandContextFrom(request: FastifyRequest): CommandContext {
  const headers = request.headers;
  const errors: { field: string; messages: string[] }[] = [];

  const rawKey = headers['idempotency-key'];
  let idempotencyKey: string | undefined;
  if (rawKey !== undefined) {
    if (typeof rawKey === 'string' && IDEMPOTENCY_KEY.test(rawKey)) idempotencyKey = rawKey;
    else errors.push({ field: 'Idempotency-Key', messages: ['must be 1 to 200 visible ASCII characters'] });
  }

  const rawMatch = headers['if-match'];
  let expectedRevision: bigint | undefined;
  if (rawMatch !== undefined) {
    const match = typeof rawMatch === 'string' ? REVISION.exec(rawMatch.trim()) : null;
    if (match) expectedRevision = BigInt(match[1]);
    else errors.push({ field: 'If-Match', messages: ['must be the resource revision from its ETag, e.g. "3"'] });
  }
  if (errors.length > 0) throw new ValidationFailedError(errors, 'Invalid request headers');

  return {
    actor: actorOf(request),
    correlationId: correlationIdOf(request),
    // A retried request keeps its command id, so the replayed events' causation is the same.
    commandId: idempotencyKey ? deterministicUuid(`command:${idempotencyKey}`) : '',
    idempotencyKey,
    requestHash: idempotencyKey ? (requestFingerprint(request, idempotencyKey) ?? undefined) : undefined,
    expectedRevision,
  };
}

/** Set by the onRequest hook in http-app.ts (generated when the client sent none or a bad one). */
export function correlationIdOf(request: FastifyRequest): string {
  const value = request.headers['x-correlation-id'];
  return typeof value === 'string' ? value : '';
}

const CommandContextParam = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext =>
  commandContextFrom(context.switchToHttp().getRequest<FastifyRequest>()),
);

/**
 * Gives a request without an Idempotency-Key its command id once, before any handler runs: every
 * stream the request writes (a claim and the entity, say) records it as the events' causationId.
 */
@Injectable()
export class CommandIdPipe implements PipeTransform<CommandContext, CommandContext> {
  constructor(private readonly processor: CommandProcessor) {}

  transform(context: CommandContext): CommandContext {
    return this.processor.withCommandId(context);
  }
}

/** `@Ctx() ctx: CommandContext` in a controller method. */
export const Ctx = (): ParameterDecorator => CommandContextParam(CommandIdPipe);
