import { ManualClock } from '../../src/shared/clock';
import type { NewEvent } from '../../src/shared/event-store/event-store.port';
import { SqliteEventStore } from '../../src/shared/event-store/sqlite-event-store';
import { deterministicUuid } from '../../src/shared/ids';
import type { ProjectionDefinition } from '../../src/shared/projections/projection';
import { PROJECTIONS_META_COLLECTION, ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { EmbeddedReadStore } from '../../src/shared/read-store/embedded-read-store';
import type { Document } from '../../src/shared/read-store/read-store.port';

export interface GivenEvent {
  stream: string;
  type: string;
  data: object;
  recordedAt?: string;
}

export interface ProjectionSpecResult {
  /** The documents of a logical collection, by id, without the position guard field. */
  docs(logical: string): Promise<Record<string, Document>>;
  /** Delivers every event again from the start (checkpoint reset), as after a lost checkpoint. */
  redeliverAll(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Events in, documents out, through the real runner on in-memory stores:
 *   const result = await projectEvents(customerProfileProjection, [{ stream, type, data }, ...]);
 *   expect((await result.docs('customers'))[id]).toMatchObject({...});
 */
export async function projectEvents(definition: ProjectionDefinition, events: GivenEvent[]): Promise<ProjectionSpecResult> {
  const eventStore = new SqliteEventStore({ filename: ':memory:' });
  const readStore = new EmbeddedReadStore({ filename: ':memory:' });
  const clock = new ManualClock('2026-03-10T12:00:00.000Z');
  for (const [index, event] of events.entries()) {
    const recordedAt = event.recordedAt ?? clock.now().toISOString();
    const newEvent: NewEvent = {
      id: deterministicUuid(`spec-event:${index}`),
      type: event.type,
      data: event.data,
      metadata: { actor: 'spec', correlationId: 'spec', causationId: 'spec', occurredAt: recordedAt, recordedAt, schemaVersion: 1 },
    };
    await eventStore.appendToStream(event.stream, [newEvent]);
  }
  const newRunner = async (): Promise<ProjectionRunner> => {
    const runner = new ProjectionRunner({ eventStore, readStore, clock, projections: [definition] });
    await runner.catchUp();
    return runner;
  };
  let runner = await newRunner();

  return {
    async docs(logical) {
      const out: Record<string, Document> = {};
      for await (const doc of runner.collection(definition.name, logical).findAll()) {
        const { _position, ...rest } = doc;
        out[doc._id] = rest as Document;
      }
      return out;
    },
    async redeliverAll() {
      await runner.stop();
      await readStore.collection(PROJECTIONS_META_COLLECTION).update(definition.name, { $set: { position: null } });
      runner = await newRunner();
    },
    async close() {
      await runner.stop();
      await eventStore.close();
      await readStore.close();
    },
  };
}
