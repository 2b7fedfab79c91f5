import { ALL_PROJECTIONS } from '../../src/all-projections';
import { verifyProjections } from '../../src/audit/projections-verify';
import { customerProfileProjection } from '../../src/customers/customer-profile.projection';
import type { RecordedEvent } from '../../src/shared/event-store/event-store.port';
import type { ParkedEvent, ProjectionContext, ProjectionStatus } from '../../src/shared/projections/projection';
import { READ_STORE, type ReadStore } from '../../src/shared/read-store/read-store.port';
import { startTestApp, type TestApp, type TestResponse } from '../support/test-app';

/**
 * A poison event, end to end in the real application: the customer-profile projection's handler
 * throws on one specific event (every time). The runner parks that event, GET /projections shows
 * it, the projection carries on with the events after it, and every other projection (the audit
 * index sees the same event) is unaffected. A rebuild parks the same event, so the live read
 * models still verify against the log.
 */
const POISON_NAME = 'Poison Pill';

describe('a projection handler that throws on one event', () => {
  let t: TestApp;
  const originalHandle = customerProfileProjection.handle.bind(customerProfileProjection);
  const poisoned: RecordedEvent[] = [];

  beforeAll(async () => {
    // Fails on one specific event, whatever the attempt; every other event is handled as usual.
    jest.spyOn(customerProfileProjection, 'handle').mockImplementation(async (event: RecordedEvent, ctx: ProjectionContext) => {
      if (event.type === 'CustomerRegistered' && (event.data as { name?: unknown }).name === POISON_NAME) {
        poisoned.push(event);
        throw new Error(`poisoned event ${event.id}`);
      }
      return originalHandle(event, ctx);
    });
    t = await startTestApp({ consistencyTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    await t.close();
    jest.restoreAllMocks();
  });

  function expectStatus(response: TestResponse, status: number): TestResponse {
    expect({ status: response.status, body: response.body }).toMatchObject({ status });
    return response;
  }

  const register = async (name: string) => expectStatus(await t.request('POST', '/customers', { name, kind: 'customer' }), 201).json;

  async function statuses(): Promise<ProjectionStatus[]> {
    return expectStatus(await t.request('GET', '/projections', undefined, {}, { auth: t.adminKey }), 200).json
      .projections as ProjectionStatus[];
  }

  /** Polls GET /projections until every projection has caught up with the log (bounded). */
  async function caughtUp(): Promise<ProjectionStatus[]> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const all = await statuses();
      if (all.every((p) => p.lagEvents === 0 && p.state === 'live')) return all;
      if (Date.now() > deadline) throw new Error(`projections did not catch up: ${JSON.stringify(all)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('parks the event, carries on past it, and leaves the other projections alone', async () => {
    const before = await register('Before Poison');
    const poison = await register(POISON_NAME);
    const after = await register('After Poison');
    // A later event on the poisoned customer's own stream is handled too.
    const purchase = expectStatus(
      await t.request('POST', `/customers/${poison.id}/purchases`, { lines: [{ product: 'Widget', quantity: 1, amount: 10 }] }),
      201,
    ).json;

    const all = await caughtUp();
    const head = String(purchase.position);

    // The poisoned projection parked exactly that event and moved on to the head of the log.
    const profile = all.find((p) => p.name === customerProfileProjection.name);
    expect(profile).toMatchObject({ state: 'live', position: head, lagEvents: 0 });
    expect(poisoned.length).toBeGreaterThanOrEqual(1);
    const poisonEvent = poisoned[0];
    expect(poisoned.every((e) => e.id === poisonEvent.id)).toBe(true);
    expect(profile?.parked).toEqual([
      expect.objectContaining<Partial<ParkedEvent>>({
        projection: customerProfileProjection.name,
        eventId: poisonEvent.id,
        eventType: 'CustomerRegistered',
        streamName: `customer-${poison.id}`,
        position: String(poison.position),
        error: expect.stringContaining(`poisoned event ${poisonEvent.id}`),
      }),
    ]);

    // Every other projection: at the head, nothing parked.
    const others = all.filter((p) => p.name !== customerProfileProjection.name);
    expect(others.length).toBe(ALL_PROJECTIONS.length - 1);
    for (const other of others)
      expect({ name: other.name, position: other.position, parked: other.parked }).toEqual({
        name: other.name,
        position: head,
        parked: [],
      });

    // The read model has the customers before and after, not the one whose registration was parked.
    expect(expectStatus(await t.request('GET', `/customers/${before.id}?minPosition=${head}`), 200).json).toMatchObject({
      name: 'Before Poison',
    });
    expect(expectStatus(await t.request('GET', `/customers/${after.id}?minPosition=${head}`), 200).json).toMatchObject({
      name: 'After Poison',
    });
    expect((await t.request('GET', `/customers/${poison.id}?minPosition=${head}`)).status).toBe(404);

    // The audit index (a projection of every event) has the poisoned event.
    const audit = expectStatus(await t.request('GET', `/audit/streams/customer-${poison.id}`), 200).json;
    expect(JSON.stringify(audit)).toContain(poisonEvent.id);

    // The service keeps taking commands, and the projection keeps projecting them.
    const later = await register('Later Still');
    expect(expectStatus(await t.request('GET', `/customers/${later.id}?minPosition=${later.position}`), 200).json).toMatchObject({
      name: 'Later Still',
    });
  }, 60_000);

  it('a rebuild from the log parks the same event, so every read model verifies equal', async () => {
    await caughtUp();
    const report = await verifyProjections({
      eventStore: t.eventStore,
      readStore: t.app.get<ReadStore>(READ_STORE),
      projections: ALL_PROJECTIONS,
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const differing = report.projections.filter((p) => p.status !== 'equal');
    expect(differing).toEqual([]);
    const parked = report.projections
      .find((p) => p.projection === customerProfileProjection.name)
      ?.collections.find((c) => c.collection === '_parked');
    expect(parked).toMatchObject({ liveDocuments: 1, rebuiltDocuments: 1, differences: 0 });
  }, 60_000);
});
