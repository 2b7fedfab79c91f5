import type { NewEvent } from '../../src/shared/event-store/event-store.port';

/** The id of the nth test event (1-based): a valid uuid, in order. */
export function testEventId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** An event as a spec appends it: the given id, type and data, metadata of one spec actor at `at`. */
export function testEvent(id: string, type: string, data: unknown, at = '2026-05-04T09:00:00.000Z'): NewEvent {
  return {
    id,
    type,
    data,
    metadata: { actor: 'spec', correlationId: 'c', causationId: 'c', occurredAt: at, recordedAt: at, schemaVersion: 1 },
  };
}
