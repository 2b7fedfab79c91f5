import type { Browser, Page } from 'playwright-core';
import { ManualClock } from '../../src/shared/clock';
import { loadDashboard, openDashboard, requireChromium } from '../support/dashboard-page';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(180_000);

/** What the in-page callbacks use of DOM nodes (the project compiles without the DOM library). */
interface DomNode {
  textContent: string | null;
}

/**
 * The dashboard's campaign results section: a launched campaign's groups, one row per currency,
 * as GET /campaigns/:id/results answers them (the page recomputes nothing). Twelve customers
 * with a purchase the year before; a retention offer to all of them with a quarter held out;
 * during the window two treatment members buy (one in GBP, one in EUR), one control member buys.
 */
describe('the dashboard shows campaign results per group and currency', () => {
  let t: TestApp;
  let key: string;
  let browser: Browser;
  let page: Page;
  let campaignId: string;
  const pageErrors: string[] = [];
  const asAnalyst = () => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    requireChromium();
    t = await startTestApp({}, { clock: new ManualClock('2026-03-01T12:00:00.000Z') });
    key = (await t.createKey(['analyst'])).key;
    for (let i = 0; i < 12; i++) {
      const customer = await t.request('POST', '/customers', { name: `Customer ${i}`, kind: 'customer', acquisitionChannel: 'web' });
      const bought = await t.request('POST', `/customers/${customer.json.id}/purchases`, {
        lines: [{ product: 'Mug', quantity: 1, amount: 10 }],
        currency: 'GBP',
        occurredAt: '2025-06-01T10:00:00Z',
      });
      expect(bought.status).toBe(201);
    }
    const created = await t.request(
      'POST',
      '/campaigns',
      {
        name: 'Spring offer',
        target: { kind: 'filter', status: 'customer' },
        action: { kind: 'retention-offer', offer: '15% off' },
        owner: 'retention-team',
        window: { start: '2026-03-01', end: '2026-04-01' },
        controlFraction: 0.25,
      },
      asAnalyst(),
    );
    expect(created.status).toBe(201);
    campaignId = created.json.id;
    const launched = await t.request('POST', `/campaigns/${campaignId}/launch`, undefined, asAnalyst());
    expect(launched.json).toMatchObject({ members: 12, control: 3, treatment: 9 });
    const members = (
      await t.request('GET', `/campaigns/${campaignId}/members?minPosition=${launched.json.position}`, undefined, asAnalyst())
    ).json.items as { customerId: string; group: string }[];
    const [first, second] = members.filter((m) => m.group === 'treatment');
    const [control] = members.filter((m) => m.group === 'control');
    t.clock.set('2026-03-10T12:00:00.000Z');
    let position = '';
    for (const [customerId, amount, currency] of [
      [first.customerId, 50, 'GBP'],
      [second.customerId, 20, 'EUR'],
      [control.customerId, 5, 'GBP'],
    ] as const) {
      const bought = await t.request('POST', `/customers/${customerId}/purchases`, {
        lines: [{ product: 'Teapot', quantity: 1, amount }],
        currency,
        occurredAt: '2026-03-05T10:00:00Z',
      });
      expect(bought.status).toBe(201);
      position = bought.json.position;
    }
    await t.request('GET', `/campaigns/${campaignId}/results?minPosition=${position}`, undefined, asAnalyst());

    ({ browser, page } = await openDashboard(t, 1440, pageErrors));
    // Purchases in GBP and EUR: the value panels need a currency (one number per customer).
    await loadDashboard(page, { key, from: '2026-02-01', to: '2026-03-11', currency: 'GBP' });
    await page.waitForFunction(() => (globalThis as any).document.body.dataset.state === 'ready', undefined, { timeout: 120_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('lists the groups of the campaign, one row per currency, with the API figures', async () => {
    expect(pageErrors).toEqual([]);
    const results = (await t.request('GET', `/campaigns/${campaignId}/results`, undefined, asAnalyst())).json;
    const rows = await page.$$eval('#campaigns-table tbody tr', (trs: any[]) =>
      trs.map((row) => Array.from(row.children as ArrayLike<DomNode>).map((cell) => (cell.textContent ?? '').trim())),
    );
    const money = (n: number): string => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    // Campaign, as of, group, members, reached, responded, response rate, accepted, declined, currency, revenue, per member, margin, year before.
    expect(rows.map((r) => [r[0], r[2], r[3], r[5], r[9], r[10], r[11], r[13]])).toEqual([
      [
        'Spring offer',
        'treatment',
        '9',
        '2',
        'EUR',
        money(results.treatment.revenue.EUR.revenue),
        money(results.treatment.revenue.EUR.revenuePerMember),
        '–',
      ],
      [
        'Spring offer',
        'treatment',
        '9',
        '2',
        'GBP',
        money(results.treatment.revenue.GBP.revenue),
        money(results.treatment.revenue.GBP.revenuePerMember),
        money(90),
      ],
      [
        'Spring offer',
        'control',
        '3',
        '1',
        'GBP',
        money(results.control.revenue.GBP.revenue),
        money(results.control.revenue.GBP.revenuePerMember),
        money(30),
      ],
    ]);
    expect([results.treatment.revenue.EUR.revenue, results.treatment.revenue.GBP.revenue, results.control.revenue.GBP.revenue]).toEqual([
      20, 50, 5,
    ]);
    expect(rows.every((r) => r[1] === results.asOf.slice(0, 10))).toBe(true);
  });
});
