import { FollowUpSchedulerService } from '../../src/follow-ups/follow-up-scheduler.service';
import { FOLLOW_UPS_PROJECTION } from '../../src/follow-ups/follow-ups.projection';
import { followUpStream } from '../../src/follow-ups/follow-up.events';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import type { TestApp } from '../support/test-app';

/** A command over HTTP that must succeed; answers the parsed body (the problem document is the failure message). */
export async function ok(t: TestApp, url: string, body?: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await t.request('POST', url, body);
  expect(response.status < 300 ? 'ok' : `${url}: ${response.status} ${JSON.stringify(response.json)}`).toBe('ok');
  return response.json;
}

export async function customer(t: TestApp, name = 'Ana Lima'): Promise<string> {
  return (await ok(t, '/customers', { name, kind: 'customer', acquisitionChannel: 'web' })).id as string;
}

/** Waits until the follow-ups read model has applied every event so far. */
export async function settle(t: TestApp): Promise<void> {
  const head = await t.eventStore.headPosition();
  expect(await t.app.get(ProjectionRunner).waitForPosition(FOLLOW_UPS_PROJECTION, head, 5000)).toBe(true);
}

/** Ticks the follow-up scheduler once the read model is up to date. */
export async function tick(t: TestApp): Promise<number> {
  await settle(t);
  return t.app.get(FollowUpSchedulerService).tick();
}

export async function followUpEvents(t: TestApp, id: string): Promise<{ type: string; data: Record<string, any>; occurredAt: string }[]> {
  const recorded = await t.eventStore.readStream(followUpStream(id));
  return recorded.map((e) => ({ type: e.type, data: e.data as Record<string, any>, occurredAt: e.metadata.occurredAt }));
}

export const at = (iso: string, deltaMs = 0): string => new Date(Date.parse(iso) + deltaMs).toISOString();
export const HOUR = 3_600_000;
export const MINUTE = 60_000;
