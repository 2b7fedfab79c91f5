import type {
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../../src/shared/event-store/event-store.port';
import { ForwardingEventStore } from '../../src/shared/event-store/forwarding-event-store';
import { type Position, positionOf, positionValue, START } from '../../src/shared/event-store/position';

export interface SparsePositionOptions {
  /** Where the first event's record starts. Default 1536 (EventStoreDB's log starts with its own records). */
  origin?: bigint;
  /** The smallest distance between two records. Default 300 bytes. */
  stride?: bigint;
  /**
   * A busy log: every look at the head finds one more event, appended by someone else just before
   * (a steady stream of writes). Called for that event.
   */
  appendOnHeadLook?: () => NewEvent;
}

/** Stream that the busy log's other writer appends to. */
export const OTHER_WRITER_STREAM = 'other-writer';

/**
 * A store whose positions behave like EventStoreDB's: byte offsets of records in a log, hundreds
 * of bytes apart by uneven amounts, never counts of events. Like the server, it refuses to read $all
 * or subscribe from a position that is not the start of a record (InvalidPosition), so code that
 * computes positions (`p - 1`, `p + batch`) fails here as it fails in production, while code that
 * only compares, stores and passes them back works as on any store.
 *
 * Wraps an embedded store, whose positions are 1, 2, 3, ...: record i sits at origin + i * stride
 * + (i * 37 mod 101), strictly increasing because stride > 101.
 */
export class SparsePositionEventStore extends ForwardingEventStore {
  private readonly origin: bigint;
  private readonly stride: bigint;

  constructor(
    inner: EventStore,
    private readonly options: SparsePositionOptions = {},
  ) {
    super(inner);
    this.origin = options.origin ?? 1536n;
    this.stride = options.stride ?? 300n;
    if (this.stride <= 101n) throw new Error('stride must exceed 101 so that positions increase');
  }

  /** The byte-offset position of the embedded store's event number `index` (1-based). */
  toSparse(position: Position): Position {
    if (position === START) return START;
    const index = positionValue(position);
    return positionOf(this.origin + index * this.stride + ((index * 37n) % 101n));
  }

  private toInner(position: Position | undefined): Position | undefined {
    if (position === undefined || position === START) return position;
    const value = positionValue(position);
    const index = (value - this.origin) / this.stride;
    if (index < 1n || positionValue(this.toSparse(positionOf(index))) !== value) {
      throw new Error(`InvalidPosition: ${value} is not the start of a record in the log`);
    }
    return positionOf(index);
  }

  private outward(event: RecordedEvent): RecordedEvent {
    return { ...event, position: this.toSparse(event.position) };
  }

  override async appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    const result = await this.inner.appendToStream(streamName, events, options);
    return { ...result, position: this.toSparse(result.position) };
  }

  override async readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readStream(streamName, options)).map((event) => this.outward(event));
  }

  override async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const events = await this.inner.readAll({ ...options, fromPosition: this.toInner(options.fromPosition) });
    return events.map((event) => this.outward(event));
  }

  override subscribeToAll(options: SubscribeOptions = {}): AllSubscription {
    const inner = this.inner.subscribeToAll({ ...options, fromPosition: this.toInner(options.fromPosition) });
    const outward = (event: RecordedEvent): RecordedEvent => this.outward(event);
    return {
      stop: () => inner.stop(),
      async *[Symbol.asyncIterator]() {
        for await (const event of inner) yield outward(event);
      },
    };
  }

  override async headPosition(): Promise<Position> {
    const next = this.options.appendOnHeadLook;
    if (next !== undefined) await this.inner.appendToStream(OTHER_WRITER_STREAM, [next()]);
    return this.toSparse(await this.inner.headPosition());
  }
}
