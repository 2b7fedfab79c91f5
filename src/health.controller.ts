import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from './shared/event-store/event-store.port';
import { READ_STORE, type ReadStore } from './shared/read-store/read-store.port';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  /** 200 when both stores answer; 503 naming the one that does not. */
  @Get()
  async health() {
    const [eventStore, readStore] = await Promise.all([probe(() => this.eventStore.ping()), probe(() => this.readStore.ping())]);
    const body = { status: eventStore === 'up' && readStore === 'up' ? 'ok' : 'unavailable', eventStore, readStore };
    if (body.status !== 'ok') throw new ServiceUnavailableException(`stores unavailable: event store ${eventStore}, read store ${readStore}`);
    return body;
  }
}

async function probe(ping: () => Promise<void>): Promise<'up' | 'down'> {
  try {
    await ping();
    return 'up';
  } catch {
    return 'down';
  }
}
