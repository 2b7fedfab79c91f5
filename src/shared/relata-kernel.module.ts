import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { RELATA_CONFIG, type RelataConfig } from '../config/config';
import { CLOCK, type Clock, SystemClock } from './clock';
import { CommandProcessor } from './decider/command-processor';
import { EVENT_STORE, type EventStore } from './event-store/event-store.port';
import { type HashChainingEventStore, STORED_EVENT_STORE } from './event-store/hash-chaining-event-store';
import { ID_GENERATOR, type IdGenerator, RandomIdGenerator } from './ids';
import { type ProjectionDefinition, PROJECTIONS } from './projections/projection';
import { EncryptingEventStore } from './privacy/encrypting-event-store';
import { Erasure } from './privacy/erasure';
import { KEY_STORE, type KeyStore } from './privacy/key-store.port';
import { PERSONAL_DATA, type PersonalDataSpec } from './privacy/personal-data';
import { ProjectionRunner } from './projections/projection-runner';
import { ReadModels } from './projections/read-models';
import { READ_STORE, type ReadStore } from './read-store/read-store.port';
import { createKeyStore, createReadStore, createStoredEventStore } from './stores';

export interface KernelOptions {
  config: RelataConfig;
  /** Every projection of every feature, collected by the composition root (the kernel imports no feature). */
  projections: ProjectionDefinition[];
  /** Which event fields hold personal data, from every feature (encrypted per data subject). */
  personalData: readonly PersonalDataSpec[];
  clock?: Clock;
  ids?: IdGenerator;
}

/** Starts the projections once the app is up and stops them (checkpoints stored) before the stores close. */
@Injectable()
class KernelLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(KEY_STORE) private readonly keyStore: KeyStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
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
  static forRoot(options: KernelOptions): DynamicModule {
    const clock = options.clock ?? new SystemClock();
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
          inject: [STORED_EVENT_STORE, KEY_STORE],
          useFactory: (stored: HashChainingEventStore, keys: KeyStore) => new EncryptingEventStore(stored, keys, options.personalData),
        },
        { provide: READ_STORE, useFactory: () => createReadStore(options.config) },
        {
          provide: ProjectionRunner,
          inject: [EVENT_STORE, READ_STORE],
          useFactory: (eventStore: EventStore, readStore: ReadStore) =>
            new ProjectionRunner({ eventStore, readStore, clock, projections: options.projections }),
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
        CommandProcessor,
        ReadModels,
        Erasure,
      ],
    };
  }
}
