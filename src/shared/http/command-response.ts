import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../decider/command-context';
import { deterministicUuid, type IdGenerator } from '../ids';

/** What every command answers: enough to read one's own write (?minPosition=) and to send If-Match next. */
export interface CommandResultHeaders {
  revision: number;
  replayed: boolean;
}

/** Sets the ETag (the stream revision) and marks an idempotent replay; returns the result as the body. */
export function sendCommandResult<R extends CommandResultHeaders>(reply: FastifyReply, result: R): R {
  void reply.header('ETag', `"${result.revision}"`);
  if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
  return result;
}

/** Id of something a command creates: derived from the Idempotency-Key when there is one, so a retry creates nothing new. */
export function createdId(ids: IdGenerator, context: CommandContext, kind: string): string {
  return context.idempotencyKey ? deterministicUuid(`${kind}:${context.idempotencyKey}`) : ids.next();
}
