import {
  type AllSubscription,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  WrongExpectedRevisionError,
} from './event-store.port';
import { ForwardingEventStore } from './forwarding-event-store';
import { type Position, START } from './position';

/** Events per read of the shared log while looking for this installation's own. */
const PAGE = 500;

/**
 * One event store shared by several installations that must not see each other (test runs against
 * one EventStoreDB in CI, a staging copy next to another): every stream this one writes is named
 * `prefix + name`, and reads and subscriptions see only those streams, with the prefix taken off.
 * Above this layer (hash chain, encryption, projections) nothing knows. Positions stay the shared
 * log's (global, opaque): a position of one of our events is a valid place to read on from.
 *
 * Reading `$all` filters on this side (EventStoreDB's filtered reads exist for subscriptions only),
 * so catching up pages through the other installations' events too.
 */
export class StreamPrefixedEventStore extends ForwardingEventStore {
  constructor(
    inner: EventStore,
    readonly prefix: string,
  ) {
    super(inner);
    if (prefix === '' || prefix.startsWith('$')) throw new Error('A stream prefix is not empty and does not start with $ (system streams)');
  }

  override async appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    try {
      return await this.inner.appendToStream(this.prefix + streamName, events, options);
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) throw new WrongExpectedRevisionError(streamName, error.expected, error.actual);
      throw error;
    }
  }

  override async readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readStream(this.prefix + streamName, options)).map((event) => this.unprefixed(event));
  }

  override async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.limit ?? 1000;
    const out: RecordedEvent[] = [];
    let from = options.fromPosition;
    while (out.length < limit) {
      const page = await this.inner.readAll({ ...options, fromPosition: from, limit: PAGE });
      for (const event of page) {
        if (!this.owns(event)) continue;
        out.push(this.unprefixed(event));
        if (out.length >= limit) break;
      }
      if (page.length < PAGE) break;
      from = page[page.length - 1].position;
    }
    return out;
  }

  override subscribeToAll(options: SubscribeOptions = {}): AllSubscription {
    const inner = this.inner.subscribeToAll(options);
    const owns = (event: RecordedEvent): boolean => this.owns(event);
    const unprefixed = (event: RecordedEvent): RecordedEvent => this.unprefixed(event);
    return {
      stop: () => inner.stop(),
      async *[Symbol.asyncIterator]() {
        for await (const event of inner) if (owns(event)) yield unprefixed(event);
      },
    };
  }

  override async headPosition(): Promise<Position> {
    const [last] = await this.readAll({ direction: 'backwards', limit: 1 });
    return last?.position ?? START;
  }

  private owns(event: RecordedEvent): boolean {
    return event.streamName.startsWith(this.prefix);
  }

  private unprefixed(event: RecordedEvent): RecordedEvent {
    return { ...event, streamName: event.streamName.slice(this.prefix.length) };
  }
}
