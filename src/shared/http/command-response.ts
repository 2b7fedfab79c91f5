import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../decider/command-context';
import type { CommandOutcome } from '../decider/command-processor';
import { deterministicUuid, type IdGenerator } from '../ids';

/** What every command answers: enough to read one's own write (?minPosition=) and to send If-Match next. */
export interface CommandResultHeaders {
  revision: number;
  replayed: boolean;
}

/** What a command on one stream answers: enough to read one's own write (`?minPosition=`) and to send If-Match next. */
export interface CommandResult extends CommandResultHeaders {
  /** The stream's entity (or what the command created, e.g. a webhook). */
  id: string;
  position: string | null;
  /** True when the Idempotency-Key matched an earlier request: its outcome is returned, nothing appended. */
  replayed: boolean;
}

/** The one mapping from a command's outcome to its answer; `extra`: ids of what it created, or other fields it answers with. */
export function commandResult<Extra extends object = Record<never, never>>(
  id: string,
  outcome: CommandOutcome<unknown>,
  extra?: Extra,
): CommandResult & Extra {
  return {
    id,
    ...(extra as Extra),
    revision: Number(outcome.revision),
    position: outcome.position === null ? null : outcome.position.toString(),
    replayed: outcome.replayed,
  };
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
