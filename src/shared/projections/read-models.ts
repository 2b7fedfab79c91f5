import { Inject, Injectable } from '@nestjs/common';
import { type KernelConfig, RELATA_CONFIG } from '../settings';
import { NotCaughtUpError, ValidationFailedError } from '../errors/domain-errors';
import { parsePosition, type Position } from '../event-store/event-store.port';
import type { Collection, Document } from '../read-store/read-store.port';
import { ProjectionRunner } from './projection-runner';

/**
 * How query handlers reach read models: the active generation of a projection's collection,
 * after (optionally) waiting until the projection has passed a position the client saw in a
 * command response (read-your-writes).
 */
@Injectable()
export class ReadModels {
  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(RELATA_CONFIG) private readonly config: KernelConfig,
  ) {}

  collection<T extends Document>(projection: string, logical: string): Collection<T> {
    return this.runner.collection<T>(projection, logical);
  }

  /** Waits (bounded) until the projection has processed minPosition; 503 with Retry-After otherwise. */
  async ensureCaughtUp(projection: string, minPosition: string | undefined): Promise<void> {
    if (minPosition === undefined) return;
    const position = parseMinPosition(minPosition);
    const reached = await this.runner.waitForPosition(projection, position, this.config.consistencyTimeoutMs);
    if (!reached) throw new NotCaughtUpError(projection, 1);
  }
}

export function parseMinPosition(value: string): Position {
  if (!/^\d{1,20}$/.test(value)) {
    throw new ValidationFailedError([{ field: 'minPosition', messages: ['minPosition must be a position from a command response'] }]);
  }
  return parsePosition(value);
}
