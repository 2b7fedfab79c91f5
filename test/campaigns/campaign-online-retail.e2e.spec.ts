import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { runImport } from '../../src/importers/import-runner';
import { ManualClock } from '../../src/shared/clock';
import { IMPORT_TEST_TIMEOUT_MS, listAll, splitCsvLine, toCents, ukLocalToUtcMs } from '../importers/data-set-import-support';
import { sharedDataFile } from '../importers/import-test-support';
import { startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(IMPORT_TEST_TIMEOUT_MS);
process.env.RELATA_SEGMENTATION_SCHEDULER = 'off';

/**
 * A retention campaign on the Online Retail sample, end to end: imported as of the day after the
 * data ends (the clock stands there, so the campaign's suggestions expire in the future), RFM
 * segmentation as of that day, a campaign on the at-risk segment with a 20% control group,
 * launched once (a rerun appends nothing); then members respond during the window and the
 * results are checked against figures computed here, from the raw CSV (the period before the
 * window) and from what the test itself recorded (the window), for the member lists the API returns.
 */

/** The sample's purchases as the file says them: one per (invoice, customer), at the invoice's earliest line, in cents. */
function purchasesFromFile(): Map<string, { at: number; cents: number }[]> {
  const [headerLine, ...lines] = readFileSync(sharedDataFile('online-retail', 'online_retail_sample.csv'), 'utf8')
    .split(/\r?\n/)
    .filter((line) => line !== '');
  const header = splitCsvLine(headerLine);
  const [invoiceAt, quantityAt, priceAt, customerAt, dateAt] = ['InvoiceNo', 'Quantity', 'UnitPrice', 'CustomerID', 'InvoiceDate'].map(
    (name) => header.indexOf(name),
  );
  const invoices = new Map<string, { customer: string; at: number; cents: number }>();
  for (const line of new Set(lines)) {
    const fields = splitCsvLine(line);
    const [invoice, customer] = [fields[invoiceAt], fields[customerAt]];
    const [quantity, price] = [Number(fields[quantityAt]), Number(fields[priceAt])];
    if (customer === 'NA' || invoice.startsWith('C') || quantity <= 0 || price <= 0) continue;
    const key = `${invoice}:${customer}`;
    const at = ukLocalToUtcMs(fields[dateAt]);
    const entry = invoices.get(key) ?? { customer, at, cents: 0 };
    entry.at = Math.min(entry.at, at);
    entry.cents += toCents(quantity * price);
    invoices.set(key, entry);
  }
  const byCustomer = new Map<string, { at: number; cents: number }[]>();
  for (const { customer, at, cents } of invoices.values()) byCustomer.set(customer, [...(byCustomer.get(customer) ?? []), { at, cents }]);
  return byCustomer;
}

const AS_OF = '2011-12-10T00:00:00.000Z';
const WINDOW = { start: AS_OF, end: '2012-01-31T00:00:00.000Z' };
const SEED = 'online-retail-christmas-2011';

describe('a retention campaign on the at-risk customers of the Online Retail sample', () => {
  const fromFile = purchasesFromFile();
  let t: TestApp;
  let campaignId: string;
  let launch: Record<string, any>;
  let members: Record<string, any>[];
  /** Relata's customer id -> the sample's CustomerID. */
  const sourceIdOf = new Map<string, string>();

  const createBody = (extra: Record<string, unknown> = {}) => ({
    name: 'Christmas win-back',
    target: { kind: 'segment', scheme: 'rfm', segment: 'at-risk', asOf: '2011-12-10' },
    action: { kind: 'suggestion', product: 'Gift voucher 10%', expectedValue: 20 },
    owner: 'retention-team',
    window: WINDOW,
    controlFraction: 0.2,
    controlSeed: SEED,
    ...extra,
  });

  beforeAll(async () => {
    t = await startTestApp(
      { consistencyTimeoutMs: IMPORT_TEST_TIMEOUT_MS - 60_000 },
      { clock: new ManualClock('2011-12-10T09:00:00.000Z') },
    );
    const imported = await runImport(t.app, { kind: 'online-retail', file: sharedDataFile('online-retail', 'online_retail_sample.csv') });
    // The segmentation scores from the read models and waits only a minute for them: let them catch up first (a loaded machine is slow).
    for (const url of ['/analytics/lifetime-value?limit=1', '/customers?limit=1', '/analytics/segments?limit=1']) {
      expect((await t.request('GET', `${url}&minPosition=${imported.lastPosition}`)).status).toBe(200);
    }
    const run = await t.request('POST', `/analytics/segments/recompute?asOf=2011-12-10`);
    expect(run.status).toBe(200);
    const created = await t.request('POST', '/campaigns', createBody());
    expect(created.status).toBe(201);
    campaignId = created.json.id;
    launch = (await t.request('POST', `/campaigns/${campaignId}/launch`)).json;
    members = await listAll(t, `/campaigns/${campaignId}/members?minPosition=${launch.position}`);
    for (const customer of fromFile.keys()) {
      const found = await t.request('GET', `/sources/online-retail/${customer}`);
      expect(found.status).toBe(200);
      sourceIdOf.set(found.json.records.find((r: { kind: string }) => r.kind === 'customer').id, customer);
    }
  }, IMPORT_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await t?.close();
  });

  it('refuses bad campaigns and launches with a problem, appending nothing', async () => {
    const before = await t.eventCount();
    const refusals = [
      [
        await t.request('POST', '/campaigns', createBody({ window: { start: WINDOW.end, end: WINDOW.start } })),
        422,
        'CAMPAIGN_WINDOW_INVALID',
      ],
      [await t.request('POST', '/campaigns', createBody({ action: { kind: 'suggestion' } })), 400, 'VALIDATION_FAILED'],
      [await t.request('POST', '/campaigns', createBody({ controlFraction: 1.5 })), 400, 'VALIDATION_FAILED'],
      [await t.request('POST', '/campaigns', createBody({ target: undefined })), 400, 'VALIDATION_FAILED'],
      [
        await t.request('POST', '/campaigns', createBody({ target: { kind: 'segment', scheme: 'rfm', segment: 'at-risk' } })),
        400,
        'VALIDATION_FAILED',
      ],
      [
        await t.request(
          'POST',
          '/campaigns',
          createBody({ target: { kind: 'segment', scheme: 'rfm', segment: 'at-risk', asOf: '2012-06-01' } }),
        ),
        422,
        'CAMPAIGN_TARGET_AFTER_WINDOW',
      ],
      [await t.request('POST', '/campaigns/00000000-0000-4000-8000-00000000ffff/launch'), 404, 'CAMPAIGN_NOT_FOUND'],
      [await t.request('GET', '/campaigns/00000000-0000-4000-8000-00000000ffff/results'), 404, 'CAMPAIGN_NOT_FOUND'],
    ] as const;
    for (const [response, status, code] of refusals) {
      expect({ status: response.status, code: response.json.code, type: response.headers['content-type'] }).toEqual({
        status,
        code,
        type: expect.stringContaining('application/problem+json'),
      });
    }
    // A target that selects nobody: the draft is recorded, its launch is refused and appends nothing.
    const empty = await t.request(
      'POST',
      '/campaigns',
      createBody({ target: { kind: 'segment', scheme: 'rfm', segment: 'no-such-segment', asOf: '2011-12-10' } }),
    );
    expect(empty.status).toBe(201);
    const afterDraft = await t.eventCount();
    expect(afterDraft).toBe(before + 1);
    const refused = await t.request('POST', `/campaigns/${empty.json.id}/launch`);
    expect({ status: refused.status, code: refused.json.code }).toEqual({ status: 422, code: 'CAMPAIGN_TARGET_EMPTY' });
    const notLaunched = await t.request('GET', `/campaigns/${empty.json.id}/results?minPosition=${empty.json.position}`);
    expect({ status: notLaunched.status, code: notLaunched.json.code }).toEqual({ status: 422, code: 'CAMPAIGN_NOT_LAUNCHED' });
    expect(await t.eventCount()).toBe(afterDraft);
  });

  it('targets the at-risk segment as of the segmentation: a plausible share, a seeded 20% control group', async () => {
    const atRisk = await listAll(t, '/analytics/segments/at-risk/members?asOf=2011-12-10');
    expect(members.map((m) => m.customerId).sort()).toEqual(atRisk.map((m) => m.customerId).sort());
    expect(members.length).toBeGreaterThan(0);
    expect(members.length).toBeLessThan(sourceIdOf.size / 2);
    const control = members
      .filter((m) => m.group === 'control')
      .map((m) => m.customerId)
      .sort();
    expect(launch).toMatchObject({
      status: 'launched',
      selectedAsOf: AS_OF,
      members: members.length,
      control: control.length,
      treatment: members.length - control.length,
    });
    expect(control).toHaveLength(Math.round(0.2 * members.length));
    // The draw as the seed says it: members ordered by sha256(seed:customerId), the first fifth held out.
    const drawn = members
      .map((m) => m.customerId as string)
      .sort((a, b) => {
        const [ha, hb] = [a, b].map((id) => createHash('sha256').update(`${SEED}:${id}`).digest('hex'));
        return ha < hb ? -1 : ha > hb ? 1 : 0;
      })
      .slice(0, control.length)
      .sort();
    expect(control).toEqual(drawn);
    // Treatment members got the campaign's suggestion, control members none.
    expect(
      members.filter((m) => m.group === 'treatment').every((m) => typeof m.suggestionId === 'string' && m.actionSkipped === null),
    ).toBe(true);
    expect(members.filter((m) => m.group === 'control').every((m) => m.suggestionId === null)).toBe(true);
  });

  it('a rerun of the launch appends nothing', async () => {
    const before = await t.eventCount();
    const rerun = await t.request('POST', `/campaigns/${campaignId}/launch`);
    expect(rerun.status).toBe(200);
    expect(rerun.json).toMatchObject({ appended: 0, replayed: true, members: members.length });
    expect(await t.eventCount()).toBe(before);
  });

  it('results as of the window end equal those computed from the file and from what members did', async () => {
    const treatment = members.filter((m) => m.group === 'treatment');
    const control = members.filter((m) => m.group === 'control');
    expect(control.length).toBeGreaterThan(2);
    expect(treatment.length).toBeGreaterThan(4);
    // During the window: some treatment members take the voucher and buy (one in euros), one
    // declines, one calls; two control members buy anyway.
    t.clock.set('2012-01-05T10:00:00.000Z');
    const bought: { customerId: string; amount: number; margin: number; currency: string }[] = [
      { customerId: treatment[0].customerId, amount: 120.5, margin: 30.25, currency: 'GBP' },
      { customerId: treatment[1].customerId, amount: 80, margin: 20, currency: 'GBP' },
      { customerId: treatment[1].customerId, amount: 45.1, margin: 9.9, currency: 'EUR' },
      { customerId: control[0].customerId, amount: 60, margin: 12, currency: 'GBP' },
      { customerId: control[1].customerId, amount: 33.33, margin: 5, currency: 'GBP' },
    ];
    for (const [i, p] of bought.entries()) {
      const recorded = await t.request('POST', `/customers/${p.customerId}/purchases`, {
        purchaseId: `XMAS-${i}`,
        lines: [{ product: 'Gift set', quantity: 1, amount: p.amount }],
        margin: p.margin,
        currency: p.currency,
        occurredAt: `2011-12-${String(15 + i).padStart(2, '0')}T12:00:00Z`,
      });
      expect(recorded.status).toBe(201);
    }
    // The first treatment member brings back part of the gift set in January: net revenue is lower, gross is not.
    const refunded = { amount: 20.5, occurredAt: '2012-01-04T12:00:00Z' };
    const refund = await t.request('POST', `/customers/${bought[0].customerId}/purchases/XMAS-0/refunds`, refunded);
    expect(refund.status).toBe(201);
    for (const m of treatment.slice(0, 2))
      expect((await t.request('POST', `/customers/${m.customerId}/suggestions/${m.suggestionId}/accept`)).status).toBe(200);
    const declined = treatment[2];
    expect(
      (
        await t.request('POST', `/customers/${declined.customerId}/suggestions/${declined.suggestionId}/decline`, {
          reason: 'not interested',
        })
      ).status,
    ).toBe(200);
    const caller = treatment[3];
    const call = await t.request('POST', `/customers/${caller.customerId}/interactions`, {
      channel: 'call',
      direction: 'inbound',
      summary: 'asked about the voucher',
      agent: 'maria',
      occurredAt: '2011-12-20T09:00:00Z',
    });
    expect(call.status).toBe(201);

    const results = await t.request('GET', `/campaigns/${campaignId}/results?asOf=${WINDOW.end}&minPosition=${call.json.position}`);
    expect(results.status).toBe(200);

    // Independently, from the file: the baseline is the year before the window.
    const baselineFrom = Date.parse('2010-12-10T00:00:00.000Z');
    const fileMoney = (group: Record<string, any>[], from: number, to: number) => {
      let [purchases, cents] = [0, 0];
      const buyers = new Set<string>();
      for (const m of group) {
        for (const p of fromFile.get(sourceIdOf.get(m.customerId)!) ?? []) {
          if (p.at < from || p.at >= to) continue;
          purchases += 1;
          cents += p.cents;
          buyers.add(m.customerId);
        }
      }
      return { purchases, buyers: buyers.size, cents };
    };
    const expectedGroup = (group: Record<string, any>[]) => {
      const ids = new Set(group.map((m) => m.customerId));
      const inWindowFromFile = fileMoney(group, Date.parse(WINDOW.start), Date.parse(WINDOW.end) + 1);
      const ours = bought.filter((p) => ids.has(p.customerId));
      const revenue: Record<string, { purchases: number; buyers: number; revenue: number; margin: number }> = {};
      for (const currency of new Set(ours.map((p) => p.currency))) {
        const mine = ours.filter((p) => p.currency === currency);
        const fromFileToo = currency === 'GBP' ? inWindowFromFile : { purchases: 0, buyers: 0, cents: 0 };
        revenue[currency] = {
          purchases: mine.length + fromFileToo.purchases,
          buyers: new Set(mine.map((p) => p.customerId)).size + fromFileToo.buyers,
          revenue: (mine.reduce((s, p) => s + toCents(p.amount), 0) + fromFileToo.cents) / 100,
          margin: mine.reduce((s, p) => s + toCents(p.margin), 0) / 100,
        };
      }
      const baseline = fileMoney(group, baselineFrom, Date.parse(WINDOW.start));
      const responders = new Set([...ours.map((p) => p.customerId), ...(ids.has(caller.customerId) ? [caller.customerId] : [])]);
      return { members: group.length, responded: responders.size, revenue, baseline };
    };
    for (const [name, group] of [
      ['treatment', treatment],
      ['control', control],
    ] as const) {
      const expected = expectedGroup(group);
      const actual = results.json[name];
      expect({ group: name, members: actual.members, responded: actual.responded }).toEqual({
        group: name,
        members: expected.members,
        responded: expected.responded,
      });
      expect(
        Object.fromEntries(
          Object.entries(actual.revenue as Record<string, any>).map(([c, f]) => [
            c,
            { purchases: f.purchases, buyers: f.buyers, revenue: f.revenue, margin: f.margin },
          ]),
        ),
      ).toEqual(expected.revenue);
      // Net of refunds: only treatment's GBP purchase came back in part, by the as-of.
      const refundedHere = name === 'treatment' ? refunded.amount : 0;
      expect(actual.revenue.GBP).toMatchObject({
        refunded: refundedHere,
        netRevenue: (toCents(expected.revenue.GBP.revenue) - toCents(refundedHere)) / 100,
      });
      // Never a sum across currencies: each currency on its own.
      expect(Object.keys(actual.revenue).sort()).toEqual(Object.keys(expected.revenue).sort());
      const baseline = actual.baseline.GBP;
      expect(expected.baseline.purchases).toBeGreaterThan(0);
      expect({ purchases: baseline.purchases, buyers: baseline.buyers, revenue: baseline.revenue }).toEqual({
        purchases: expected.baseline.purchases,
        buyers: expected.baseline.buyers,
        revenue: expected.baseline.cents / 100,
      });
    }
    expect(results.json.treatment).toMatchObject({
      reached: treatment.length,
      suggestions: { made: treatment.length, accepted: 2, declined: 1, open: treatment.length - 3 },
    });
    expect(results.json.control).toMatchObject({ reached: 0, suggestions: { made: 0, accepted: 0, declined: 0 } });
    expect(results.json).toMatchObject({ asOf: WINDOW.end, asOfBasis: 'requested', counted: { from: WINDOW.start, to: WINDOW.end } });

    // As of a day before anything happened in the window: nobody responded yet, no decision yet.
    const early = await t.request('GET', `/campaigns/${campaignId}/results?asOf=2011-12-12`);
    expect(early.json).toMatchObject({
      treatment: { responded: 0, revenue: {}, suggestions: { accepted: 0, declined: 0 } },
      control: { responded: 0, revenue: {} },
    });
  });

  it('segment transitions of members and control, from the run they were selected by to the latest run as of the results', async () => {
    t.clock.set('2012-02-01T08:00:00.000Z');
    const later = await t.request('POST', '/analytics/segments/recompute?asOf=2012-01-31&currency=GBP');
    expect(later.status).toBe(200);
    const segmentNow = new Map<string, string>();
    for (const segment of Object.keys(later.json.segments.rfm as Record<string, number>)) {
      for (const m of await listAll(t, `/analytics/segments/${segment}/members?asOf=2012-01-31&minPosition=${later.json.position}`))
        segmentNow.set(m.customerId, segment);
    }
    const results = await t.request('GET', `/campaigns/${campaignId}/results?minPosition=${later.json.position}`);
    expect(results.json).toMatchObject({
      asOf: WINDOW.end,
      asOfBasis: 'campaign-window-end',
      segmentTransitions: { scheme: 'rfm', fromRunAsOf: AS_OF, toRunAsOf: WINDOW.end },
    });
    for (const group of ['treatment', 'control'] as const) {
      const expected = new Map<string, number>();
      for (const m of members.filter((member) => member.group === group)) {
        const to = segmentNow.get(m.customerId) ?? null;
        expected.set(String(to), (expected.get(String(to)) ?? 0) + 1);
      }
      const actual = results.json.segmentTransitions[group] as { from: string; to: string | null; customers: number }[];
      expect(actual.every((row) => row.from === 'at-risk')).toBe(true);
      expect(new Map(actual.map((row) => [String(row.to), row.customers]))).toEqual(expected);
    }

    // The same figures as CSV: one row per group and currency.
    const csv = await t.request('GET', `/campaigns/${campaignId}/results`, undefined, { accept: 'text/csv' });
    expect(csv.headers['content-type']).toContain('text/csv');
    const rows = (csv.body as string).trim().split(/\r\n/);
    expect(rows[0].split(',').slice(0, 4)).toEqual(['campaignId', 'asOf', 'asOfBasis', 'group']);
    const treatmentGbp = rows.find((row) => row.includes(',treatment,') && row.includes(',GBP,'))!;
    expect(treatmentGbp).toContain(`,${results.json.treatment.revenue.GBP.revenue},`);
    expect(rows.filter((row) => row.includes(',EUR,'))).toHaveLength(1);
  });
});
