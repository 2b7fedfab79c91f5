import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { runImport } from '../../src/importers/import-runner';
import { ManualClock } from '../../src/shared/clock';
import { readCdnowRows, toCents } from '../importers/data-set-import-support';
import { sharedDataFile } from '../importers/import-test-support';
import { startTestApp, type TestApp } from '../support/test-app';

// The whole CDNOW sample goes through the command path and every projection: slow on a busy machine.
jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RANGE = { from: '1997-01-01', to: '1998-07-01' };

/** What the in-page callbacks use of DOM nodes (the project compiles without the DOM library). */
interface DomNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
}

/**
 * The dashboard as an analyst uses it on the CDNOW sample, with a CLV model fitted on the
 * calibration period of Fader, Hardie & Lee (to 1997-09-30): predicted CLV, revenue over time
 * (actual vs forecast), the as-of picker, errors with the problem's detail and fields, a load
 * cancelled by the one that supersedes it, log-scale histogram bins, distinct colours, scrolling
 * tables and axis labels that do not overlap; screenshots at 1440 px and 390 px.
 * Expected figures come from the raw file and from the API.
 */
describe('the analyst dashboard on the CDNOW sample, with a fitted model', () => {
  const rows = readCdnowRows(sharedDataFile('cdnow', 'CDNOW_sample.txt'));
  let t: TestApp;
  let key: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'relata-dashboard-analyst-'));

  const analyst = async (url: string): Promise<Record<string, any>> => {
    const response = await t.request('GET', url, undefined, { authorization: `Bearer ${key}` });
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${JSON.stringify(response.json)}`);
    return response.json;
  };
  const text = (selector: string): Promise<string> => page.$eval(selector, (node: DomNode) => (node.textContent ?? '').trim());
  const table = (id: string): Promise<string[][]> =>
    page.$$eval(`#${id} tr`, (trs: any[]) =>
      trs.map((row) => Array.from(row.children as ArrayLike<DomNode>).map((cell) => (cell.textContent ?? '').trim())),
    );
  const num = (s: string): number => Number(s.replace(/,/g, ''));
  /** Waits until the page has settled on a state whose status matches. */
  const settled = (state: string, status: string) =>
    page.waitForFunction(
      ([wanted, part]) => {
        const doc = (globalThis as any).document;
        return doc.body.dataset.state === wanted && String(doc.getElementById('status').textContent).includes(part);
      },
      [state, status],
      { timeout: 120_000 },
    );

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: install Debian's chromium or set CHROMIUM_PATH.`);
    t = await startTestApp({ consistencyTimeoutMs: 240_000 }, { clock: new ManualClock('2026-03-01T12:00:00.000Z') });
    key = (await t.createKey(['analyst'])).key;
    const imported = await runImport(t.app, { kind: 'cdnow-sample', file: sharedDataFile('cdnow', 'CDNOW_sample.txt') });
    expect(imported.summary.imported).toBe(rows.length);
    const fit = await t.request('POST', '/analytics/clv/fit', { until: '1997-09-30', unit: 'week' }, { authorization: `Bearer ${key}` });
    expect(fit.status).toBe(201);
    // Every read model caught up before the page asks.
    await analyst(`/analytics/lifetime-value?limit=1&minPosition=${fit.json.position}`);

    await t.app.listen(0, '127.0.0.1');
    const baseUrl = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    await page.goto(`${baseUrl}/dashboard`);
    await page.fill('#api-key', key);
    await page.fill('#from', RANGE.from);
    await page.fill('#to', RANGE.to);
    await page.click('#load');
    await settled('ready', RANGE.from);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('predicted CLV is not zero: as of the calibration end, as the API answers it', async () => {
    expect(pageErrors).toEqual([]);
    expect(await text('#status')).toContain("predictions as of 1997-09-30 (the model's calibration end)");
    const [header, ...top] = await table('top-table');
    expect(header.slice(-2)).toEqual(['P(alive)', 'Predicted CLV']);
    const api = await analyst('/analytics/lifetime-value?minPurchases=1&sort=revenue&order=desc&limit=10');
    expect(top.map((r) => num(r[r.length - 1]))).toEqual(api.items.map((i: any) => i.predictive.clv));
    expect(top.filter((r) => num(r[r.length - 1]) > 0).length).toBeGreaterThanOrEqual(8);
    expect(await text('#top-note')).toContain('as of 1997-09-30');
  });

  it('revenue over time: actual bars are the file, month by month; the forecast line is the API forecast after the calibration end', async () => {
    const byMonth = new Map<string, number>();
    for (const row of rows)
      byMonth.set(
        `${row.date.slice(0, 4)}-${row.date.slice(4, 6)}`,
        (byMonth.get(`${row.date.slice(0, 4)}-${row.date.slice(4, 6)}`) ?? 0) + toCents(row.dollars),
      );
    const bars = await page.$$eval('#revenue-chart g.bar', (groups: DomNode[]) =>
      groups.map((g) => [g.getAttribute('data-label'), Math.round(Number(g.getAttribute('data-total')) * 100)]),
    );
    expect(bars).toEqual([...byMonth.entries()].sort());
    const points = await page.$$eval('#revenue-chart circle.forecast-point', (dots: DomNode[]) =>
      dots.map((d) => [d.getAttribute('data-label'), Number(d.getAttribute('data-value'))]),
    );
    const forecast = await analyst(`/analytics/forecast?from=${RANGE.from}&to=${RANGE.to}&interval=month`);
    expect(points).toEqual(forecast.periods.filter((p: any) => p.forecast).map((p: any) => [p.period, p.forecast.revenue]));
    expect(points.map(([month]) => month)).toEqual([
      '1997-10',
      '1997-11',
      '1997-12',
      '1998-01',
      '1998-02',
      '1998-03',
      '1998-04',
      '1998-05',
      '1998-06',
    ]);
    expect(points.every(([, value]) => (value as number) > 0)).toBe(true);
    expect(await text('#revenue-note')).toMatch(
      new RegExp(`Backtest over 9 months: MAPE ${forecast.backtest.mapeRevenue.toFixed(1)}% on revenue`),
    );
  });

  it('lifetime-value histogram: log-scale 1-2-5 bins that count the customers of the file', async () => {
    const revenue = new Map<string, number>();
    for (const row of rows) revenue.set(row.customer, (revenue.get(row.customer) ?? 0) + toCents(row.dollars));
    const bins = await page.$$eval('#ltv-table tbody tr', (trs: any[]) =>
      trs.map((row) => ({
        lo: Number(row.querySelector('[data-lo]').getAttribute('data-lo')),
        hi: Number(row.querySelector('[data-hi]').getAttribute('data-hi')),
        customers: Number(String(row.lastElementChild.textContent).replace(/,/g, '')),
      })),
    );
    for (const bin of bins) {
      if (bin.lo > 0) expect([2, 2.5]).toContain(Math.round((bin.hi / bin.lo) * 10) / 10);
      expect(bin.customers).toBe([...revenue.values()].filter((c) => c >= Math.round(bin.lo * 100) && c < Math.round(bin.hi * 100)).length);
    }
    expect(bins.reduce((s, b) => s + b.customers, 0)).toBe(revenue.size);
    // No single bar holds nearly everyone (the $1,000 bins put 2,337 of 2,358 in one).
    expect(Math.max(...bins.map((b) => b.customers))).toBeLessThan(revenue.size / 2);
  });

  it('colours: twelve categories each their own, a thirteenth and more share a grey "other"', async () => {
    const colours = (await page.evaluate(`(() => {
      const names = Array.from({ length: 13 }, (_, i) => 'category ' + i);
      const many = window.RelataCharts.categoryColors(names);
      const twelve = window.RelataCharts.categoryColors(names.slice(0, 12));
      return { many: many.keys.map((k) => [k, many.color(k)]), folded: many.fold('category 12'), twelve: twelve.keys.map((k) => twelve.color(k)) };
    })()`)) as { many: [string, string][]; folded: string; twelve: string[] };
    expect(colours.many).toHaveLength(12);
    expect(colours.many[11][0]).toBe('other');
    expect(colours.folded).toBe('other');
    expect(new Set(colours.many.map(([, c]) => c)).size).toBe(12);
    expect(new Set(colours.twelve).size).toBe(12);
  });

  it('the as-of picker moves every prediction and the forecast', async () => {
    await page.fill('#as-of', '1997-12-31');
    await page.dispatchEvent('#as-of', 'change');
    await settled('ready', '1997-12-31 (chosen)');
    expect(await text('#top-note')).toContain('as of 1997-12-31');
    const points = await page.$$eval('#revenue-chart circle.forecast-point', (dots: DomNode[]) =>
      dots.map((d) => d.getAttribute('data-label')),
    );
    expect(points[0]).toBe('1998-01');
    const api = await analyst('/analytics/lifetime-value?minPurchases=1&sort=revenue&order=desc&limit=10&asOf=1997-12-31');
    const [, ...top] = await table('top-table');
    expect(top.map((r) => num(r[r.length - 1]))).toEqual(api.items.map((i: any) => i.predictive.clv));
  });

  it('an error shows the problem detail and field messages, and the load it cancelled never overwrites it', async () => {
    // The scheme's load is held back; Show with an as-of in the future supersedes it and is refused.
    let released = false;
    const segments = (url: URL): boolean => url.pathname === '/analytics/segments';
    await page.route(segments, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      released = true;
      await route.continue().catch(() => undefined);
    });
    await page.selectOption('#scheme', 'value-matrix');
    await page.fill('#as-of', '2027-01-01');
    await page.click('#load');
    await settled('error', 'asOf');
    const message = await text('#status');
    expect(message).toMatch(/answered 400 .*: .*\(asOf: asOf must be today or earlier/);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(released).toBe(true);
    expect(await text('#status')).toBe(message);
    expect(await page.getAttribute('body', 'data-state')).toBe('error');
    await page.unroute(segments);
    await page.fill('#as-of', '');
    await page.selectOption('#scheme', 'rfm');
    await settled('ready', 'calibration end');
  });

  it('at 1440 px and at 390 px: nothing wider than the screen, tables scroll, axis labels do not overlap; screenshots', async () => {
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: 900 });
      // The charts are drawn again at the width they are shown at.
      await page.waitForFunction((w) => {
        const doc = (globalThis as any).document;
        const chart = doc.getElementById('revenue-chart');
        return (
          doc.documentElement.clientWidth === w &&
          chart.querySelector('svg').getAttribute('viewBox').split(' ')[2] === String(Math.round(chart.clientWidth))
        );
      }, width);
      const layout = (await page.evaluate(`(() => {
        const overflow = document.documentElement.scrollWidth;
        const wrappers = Array.from(document.querySelectorAll('table')).map((t) => getComputedStyle(t.parentElement).overflowX);
        const overlaps = [];
        for (const svg of Array.from(document.querySelectorAll('.chart svg'))) {
          const labels = Array.from(svg.querySelectorAll('text.axis-label')).filter((l) => !l.getAttribute('transform')).map((l) => l.getBoundingClientRect());
          for (let i = 1; i < labels.length; i++) if (labels[i].left < labels[i - 1].right - 0.5) overlaps.push(svg.closest('section').id);
        }
        return { overflow, wrappers, overlaps };
      })()`)) as { overflow: number; wrappers: string[]; overlaps: string[] };
      expect(layout.overflow).toBeLessThanOrEqual(width);
      expect(new Set(layout.wrappers)).toEqual(new Set(['auto']));
      expect(layout.overlaps).toEqual([]);
      const file = path.join(workDir, `dashboard-${width}.png`);
      await page.screenshot({ path: file, fullPage: true });
      expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
      // To look at them: SCREENSHOT_DIR=/some/dir npx jest test/dashboard/dashboard-analyst.e2e.spec.ts
      if (process.env.SCREENSHOT_DIR) {
        mkdirSync(process.env.SCREENSHOT_DIR, { recursive: true });
        copyFileSync(file, path.join(process.env.SCREENSHOT_DIR, `dashboard-${width}.png`));
      }
    }
    expect(pageErrors.filter((e) => !e.includes('400'))).toEqual([]);
  });
});
