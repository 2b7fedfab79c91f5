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
import { ID_GENERATOR, type IdGenerator, RandomIdGenerator } from './ids';
import { type ProjectionDefinition, PROJECTIONS } from './projections/projection';
import { ProjectionRunner } from './projections/projection-runner';
import { ReadModels } from './projections/read-models';
import { READ_STORE, type ReadStore } from './read-store/read-store.port';
import { createEventStore, createReadStore } from './stores';

export interface KernelOptions {
  config: RelataConfig;
  /** Every projection of every feature, collected by the composition root (the kernel imports no feature). */
  projections: ProjectionDefinition[];
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
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
    await this.eventStore.close();
    await this.readStore.close();
  }
}

/** The shared kernel: clock, ids, stores, command processor, projections. */
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
        { provide: EVENT_STORE, useFactory: () => createEventStore(options.config) },
        { provide: READ_STORE, useFactory: () => createReadStore(options.config) },
        {
          provide: ProjectionRunner,
          inject: [EVENT_STORE, READ_STORE],
          useFactory: (eventStore: EventStore, readStore: ReadStore) =>
            new ProjectionRunner({ eventStore, readStore, clock, projections: options.projections }),
        },
        CommandProcessor,
        ReadModels,
        KernelLifecycle,
      ],
      exports: [RELATA_CONFIG, CLOCK, ID_GENERATOR, EVENT_STORE, READ_STORE, ProjectionRunner, CommandProcessor, ReadModels],
    };
  }
}
