import type { EventStore, ReadStreamOptions, RecordedEvent } from '../../src/shared/event-store/event-store.port';
import { ForwardingEventStore } from '../../src/shared/event-store/forwarding-event-store';

/** Records every stream read, so a specification can tell which reads a component made. */
export class ReadRecordingEventStore extends ForwardingEventStore {
  readonly reads: Array<{ streamName: string; fromRevision: bigint | undefined; events: number }> = [];

  constructor(inner: EventStore) {
    super(inner);
  }

  override async readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    const events = await super.readStream(streamName, options);
    this.reads.push({ streamName, fromRevision: options?.fromRevision, events: events.length });
    return events;
  }
}
