import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { AppModule } from './app.module';
import type { RelataConfig } from './config/config';
import { createJsonLogger, JsonLoggerService } from './operations/logger';
import type { LeaseConfig } from './shared/lease/lease-config';
import { KEY_STORE, type KeyStore } from './shared/privacy/key-store.port';
import { type Projector, PROJECTOR } from './shared/projections/projector';
import type { FromProjectorThread, ToProjectorThread } from './shared/projections/projector-thread';

/** The script to start the projector thread from (.ts under the tests' loader, .js once built). */
export const PROJECTOR_THREAD_ENTRY = __filename;

/** What main.ts hands the projector thread (structured-cloned). */
export interface ProjectorThreadData {
  config: RelataConfig;
  lease: LeaseConfig;
}

/**
 * The projector thread of RELATA_ROLE=all (src/shared/projections/projector-thread.ts starts it):
 * the application without HTTP in the worker role, with its own store connections, holding the
 * worker lease under its own instance id. It answers the main thread's questions (status, rebuild)
 * and stops (drains, stores checkpoints, releases the lease) when asked.
 */
/** createHttpApp's projectorThread option for RELATA_ROLE=all: the worker part in this thread. */
export function projectorThreadOption(data: ProjectorThreadData): { entry: string; workerData: ProjectorThreadData } {
  return { entry: PROJECTOR_THREAD_ENTRY, workerData: data };
}

function answerCall(app: INestApplicationContext, projector: Projector, message: ToProjectorThread & { type: 'call' }): Promise<unknown> {
  switch (message.method) {
    case 'status':
      return projector.status();
    case 'rebuild':
      return projector.rebuild(message.name);
    case 'eraseSubject':
      // The main thread deleted the key; deleting it here too puts the tombstone in this thread's key cache.
      return app
        .get<KeyStore>(KEY_STORE)
        .delete(message.subjectId)
        .then(() => projector.eraseSubject(message.subjectId));
  }
}

async function runProjectorThread(port: NonNullable<typeof parentPort>, data: ProjectorThreadData): Promise<void> {
  const json = createJsonLogger({ level: data.config.logLevel });
  const app = await NestFactory.createApplicationContext(AppModule.register({ config: data.config, lease: data.lease, role: 'worker' }), {
    logger: new JsonLoggerService(json),
    abortOnError: false,
  });
  await app.init();
  const projector = app.get<Projector>(PROJECTOR);
  const post = (message: FromProjectorThread): void => port.postMessage(message);
  const reportLease = (): void => post({ type: 'lease', status: projector.leaseStatus() });
  reportLease();
  const leaseReports = setInterval(reportLease, Math.max(100, Math.min(1000, data.lease.renewEveryMs)));
  let stopping = false;
  port.on('message', (message: ToProjectorThread) => {
    if (message.type === 'stop') {
      if (stopping) return;
      stopping = true;
      clearInterval(leaseReports);
      // Nest's shutdown hooks: the runner stops after its batch committed, the lease is released.
      void app.close().then(
        () => {
          port.close();
          // Anything left holding the loop (a driver's socket) must not keep the thread: it is done.
          setTimeout(() => process.exit(0), 1000).unref();
        },
        (error: Error) => {
          json.error({ err: error.message }, 'projector thread did not stop cleanly');
          process.exit(1);
        },
      );
      return;
    }
    const answer = answerCall(app, projector, message);
    answer.then(
      (value) => post({ type: 'reply', id: message.id, ok: true, value }),
      (error: Error) => post({ type: 'reply', id: message.id, ok: false, error: error.message }),
    );
  });
  post({ type: 'started', threadId });
}

if (parentPort !== null) {
  const data = workerData as ProjectorThreadData;
  // The thread's own instance id in the lease (the process's, marked): distinct from any other holder.
  const lease = { ...data.lease, instanceId: `${data.lease.instanceId}:projector` };
  runProjectorThread(parentPort, { ...data, lease }).catch((error: unknown) => {
    // Thrown out of the thread: the main thread sees it as the thread's error and exit.
    throw error instanceof Error ? error : new Error(String(error));
  });
}
