import type {
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../event-store/event-store.port';
import type { SealedEventSource, SealsEvents } from '../event-store/sealed-events';
import {
  decryptField,
  deriveFieldKeys,
  encryptField,
  FieldDecryptionError,
  type FieldKeys,
  isEncryptedValue,
  keyIdOf,
} from './field-cipher';
import { type KeyStore, UnknownDataKeyError } from './key-store.port';
import { ERASED, indexPersonalData, type PersonalDataSpec, valueAt, withValuesAt } from './personal-data';

/** Metadata member listing the data paths stored encrypted, so reads need no spec (specs may change). */
export const ENCRYPTED_FIELDS = 'encryptedFields';

const STREAM_SUBJECTS_CACHED = 10_000;

/**
 * An EventStore decorator that encrypts personal fields on append and decrypts them on read
 * (field-cipher.ts). It sits outside the hash chain, so hashes cover the stored (encrypted) form
 * and still verify once a key is deleted.
 *
 * - Appends: events of a type with a PersonalDataSpec get each string value at a declared path
 *   replaced by its ciphertext under the subject's key, and `metadata.encryptedFields` listing
 *   those paths. Other events pass through untouched, with no key lookup.
 * - Reads (readStream, readAll, subscriptions): events with `encryptedFields` get those values
 *   decrypted; once the subject's key is deleted they read as ERASED ("[erased]"). Events without
 *   the member pass through untouched.
 * - A subject whose key was deleted gets no new key: appending personal data about them fails
 *   with SubjectForgottenError (422 SUBJECT_FORGOTTEN).
 *
 * Created without specs (a read-only tool that was not handed them) it still decrypts, but refuses
 * every append rather than store personal data in the clear.
 */
export class EncryptingEventStore implements EventStore, SealsEvents {
  private readonly specs: ReadonlyMap<string, PersonalDataSpec> | null;
  /** Subject of streams whose events name it only in the stream's first event (immutable once written). */
  private readonly streamSubjects = new Map<string, string>();
  /** Subkeys per data key object; the key store's cache hands out the same Buffer while it holds the key. */
  private readonly fieldKeys = new WeakMap<Buffer, FieldKeys>();

  constructor(
    private readonly inner: EventStore,
    private readonly keys: KeyStore,
    personalData: readonly PersonalDataSpec[] | undefined,
    /** Whether close() closes the key store too (when this store was built with its own). */
    private readonly ownsKeyStore = false,
  ) {
    this.specs = personalData === undefined ? null : indexPersonalData(personalData);
  }

  async appendToStream(streamName: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    const specs = this.specs;
    if (specs === null) {
      throw new Error('This event store was created without the personal-data specs (ALL_PERSONAL_DATA): it cannot append');
    }
    if (!events.some((event) => specs.has(event.type))) return this.inner.appendToStream(streamName, events, options);
    const stored: NewEvent[] = [];
    for (const event of events) {
      const spec = specs.get(event.type);
      stored.push(spec === undefined ? event : await this.encrypt(streamName, event, spec, events));
    }
    return this.inner.appendToStream(streamName, stored, options);
  }

  async readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.decryptAll(await this.inner.readStream(streamName, options));
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.decryptAll(await this.inner.readAll(options));
  }

  subscribeToAll(options?: SubscribeOptions): AllSubscription {
    return new DecryptingSubscription(this.inner.subscribeToAll(options), (event) => this.decrypt(event));
  }

  /**
   * The events as stored (encrypted), each decrypted only when asked: the projection runner reads
   * the log this way and decrypts only for projections that read personal fields.
   */
  sealedEvents(): SealedEventSource {
    return { sealed: this.inner, open: (event) => this.decrypt(event) };
  }

  headPosition(): Promise<Position> {
    return this.inner.headPosition();
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  async close(): Promise<void> {
    await this.inner.close();
    if (this.ownsKeyStore) await this.keys.close();
  }

  private async encrypt(streamName: string, event: NewEvent, spec: PersonalDataSpec, batch: NewEvent[]): Promise<NewEvent> {
    const present = spec.fields.filter((path) => typeof valueAt(event.data, path) === 'string');
    if (present.length === 0) return event;
    const subjectId = await this.subjectOf(streamName, event, spec, batch);
    const keys = this.keysFor(await this.keys.getOrCreate(subjectId));
    const replacements = new Map<string, unknown>();
    for (const path of present) {
      const plaintext = valueAt(event.data, path) as string;
      replacements.set(path, encryptField(keys, subjectId, { streamName, eventId: event.id, path }, plaintext));
    }
    return {
      ...event,
      data: withValuesAt(event.data, replacements),
      metadata: { ...event.metadata, [ENCRYPTED_FIELDS]: present },
    };
  }

  private async subjectOf(streamName: string, event: NewEvent, spec: PersonalDataSpec, batch: NewEvent[]): Promise<string> {
    if (spec.subject.from !== 'stream-start') return subjectId(event.data, spec, event.type);
    const cached = this.streamSubjects.get(streamName);
    if (cached !== undefined) return cached;
    const [first] = await this.inner.readStream(streamName, { maxCount: 1 });
    // An empty stream starts with this batch.
    const id = subjectId((first ?? batch[0]).data, spec, event.type);
    if (first !== undefined) {
      this.streamSubjects.set(streamName, id);
      if (this.streamSubjects.size > STREAM_SUBJECTS_CACHED) {
        const oldest = this.streamSubjects.keys().next().value;
        if (oldest !== undefined) this.streamSubjects.delete(oldest);
      }
    }
    return id;
  }

  private keysFor(dataKey: Buffer): FieldKeys {
    let keys = this.fieldKeys.get(dataKey);
    if (keys === undefined) {
      keys = deriveFieldKeys(dataKey);
      this.fieldKeys.set(dataKey, keys);
    }
    return keys;
  }

  private async decryptAll(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    const out = new Array<RecordedEvent>(events.length);
    for (let i = 0; i < events.length; i++) out[i] = await this.decrypt(events[i]);
    return out;
  }

  private async decrypt(event: RecordedEvent): Promise<RecordedEvent> {
    const paths = event.metadata[ENCRYPTED_FIELDS];
    if (!Array.isArray(paths) || paths.length === 0) return event;
    const replacements = new Map<string, unknown>();
    for (const path of paths) {
      if (typeof path !== 'string') continue;
      const value = valueAt(event.data, path);
      if (!isEncryptedValue(value)) continue;
      const context = { streamName: event.streamName, eventId: event.id, path };
      const keyId = keyIdOf(value);
      if (keyId === null) throw new FieldDecryptionError(context, 'malformed encrypted value');
      const lookup = await this.keys.get(keyId);
      if (lookup.state === 'missing') throw new UnknownDataKeyError(keyId);
      replacements.set(path, lookup.state === 'forgotten' ? ERASED : decryptField(this.keysFor(lookup.key), context, value));
    }
    return { ...event, data: withValuesAt(event.data, replacements) };
  }
}

function subjectId(data: unknown, spec: PersonalDataSpec, eventType: string): string {
  const id = valueAt(data, spec.subject.path);
  if (typeof id !== 'string' || id === '' || isEncryptedValue(id)) {
    // Storing it in the clear is not an option: refuse the append.
    throw new Error(`${eventType}: no subject id at "${spec.subject.path}" to encrypt its personal data with`);
  }
  return id;
}

/** The inner subscription with each event decrypted; stop() stops the inner one. */
class DecryptingSubscription implements AllSubscription {
  constructor(
    private readonly inner: AllSubscription,
    private readonly decrypt: (event: RecordedEvent) => Promise<RecordedEvent>,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    const iterator = this.inner[Symbol.asyncIterator]();
    return {
      next: async (): Promise<IteratorResult<RecordedEvent>> => {
        const result = await iterator.next();
        return result.done === true ? result : { done: false, value: await this.decrypt(result.value) };
      },
      return: async (): Promise<IteratorResult<RecordedEvent>> => {
        await this.stop();
        return { done: true, value: undefined };
      },
    };
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }
}
