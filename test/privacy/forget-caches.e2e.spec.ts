import { randomUUID } from 'node:crypto';
import type { NewEvent } from '../../src/shared/event-store/event-store.port';
import { ProjectionRunner } from '../../src/shared/projections/projection-runner';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Copies of personal data kept in memory must go at a forget too. The projection runner keeps
 * pages of the log (decrypted once for all projections catching up); a rebuild after a forget that
 * read them would copy the forgotten customer's data back into the read models.
 */
describe('forget reaches in-memory copies', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ consistencyTimeoutMs: 3000 });
  });
  afterEach(async () => {
    await t.close();
  });

  /** Events no projection handles, so the log's first page (1,000 events) is full and kept. */
  async function fillFirstPage(): Promise<void> {
    const at = t.clock.now().toISOString();
    const events: NewEvent[] = Array.from({ length: 1000 }, () => ({
      id: randomUUID(),
      type: 'FillerNoted',
      data: {},
      metadata: { actor: 'spec', correlationId: 'filler', causationId: 'filler', occurredAt: at, recordedAt: at, schemaVersion: 1 },
    }));
    await t.eventStore.appendToStream('filler-1', events);
  }

  it('a rebuild after the forget reads the log again, not the pages read while the key existed', async () => {
    const customer = await t.request('POST', '/customers', { name: 'Quentin Brindlewood', email: 'quentin@brindle.example' });
    const complaint = await t.request('POST', '/complaints', {
      customerId: customer.json.id,
      channel: 'phone',
      category: 'billing',
      description: 'Brindlewood-Ocelot charged twice',
    });
    expect(complaint.status).toBe(201);
    await fillFirstPage();
    // Every projection rebuilt from the start: the first page is read and kept, decrypted.
    await t.app.get(ProjectionRunner).rebuild();

    const forgotten = await t.request('POST', `/customers/${customer.json.id as string}/forget`);
    expect(forgotten.json.readModelsUpdated).toBe(true);

    const details = await t.request('GET', `/complaints/${complaint.json.id as string}?minPosition=${forgotten.json.position}`);
    expect(details.json.description).toBe('[erased]');
    expect(JSON.stringify(details.json)).not.toContain('Brindlewood');
    const profile = await t.request('GET', `/customers/${customer.json.id as string}`);
    expect(JSON.stringify(profile.json)).not.toContain('Brindlewood');
  });
});
