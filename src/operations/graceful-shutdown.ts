import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EVENT_STORE, type EventStore } from '../shared/event-store/event-store.port';
import { type ProjectionDefinition, PROJECTIONS } from '../shared/projections/projection';
import { ProjectionRunner } from '../shared/projections/projection-runner';
import { type Projector, PROJECTOR } from '../shared/projections/projector';

export interface GracefulShutdownOptions {
  /** How long the projections may take to reach the log's head once requests are done. Default 10 s. */
  drainTimeoutMs?: number;
  /** After this, the process exits with code 1 whatever is still running. Default 30 s. */
  hardTimeoutMs?: number;
  /** Default process.exit (tests pass their own). */
  exit?: (code: number) => void;
}

/**
 * Stops the application in the order that loses nothing:
 * 1. the HTTP server stops accepting connections; requests in flight finish (Fastify's close;
 *    a new request on a kept-alive connection is answered 503);
 * 2. the projections catch up with the events those requests appended (bounded wait; in a process
 *    without the projection lease it waits for the process that has it, harmlessly; with
 *    RELATA_ROLE=api not at all: its worker process drains on its own SIGTERM);
 * 3. the Nest shutdown hooks: timers stop, the projection runner (or the projector thread, which
 *    does the same in its own thread) stops after its batch has committed (checkpoints stored),
 *    the worker lease is released, the stores close.
 * Resolves with the exit code: 0 when all went well.
 */
export async function shutDownGracefully(app: NestFastifyApplication, options: GracefulShutdownOptions = {}): Promise<number> {
  const logger = new Logger('Shutdown');
  try {
    await app.getHttpAdapter().close();
    logger.log('HTTP server closed; requests in flight have finished');
    await drainProjections(app, options.drainTimeoutMs ?? 10_000, logger);
    await app.close();
    logger.log('stopped: projection checkpoints stored, stores closed');
    return 0;
  } catch (error) {
    logger.error(
      `shutdown failed: ${error instanceof Error ? error.message : String(error)}`,
      error instanceof Error ? error.stack : undefined,
    );
    return 1;
  }
}

async function drainProjections(app: NestFastifyApplication, timeoutMs: number, logger: Logger): Promise<void> {
  if (app.get<Projector>(PROJECTOR).health().placement === 'elsewhere') return;
  const runner = app.get(ProjectionRunner);
  const projections = app.get<ProjectionDefinition[]>(PROJECTIONS);
  const head = await app.get<EventStore>(EVENT_STORE).headPosition();
  const reached = await Promise.all(projections.map((p) => runner.waitForPosition(p.name, head, timeoutMs)));
  const behind = projections.filter((_, i) => !reached[i]).map((p) => p.name);
  if (behind.length > 0)
    logger.warn(
      `projections not caught up within ${timeoutMs} ms (they resume from their checkpoint on the next start): ${behind.join(', ')}`,
    );
}

/**
 * SIGTERM / SIGINT run shutDownGracefully once, then exit with its code. A second signal, or the
 * hard timeout, exits at once with code 1.
 */
export function installGracefulShutdown(app: NestFastifyApplication, options: GracefulShutdownOptions = {}): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const logger = new Logger('Shutdown');
    if (shuttingDown) {
      logger.warn(`${signal} again: exiting now`);
      exit(1);
      return;
    }
    shuttingDown = true;
    logger.log(`${signal} received: shutting down gracefully`);
    const hard = setTimeout(() => {
      logger.error(`shutdown did not finish within ${options.hardTimeoutMs ?? 30_000} ms: exiting`);
      exit(1);
    }, options.hardTimeoutMs ?? 30_000);
    hard.unref();
    void shutDownGracefully(app, options).then((code) => {
      clearTimeout(hard);
      exit(code);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
