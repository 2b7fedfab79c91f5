import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type KernelConfig, RELATA_CONFIG } from './settings';
import { CLOCK, type Clock, SystemClock } from './clock';
import { CommandProcessor } from './decider/command-processor';
import { EVENT_STORE, type EventStore } from './event-store/event-store.port';
import { type HashChainingEventStore, STORED_EVENT_STORE } from './event-store/hash-chaining-event-store';
import { APPEND_OBSERVER, type AppendObserver, MeteredEventStore } from './event-store/metered-event-store';
import { ID_GENERATOR, type IdGenerator, RandomIdGenerator } from './ids';
import type { LeaseConfig } from './lease/lease-config';
import type { LeaseCoordinator } from './lease/lease-coordinator';
import type { ProcessRole } from './lease/process-role';
import { createWorkerLease, WORKER_LEASE } from './lease/worker-lease';
import { type ProjectionDefinition, PROJECTIONS } from './projections/projection';
import { EncryptingEventStore } from './privacy/encrypting-event-store';
import { Erasure } from './privacy/erasure';
import { KEY_STORE, type KeyStore } from './privacy/key-store.port';
import { PERSONAL_DATA, type PersonalDataSpec } from './privacy/personal-data';
import { ProjectionRunner, RETAIN_REPLACED_GENERATION_MS } from './projections/projection-runner';
import { InProcessProjector, type Projector, PROJECTOR } from './projections/projector';
import { ProjectorThread } from './projections/projector-thread';
import { ReadModels } from './projections/read-models';
import { READ_STORE, type ReadStore } from './read-store/read-store.port';
import { createKeyStore, createReadStore, createStoredEventStore } from './stores';

export interface KernelOptions {
  config: KernelConfig;
  /** Every projection of every feature, collected by the composition root (the kernel imports no feature). */
  projections: ProjectionDefinition[];
  /** Which event fields hold personal data, from every feature (encrypted per data subject). */
  personalData: readonly PersonalDataSpec[];
  clock?: Clock;
  ids?: IdGenerator;
  /** The single-active-worker lease (main.ts: loadLeaseConfig()); absent: this process runs every worker. */
  lease?: LeaseConfig;
  /** RELATA_ROLE (default all). api: this process never takes the lease nor runs the worker part. */
  role?: ProcessRole;
  /**
   * `all` only: run the worker part in a worker thread started from this script (the composition
   * root's entry), handed workerData. Absent: on this thread (tests, RELATA_PROJECTOR_THREAD=off).
   */
  projectorThread?: { entry: string; workerData: unknown };
}

/** Starts the worker part once the app is up and stops it (checkpoints stored, lease released) before the stores close. */
@Injectable()
class KernelLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(PROJECTOR) private readonly projector: Projector,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(KEY_STORE) private readonly keyStore: KeyStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The runner here (with the lease: only in the process that holds it), or the projector thread.
    await this.projector.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projector.stop();
    await this.eventStore.close();
    await this.readStore.close();
    await this.keyStore.close();
  }
}

/**
 * The shared kernel: clock, ids, stores, command processor, projections, privacy.
 *
 * EVENT_STORE is the adapter behind two decorators: personal fields are encrypted per data subject
 * (privacy/encrypting-event-store.ts), then every event is hash-chained to its stream's previous
 * one (event-store/hash-chaining-event-store.ts). STORED_EVENT_STORE is the inner, stored form.
 */
@Global()
@Module({})
export class RelataKernelModule {
  // Long because it is the kernel's one provider list (stores, clock, ids, keys, projections), each
  // entry a few lines of wiring; read top to bottom it is the order the kernel is assembled in.
  static forRoot(options: KernelOptions): DynamicModule {
    const clock = options.clock ?? new SystemClock();
    const threaded = options.projectorThread !== undefined && (options.role ?? 'all') === 'all';
    return {
      module: RelataKernelModule,
      providers: [
        { provide: RELATA_CONFIG, useValue: options.config },
        { provide: CLOCK, useValue: clock },
        { provide: ID_GENERATOR, useValue: options.ids ?? new RandomIdGenerator() },
        { provide: PROJECTIONS, useValue: options.projections },
        { provide: PERSONAL_DATA, useValue: options.personalData },
        { provide: KEY_STORE, useFactory: () => createKeyStore(options.config, clock) },
        { provide: STORED_EVENT_STORE, useFactory: () => createStoredEventStore(options.config) },
        {
          provide: EVENT_STORE,
          inject: [STORED_EVENT_STORE, KEY_STORE, { token: APPEND_OBSERVER, optional: true }],
          useFactory: (stored: HashChainingEventStore, keys: KeyStore, observer: AppendObserver | undefined) => {
            const store = new EncryptingEventStore(stored, keys, options.personalData);
            // Timed outermost: the latency a command sees, encryption and hash chain included.
            return observer ? new MeteredEventStore(store, observer) : store;
          },
        },
        { provide: READ_STORE, useFactory: () => createReadStore(options.config) },
        {
          provide: ProjectionRunner,
          inject: [EVENT_STORE, READ_STORE],
          useFactory: (eventStore: EventStore, readStore: ReadStore) =>
            new ProjectionRunner({
              eventStore,
              readStore,
              clock,
              projections: options.projections,
              // Processes without the lease look at the switch once per renewal: keep replaced generations well past that.
              retainReplacedMs: Math.max(RETAIN_REPLACED_GENERATION_MS, 3 * (options.lease?.renewEveryMs ?? 0)),
            }),
        },
        {
          provide: WORKER_LEASE,
          inject: [READ_STORE, ProjectionRunner],
          useFactory: (readStore: ReadStore, runner: ProjectionRunner) =>
            createWorkerLease({
              config: options.lease,
              readStore,
              clock,
              runner,
              logger: new Logger('Lease'),
              // This thread never projects: the api role, or `all` whose worker part is in its thread.
              passive: options.role === 'api' || threaded,
            }),
        },
        {
          provide: PROJECTOR,
          inject: [ProjectionRunner, WORKER_LEASE],
          useFactory: (runner: ProjectionRunner, lease: LeaseCoordinator): Projector => {
            const logger = new Logger('Projector');
            const local = new InProcessProjector(options.role ?? 'all', runner, lease, logger, options.projections);
            return threaded && options.projectorThread !== undefined
              ? new ProjectorThread({ ...options.projectorThread, runner, lease, logger, local })
              : local;
          },
        },
        CommandProcessor,
        ReadModels,
        Erasure,
        KernelLifecycle,
      ],
      exports: [
        RELATA_CONFIG,
        CLOCK,
        ID_GENERATOR,
        EVENT_STORE,
        STORED_EVENT_STORE,
        KEY_STORE,
        PERSONAL_DATA,
        READ_STORE,
        ProjectionRunner,
        WORKER_LEASE,
        PROJECTOR,
        CommandProcessor,
        ReadModels,
        Erasure,
      ],
    };
  }
}
